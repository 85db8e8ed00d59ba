"""The next order at check-in (pure): the lowest sequence after the last infusion given."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.infusions.calculations import next_order_in_sequence


@pytest.mark.parametrize(
    "candidates, last_given, expected",
    [
        ([("a", 1), ("b", 2), ("c", 3)], None, "a"),  # a new course: infusion 1
        ([("a", 1), ("c", 3)], 2, "c"),  # infusion 1 unused, 2 given: 3, never 1
        ([("c", 3), ("d", 4)], 2, "c"),
        ([("a", 1)], 2, None),  # only an older order is left: none is next
        ([("e", 5), ("d", 4)], 2, "d"),  # order of the list does not matter
        ([], None, None),
    ],
)
def test_the_next_order(candidates, last_given, expected):
    assert next_order_in_sequence(candidates=candidates, last_given_sequence=last_given) == expected


@given(
    sequences=st.sets(st.integers(min_value=1, max_value=40), max_size=12),
    last_given=st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
)
def test_the_next_order_is_after_the_last_given_and_the_lowest_such(sequences, last_given):
    candidates = [(f"order-{n}", n) for n in sequences]
    chosen = next_order_in_sequence(candidates=candidates, last_given_sequence=last_given)
    after = [n for n in sequences if last_given is None or n > last_given]
    if not after:
        assert chosen is None
    else:
        assert chosen == f"order-{min(after)}"
