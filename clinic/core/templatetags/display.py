"""Template filters for clinical numbers: {{ order.dose_mg|qty:"mg" }} → "33.85 mg",
{{ order.dose_mg|num:"mg" }} → "33.85", {{ vital|bp }} → "132/84 mm Hg" (see clinic/core/display.py)."""

from django import template

from clinic.core.display import display_blood_pressure, display_number, display_quantity

register = template.Library()


@register.filter
def qty(value, quantity: str) -> str:
    return display_quantity(value, quantity)


@register.filter
def num(value, quantity: str) -> str:
    return display_number(value, quantity)


@register.filter
def bp(vital) -> str:
    """A vital-sign row (anything with .sbp and .dbp) as "132/84 mm Hg"."""
    return display_blood_pressure(getattr(vital, "sbp", None), getattr(vital, "dbp", None))
