"""Pure body-size arithmetic (no ORM), shown on the chart next to the measurements."""

from decimal import ROUND_HALF_UP, Decimal

KG_PER_LB = Decimal("0.45359237")
CM_PER_IN = Decimal("2.54")


def body_mass_index(*, weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    """BMI in kg/m², rounded to one decimal: weight (kg) / height (m)²."""
    if weight_kg <= 0 or height_cm <= 0:
        raise ValueError("weight and height must be positive")
    metres = Decimal(height_cm) / 100
    return (Decimal(weight_kg) / (metres * metres)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def kg_to_lb(weight_kg: Decimal) -> Decimal:
    return (Decimal(weight_kg) / KG_PER_LB).quantize(Decimal("0.1"), ROUND_HALF_UP)


def cm_to_feet_inches(height_cm: Decimal) -> tuple[int, int]:
    total = int((Decimal(height_cm) / CM_PER_IN).quantize(Decimal("1"), ROUND_HALF_UP))
    return total // 12, total % 12
