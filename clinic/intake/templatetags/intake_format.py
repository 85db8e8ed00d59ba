"""Display helpers for the inbox templates."""

from django import template

from clinic.core.validators import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+16175550142 → (617) 555-0142; other numbers as stored (E.164)."""
    return format_phone(value or "")
