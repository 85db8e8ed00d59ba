"""One display rule per clinical quantity (clinic/core/display.py)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.core.display import (
    QUANTITIES,
    display_blood_pressure,
    display_in_unit,
    display_number,
    display_quantity,
)


@pytest.mark.parametrize(
    ("value", "quantity", "shown"),
    [
        (Decimal("33.845000"), "mg", "33.85 mg"),  # half-up, where half-even gave 33.84
        (Decimal("33.850000"), "mg", "33.85 mg"),
        (Decimal("35.000000"), "mg", "35 mg"),
        (Decimal("0.5"), "mg_per_kg", "0.5 mg/kg"),
        (Decimal("0.6769"), "mg_per_ml", "0.677 mg/mL"),
        (Decimal("52.500000"), "ml_per_h", "52.5 mL/h"),
        (Decimal("52.48"), "ml_per_h", "52.48 mL/h"),
        (Decimal("52.4812"), "ml_per_h_exact", "52.4812 mL/h"),
        (Decimal("1.005"), "ml", "1.01 mL"),
        (Decimal("70.25"), "kg", "70.3 kg"),
        (Decimal("24.96"), "bmi", "25 kg/m²"),
        (184.6, "ng_per_ml", "185 ng/mL"),
        (89, "spo2", "89 %"),
        (12, "per_min", "12/min"),
        (Decimal("36.85"), "temp_c", "36.9 °C"),
        ("0", "mg", "0 mg"),
        (None, "mg", "—"),
        ("", "kg", "—"),
    ],
)
def test_each_quantity_has_one_rule_with_its_unit(value, quantity, shown):
    assert display_quantity(value, quantity) == shown


def test_a_value_that_is_not_a_number_is_shown_as_it_is():
    assert display_number("n/a", "mg") == "n/a"


def test_a_value_stored_with_its_unit_follows_that_units_rule():
    assert display_in_unit(Decimal("0.500"), "mg/kg") == "0.5 mg/kg"
    assert display_in_unit(Decimal("4.00"), "mg") == "4 mg"
    assert display_in_unit(Decimal("2"), "puffs") == "2 puffs"


def test_blood_pressure():
    assert display_blood_pressure(132, 84) == "132/84 mm Hg"
    assert display_blood_pressure(None, 84) == "—"


@given(
    st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=6, allow_nan=False),
    st.sampled_from(sorted(QUANTITIES)),
)
def test_the_shown_number_is_the_value_rounded_half_up_to_the_step(value, quantity):
    shown = Decimal(display_number(value, quantity))
    step = QUANTITIES[quantity].step
    assert abs(shown - value) <= step / 2
    assert shown % step == 0
    assert "." not in display_number(value, quantity) or not display_number(value, quantity).endswith("0")
