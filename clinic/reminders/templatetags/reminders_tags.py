"""Template helpers for the messages pages."""

from django import template

from clinic.reminders.sms import mask_phone

register = template.Library()


@register.filter
def mask_address(value: str) -> str:
    """r•••@example.com or +1******0100: tells staff which address, without copying it whole."""
    value = value or ""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}•••@{domain}"
    return mask_phone(value)
