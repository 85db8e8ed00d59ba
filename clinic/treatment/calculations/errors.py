"""Errors raised by the pure calculators when an input cannot be used at all.

The dose calculator reports clinical problems as `Problem` values (hard stops and warnings) so that a
screen can show all of them at once; the body-weight and PK functions, whose callers have nothing to
show but the error, raise `CalculationInputError` naming the field instead.
"""

from decimal import Decimal


class CalculationInputError(ValueError):
    """An input is missing, out of range or of the wrong kind. `field` names the input."""

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def as_decimal(value: object, *, field: str) -> Decimal:
    """Return `value` as a finite Decimal; ints and numeric strings are accepted, floats refused.

    Floats are refused because a binary fraction (0.1 → 0.1000000000000000055…) must never leak into
    a dose; callers convert form input with Decimal(str(...)).
    """
    if isinstance(value, bool | float):
        raise CalculationInputError(
            f"{field} must be a Decimal, not {type(value).__name__}.", field=field, code="type"
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | str):
        try:
            number = Decimal(value)
        except ArithmeticError as exc:
            raise CalculationInputError(f"{field} must be a number.", field=field, code="type") from exc
    else:
        raise CalculationInputError(
            f"{field} must be a number, not {type(value).__name__}.", field=field, code="type"
        )
    if not number.is_finite():
        raise CalculationInputError(f"{field} must be a finite number.", field=field, code="type")
    return number
