"""Discharge scores: modified Aldrete and the modified PADSS infusion variant (domain.md §4.1, §4.2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from clinic.infusions.calculations._base import ZERO
from clinic.infusions.calculations.vitals import Reading

# --- Discharge scores -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreItem:
    key: str
    label: str
    options: tuple[tuple[int, str], ...]  # (points, anchor text), highest first
    fixed: int | None = None  # a value the variant fixes (not asked)


@dataclass(frozen=True)
class ScoreSystem:
    code: str
    name: str
    variant: str  # stored with every discharge (domain.md §4.1: "store the variant used")
    items: tuple[ScoreItem, ...]
    source: str

    @property
    def maximum(self) -> int:
        return sum(max(points for points, _ in item.options) for item in self.items)


ALDRETE = ScoreSystem(
    code="aldrete",
    name="Modified Aldrete score",
    variant="aldrete-1995-modified-spo2-percent",
    items=(
        ScoreItem(
            "activity",
            "Activity",
            (
                (2, "Moves 4 extremities voluntarily or on command"),
                (1, "Moves 2 extremities"),
                (0, "Moves no extremities"),
            ),
        ),
        ScoreItem(
            "respiration",
            "Respiration",
            (
                (2, "Breathes deeply and coughs freely"),
                (1, "Dyspnea or limited breathing"),
                (0, "Apneic"),
            ),
        ),
        ScoreItem(
            "circulation",
            "Circulation",
            (
                (2, "BP within ± 20 % of the pre-dose level"),
                (1, "BP ± 20–49 % of the pre-dose level"),
                (0, "BP ± 50 % or more of the pre-dose level"),
            ),
        ),
        ScoreItem(
            "consciousness",
            "Consciousness",
            (
                (2, "Fully awake"),
                (1, "Arousable on calling"),
                (0, "Not responding"),
            ),
        ),
        ScoreItem(
            "spo2",
            "Oxygen saturation",
            (
                (2, "SpO2 > 92 % on room air"),
                (1, "Needs oxygen to keep SpO2 > 90 %"),
                (0, "SpO2 < 90 % even with oxygen"),
            ),
        ),
    ),
    # domain.md §4.1 [Aldrete-tables]
    source="Aldrete 1995: blood-pressure bands in %, SpO2 92 % on room air.",
)

PADSS = ScoreSystem(
    code="padss",
    name="Post-anaesthetic discharge scoring system (modified PADSS, infusion variant)",
    variant="padss-modified-infusion-bleeding-fixed-2",
    items=(
        ScoreItem(
            "vital_signs",
            "Vital signs (BP and pulse)",
            (
                (2, "Within 20 % of the pre-dose reading"),
                (1, "20–40 % from the pre-dose reading"),
                (0, "More than 40 % from the pre-dose reading"),
            ),
        ),
        ScoreItem(
            "activity",
            "Activity and mental status",
            (
                (2, "Oriented ×3 and steady gait"),
                (1, "Oriented ×3 or steady gait"),
                (0, "Neither"),
            ),
        ),
        ScoreItem(
            "nausea_vomiting",
            "Nausea and vomiting",
            (
                (2, "Minimal"),
                (1, "Moderate, needed treatment"),
                (0, "Severe, needed treatment"),
            ),
        ),
        ScoreItem(
            "pain",
            "Pain",
            (
                (2, "Minimal"),
                (1, "Moderate, needed treatment"),
                (0, "Severe, needed treatment"),
            ),
        ),
        ScoreItem(
            "surgical_bleeding",
            "Surgical bleeding",
            (
                (2, "Minimal (no surgical wound: fixed at 2 for infusions)"),
                (1, "Moderate"),
                (0, "Severe"),
            ),
            fixed=2,
        ),
    ),
    # domain.md §4.2 [PADSS-tables]
    source=(
        "Chung 1995 PADSS: the modified form (intake/output dropped, "
        "pain and nausea/vomiting split). Surgical bleeding does not apply to an infusion, so this "
        "variant scores it 2 (minimal) to keep the maximum at 10 and the ≥ 9 rule meaningful."
    ),
)

SCORE_SYSTEMS = {ALDRETE.code: ALDRETE, PADSS.code: PADSS}
SCORE_ITEM_REQUIRED = "{label}: choose a score."
SCORE_ITEM_INVALID = "{label}: the score must be one of {allowed}."
SCORE_ITEM_UNKNOWN = "Unknown item {key} for the {name}."
SCORE_ITEM_FIXED = "{label} is fixed at {value} in this variant."


class ScoreError(ValueError):
    """Invalid score items; `errors` maps item key to message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def score_items(system: ScoreSystem, items: Mapping[str, object]) -> tuple[dict[str, int], int]:
    """Validate the item scores of `system` and return (clean items, total). Raises ScoreError."""
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    known = {item.key for item in system.items}
    for key in items:
        if key not in known:
            errors[str(key)] = SCORE_ITEM_UNKNOWN.format(key=key, name=system.name)
    for item in system.items:
        raw = items.get(item.key)
        if item.fixed is not None:
            if raw not in (None, "") and _as_int(raw) != item.fixed:
                errors[item.key] = SCORE_ITEM_FIXED.format(label=item.label, value=item.fixed)
            clean[item.key] = item.fixed
            continue
        allowed = [points for points, _ in item.options]
        value = _as_int(raw)
        if raw is None or raw == "":
            errors[item.key] = SCORE_ITEM_REQUIRED.format(label=item.label)
        elif value not in allowed:
            errors[item.key] = SCORE_ITEM_INVALID.format(
                label=item.label, allowed=", ".join(str(a) for a in sorted(allowed))
            )
        else:
            clean[item.key] = value
    if errors:
        raise ScoreError(errors)
    return clean, sum(clean.values())


def _as_int(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


def aldrete_score(items: Mapping[str, object]) -> int:
    """Modified Aldrete total 0–10 (five items 0–2), domain.md §4.1."""
    return score_items(ALDRETE, items)[1]


def padss_score(items: Mapping[str, object]) -> int:
    """Modified PADSS total 0–10 (infusion variant, bleeding fixed at 2), domain.md §4.2."""
    return score_items(PADSS, items)[1]


def percent_change(baseline: int | Decimal, current: int | Decimal) -> Decimal:
    """|current − baseline| as a percentage of baseline."""
    baseline = Decimal(baseline)
    if baseline <= 0:
        return ZERO
    return abs(Decimal(current) - baseline) / baseline * 100


def suggested_score_items(
    system: ScoreSystem, *, baseline: Reading | None, latest: Reading | None
) -> dict[str, int]:
    """Items a reading answers by itself (BP band, SpO2 on room air) to pre-fill the form; the nurse
    confirms every item."""
    if baseline is None or latest is None:
        return {}
    bp = percent_change(baseline.sbp, latest.sbp)
    if system.code == ALDRETE.code:
        suggested = {"circulation": 2 if bp <= 20 else 1 if bp < 50 else 0}
        if latest.spo2 > 92:
            suggested["spo2"] = 2
        return suggested
    worst = max(bp, percent_change(baseline.hr, latest.hr))
    return {"vital_signs": 2 if worst <= 20 else 1 if worst <= 40 else 0}
