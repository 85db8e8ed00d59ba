"""Number display for orders: a fixed precision with trailing zeros dropped (35, 52.5, 0.952)."""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django import template

register = template.Library()


def format_decimal(value, step: str | Decimal = "0.01") -> str:
    """`value` rounded half-even to `step` (e.g. "0.1"), without trailing zeros; "" for None."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal(str(step)), rounding=ROUND_HALF_EVEN)
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


@register.filter
def dec(value, step="0.01") -> str:
    """{{ order.dose_mg|dec:"0.01" }} → "35"; {{ order.rate_ml_h|dec:order.pump_resolution_ml_h }}."""
    return format_decimal(value, step)
