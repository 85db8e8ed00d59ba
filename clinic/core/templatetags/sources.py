"""{{ rule.source|clinician_source }}: a stored citation as a clinician reads it (clinic/core/sources.py)."""

from django import template

from clinic.core.sources import clinician_source as _clinician_source

register = template.Library()


@register.filter
def clinician_source(value) -> str:
    return _clinician_source(str(value or ""))
