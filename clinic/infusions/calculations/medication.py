"""Rescue-medication sanity ranges and the sedation/dissociation rating scales (domain.md §3.3)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# --- Rescue medication and clinical ratings ---------------------------------------------------


@dataclass(frozen=True)
class DoseRange:
    low: Decimal
    high: Decimal
    source: str


# Sanity ranges (a typo guard, not an order): domain.md §3.3.
RESCUE_DOSE_RANGES: dict[str, DoseRange] = {
    # domain.md §3.3 [S] [ACEP2011]
    "ondansetron": DoseRange(Decimal("1"), Decimal("16"), "Common adult dose 4 mg IV (ACEP 2011)."),
    "midazolam": DoseRange(Decimal("0.5"), Decimal("5"), "0.03 mg/kg IV, about 2 mg at 70 kg (ACEP 2011)."),
    "other": DoseRange(Decimal("0.01"), Decimal("1000"), "Any other drug: a typo guard only."),
}


@dataclass(frozen=True)
class RatingScale:
    code: str
    label: str
    low: int
    high: int
    help_text: str


RATING_SCALES: dict[str, RatingScale] = {
    "moaa_s": RatingScale(
        "moaa_s",
        "Sedation (MOAA/S 0–5)",
        0,
        5,
        # domain.md §3.3
        "Modified Observer's Assessment of Alertness/Sedation: 5 responds readily to name in a "
        "normal tone … 0 no response to a painful stimulus (used in the Spravato trials).",
    ),
    "cadss6": RatingScale(
        "cadss6",
        "Dissociation (CADSS-6 total 0–24)",
        0,
        24,
        # domain.md §3.3 [Rodrigues2021]; the CADSS licence is [U] (§5.1).
        "Total of the six CADSS short-form items (1, 2, 6, 7, 15, 22), each 0–4 (Rodrigues 2021). "
        "Only the total is stored: the CADSS licence terms are not confirmed.",
    ),
}
