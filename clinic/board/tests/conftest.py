import pytest

from clinic.board.tests.builders import make_chair


@pytest.fixture
def chairs(clinic, staff):
    """Chairs 1–8 of the clinic (names sort in board order)."""
    return [make_chair(clinic, staff, f"Chair {n}") for n in range(1, 9)]
