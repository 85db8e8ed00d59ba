"""Template filters for clinical numbers: {{ order.dose_mg|qty:"mg" }} → "33.85 mg",
{{ order.dose_mg|num:"mg" }} → "33.85", {{ vital|bp }} → "132/84 mm Hg" (see clinic/core/display.py)."""

from django import template

from clinic.core.display import display_blood_pressure, display_in_unit, display_number, display_quantity

register = template.Library()


@register.filter
def qty(value, quantity: str) -> str:
    return display_quantity(value, quantity)


@register.filter
def num(value, quantity: str) -> str:
    return display_number(value, quantity)


@register.filter
def in_unit(value, unit: str) -> str:
    """{{ order.ordered_dose|in_unit:order.dose_unit }} → "0.5 mg/kg"."""
    return display_in_unit(value, unit)


@register.filter
def bp(vital) -> str:
    """A vital-sign row (anything with .sbp and .dbp) as "132/84 mm Hg"."""
    return display_blood_pressure(getattr(vital, "sbp", None), getattr(vital, "dbp", None))
