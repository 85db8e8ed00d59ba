"""The one template filter for phone numbers: `{% load phones %}` then
`{{ patient.phone|phone:active_clinic }}` ((617) 555-0100 in a US clinic, +44 20 7946 0958 for a
UK number). The argument is the clinic (or a region code such as "GB"); without one the default
region applies. See clinic/core/phones.py."""

from django import template

from clinic.core.phones import DEFAULT_REGION, clinic_phone_region, phone_display

register = template.Library()


@register.filter
def phone(value, clinic=None) -> str:
    if not value:
        return ""
    region = (clinic or DEFAULT_REGION) if isinstance(clinic, str) else clinic_phone_region(clinic)
    return phone_display(str(value), region=region)
