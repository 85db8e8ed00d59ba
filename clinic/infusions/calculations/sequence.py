"""Which infusion order is next at check-in (pure)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable


def next_order_in_sequence(
    *, candidates: Iterable[tuple[Hashable, int]], last_given_sequence: int | None
) -> Hashable | None:
    """The order to give next: among the unused double-checked orders of the current course
    (`candidates`, as (key, sequence)), the lowest sequence after the last one actually given.
    None when no candidate follows it: an older unused order (e.g. "Infusion 1" at the third
    visit, with the dose before a titration) is never "next"; choosing it needs a reason."""
    after = [
        (sequence, key)
        for key, sequence in candidates
        if last_given_sequence is None or sequence > last_given_sequence
    ]
    if not after:
        return None
    return min(after, key=lambda pair: pair[0])[1]
