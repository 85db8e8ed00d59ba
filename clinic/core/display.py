"""One display rule per clinical quantity, with its unit.

Every page, PDF, e-mail, text message and export shows a clinical number through these functions (the
`display` template filters wrap them), so one ordered dose reads the same everywhere: "33.85 mg" on the
chair-side page, the board, the flowsheet and the after-visit summary, never 33.8 in one place and 33.9
in another. Each quantity has a fixed step; values are rounded half-up to it (as a person rounding by
hand does) and trailing zeros are dropped ("35 mg", "52.5 mL/h", "0.677 mg/mL").

The steps keep what a clinician acts on: a ketamine dose to 0.01 mg (the order's precision, which the
double check compares), volumes to 0.01 mL (a syringe's), pump rates to 0.001 mL/h (the finest pump
resolution an order allows, so a rate shows exactly as ordered), weights and heights to 0.1.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


@dataclass(frozen=True)
class Quantity:
    unit: str
    step: Decimal


QUANTITIES: dict[str, Quantity] = {
    # Drug amounts and rates.
    "mg": Quantity("mg", Decimal("0.01")),
    "mg_per_h": Quantity("mg/h", Decimal("0.01")),
    "mg_per_kg": Quantity("mg/kg", Decimal("0.001")),
    "mg_per_kg_per_h": Quantity("mg/kg/h", Decimal("0.001")),
    "mg_per_ml": Quantity("mg/mL", Decimal("0.001")),
    "ml": Quantity("mL", Decimal("0.01")),
    "ml_per_h": Quantity("mL/h", Decimal("0.001")),
    # The unrounded rate the calculator shows beside the pump rate, to see the rounding.
    "ml_per_h_exact": Quantity("mL/h", Decimal("0.0001")),
    "ng_per_ml": Quantity("ng/mL", Decimal("1")),
    # The body.
    "kg": Quantity("kg", Decimal("0.1")),
    "cm": Quantity("cm", Decimal("0.1")),
    "bmi": Quantity("kg/m²", Decimal("0.1")),
    # Vital signs.
    "mm_hg": Quantity("mm Hg", Decimal("1")),
    "bpm": Quantity("bpm", Decimal("1")),
    "spo2": Quantity("%", Decimal("1")),
    "per_min": Quantity("/min", Decimal("1")),
    "temp_c": Quantity("°C", Decimal("0.1")),
    # Time.
    "min": Quantity("min", Decimal("1")),
    "h": Quantity("h", Decimal("0.1")),
}

# Units written without a space before them ("12/min").
_NO_SPACE = {"/min"}


def display_number(value, quantity: str) -> str:
    """`value` rounded half-up to the quantity's step, without trailing zeros; "" for None or ""."""
    if value is None or value == "":
        return ""
    step = QUANTITIES[quantity].step
    try:
        number = Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def display_quantity(value, quantity: str) -> str:
    """The number with its unit ("33.85 mg", "12/min"); "—" when there is no value."""
    number = display_number(value, quantity)
    if number == "":
        return "—"
    unit = QUANTITIES[quantity].unit
    return f"{number}{unit}" if unit in _NO_SPACE else f"{number} {unit}"


# For values stored beside their unit (an order's "0.5" + "mg/kg", a rescue dose's "4" + "mg").
_QUANTITY_OF_UNIT = {}
for _key, _quantity in QUANTITIES.items():
    _QUANTITY_OF_UNIT.setdefault(_quantity.unit, _key)


def display_in_unit(value, unit: str) -> str:
    """A value stored with its unit, by that unit's rule ("0.5 mg/kg"); unknown units as they are."""
    key = _QUANTITY_OF_UNIT.get(unit)
    if key is None:
        return f"{value} {unit}".strip()
    return display_quantity(value, key)


def display_blood_pressure(sbp, dbp) -> str:
    """ "132/84 mm Hg"; "—" when either value is missing."""
    if sbp is None or dbp is None or sbp == "" or dbp == "":
        return "—"
    return f"{display_number(sbp, 'mm_hg')}/{display_number(dbp, 'mm_hg')} mm Hg"
