"""Questionnaire instruments: items, answer options, scoring, severity bands and risk. Pure Python.

Nothing here touches the database or the clinic settings: services pass the clinic's safety
thresholds in as a `RiskThresholds` value. Facts come from ../shared/domain.md:
§5.1 (items, totals, bands, licences), §5.2 (the NIMH ASQ as the suicide-risk screen) and §5.3
(LOINC codes). The C-SSRS is deliberately NOT implemented: an electronic C-SSRS needs a Clario
licence (§5.1), so the public-domain ASQ is the screen, and PHQ-9 item 9 >= 1 triggers the same
safety workflow.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Codes used in URLs, stored on responses and passed by other apps (evaluation, infusions).
PHQ9 = "phq9"
GAD7 = "gad7"
PAIN_NRS = "pain_nrs"
ASQ = "asq"

LOINC_SYSTEM = "http://loinc.org"
# No LOINC code was found for the ASQ (domain.md §5.3 lists none), so it carries a local code.
LOCAL_SYSTEM = "urn:ketaclinic:instrument"

TEXT_MAX_LENGTH = 500

# Messages shown to users and reused by tests. `{item}` is the item's full label.
UNKNOWN_INSTRUMENT = "There is no questionnaire with the code “{code}”."
UNKNOWN_ITEM = "“{key}” is not a question of the {instrument}."
ANSWER_MISSING = "{item}: no answer was given."
ANSWER_NOT_ALLOWED = "{item}: “{value}” is not one of the allowed answers ({allowed})."
TEXT_TOO_LONG = "{item}: write at most {limit} characters."
ASQ_ACUITY_REQUIRED = (
    "{item}: this must be asked and answered because a question above was answered yes "
    "(or the answer was declined)."
)
ANSWERS_NOT_A_MAPPING = "Answers must be given question by question."


class RiskLevel:
    """Suicide-risk level of one response; anything above NONE raises a safety alert."""

    NONE = "none"
    MODERATE = "moderate"
    HIGH = "high"
    ACUTE = "acute"

    CHOICES = (
        (NONE, "No risk signal"),
        (MODERATE, "Moderate"),
        (HIGH, "High"),
        (ACUTE, "Acute"),
    )
    ORDER = {NONE: 0, MODERATE: 1, HIGH: 2, ACUTE: 3}


class Flag:
    """Findings worth showing beside the total; stored with the response."""

    PHQ9_ITEM9_POSITIVE = "phq9_item9_positive"  # item 9 >= 1: suicide-risk assessment (§5.1)
    PROBABLE_DEPRESSION = "probable_depression"  # PHQ-9 >= 10 (§5.1, sens/spec 88 %)
    PROBABLE_ANXIETY = "probable_anxiety"  # GAD-7 >= 10 (§5.1)
    ASQ_POSITIVE = "asq_positive"
    ASQ_ACUTE = "asq_acute"
    ASQ_DECLINED = "asq_declined"  # a question was refused; NIMH counts it as positive

    LABELS = {
        PHQ9_ITEM9_POSITIVE: "Item 9 positive: suicide-risk assessment needed",
        PROBABLE_DEPRESSION: "Total ≥ 10: probable major depression",
        PROBABLE_ANXIETY: "Total ≥ 10: probable generalized anxiety disorder",
        ASQ_POSITIVE: "Positive suicide-risk screen",
        ASQ_ACUTE: "Acute positive: imminent risk, STAT safety evaluation",
        ASQ_DECLINED: "A question was declined (counts as positive)",
    }


class InvalidAnswers(ValueError):
    """Answers that cannot be scored; `errors` maps each item key to a message naming the item."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


class UnknownInstrument(ValueError):
    def __init__(self, code: str):
        self.code = code
        super().__init__(UNKNOWN_INSTRUMENT.format(code=code))


@dataclass(frozen=True)
class AnswerOption:
    value: int
    label: str
    code: str = ""  # LOINC answer code (LA…) where domain.md §5.3 gives one


@dataclass(frozen=True)
class Item:
    key: str
    number: str
    text: str
    options: tuple[AnswerOption, ...] = ()
    code: str = ""  # LOINC question code where domain.md §5.3 gives one
    kind: str = "choice"  # "choice" (scored) or "text" (free text, never scored)
    required: bool = True  # False for conditional questions (ASQ 5) and free-text details
    help_text: str = ""
    # Answers that signal suicide risk: the page shows crisis resources as soon as one is chosen.
    crisis_values: tuple[int, ...] = ()

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    def option_label(self, value: Any) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    low: int | None = None  # inclusive total range; None for bands not defined by a total
    high: int | None = None


@dataclass(frozen=True)
class Score:
    total: int
    band: str
    band_label: str
    flags: tuple[str, ...] = ()
    risk_level: str = RiskLevel.NONE
    risk_reason: str = ""


@dataclass(frozen=True)
class RiskThresholds:
    """The clinic's safety thresholds (clinic settings; defaults cited in clinic/outcomes/settings.py)."""

    phq9_item9_alert_minimum: int = 1  # domain.md §5.1: any item 9 score >= 1
    phq9_item9_high_minimum: int = 2  # local mapping, modelled on the §5.2 triage table
    asq_positive_level: str = RiskLevel.HIGH  # §5.2: non-acute positive needs a safety assessment


DEFAULT_THRESHOLDS = RiskThresholds()


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    short_name: str
    version: str
    instructions: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    total_min: int
    total_max: int
    total_unit: str
    code_system: str
    panel_code: str
    total_code: str
    licence: str
    source: str
    scorer: Callable[["Instrument", dict[str, Any], RiskThresholds], Score] = field(repr=False)
    portal: bool = True  # patients may fill it in the portal

    @property
    def is_loinc(self) -> bool:
        return self.code_system == LOINC_SYSTEM

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.kind == "choice")

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def item_label(self, item: Item) -> str:
        return f"{self.short_name} question {item.number} (“{item.text}”)"

    def band_for_total(self, total: int) -> Band:
        for band in self.bands:
            if band.low is not None and band.high is not None and band.low <= total <= band.high:
                return band
        raise ValueError(f"{self.short_name} total {total} is outside {self.total_min}–{self.total_max}")

    def band_label(self, code: str) -> str:
        return next((band.label for band in self.bands if band.code == code), code)

    def validate(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Normalised answers (ints for choices, stripped text), or InvalidAnswers naming each item."""
        if not isinstance(answers, Mapping):
            raise InvalidAnswers({"__all__": ANSWERS_NOT_A_MAPPING})
        errors: dict[str, str] = {}
        known = {item.key for item in self.items}
        for key in answers:
            if key not in known:
                errors[str(key)] = UNKNOWN_ITEM.format(key=key, instrument=self.name)
        clean: dict[str, Any] = {}
        for item in self.items:
            raw = answers.get(item.key)
            if item.kind == "text":
                text = "" if raw is None else str(raw).strip()
                if len(text) > TEXT_MAX_LENGTH:
                    errors[item.key] = TEXT_TOO_LONG.format(item=self.item_label(item), limit=TEXT_MAX_LENGTH)
                elif text:
                    clean[item.key] = text
                continue
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if item.required:
                    errors[item.key] = ANSWER_MISSING.format(item=self.item_label(item))
                continue
            value = _as_int(raw)
            if value is None or value not in item.values:
                errors[item.key] = ANSWER_NOT_ALLOWED.format(
                    item=self.item_label(item),
                    value=raw,
                    allowed=", ".join(f"{o.value} = {o.label}" for o in item.options),
                )
                continue
            clean[item.key] = value
        if errors:
            raise InvalidAnswers(errors)
        return clean

    def score(self, answers: Mapping[str, Any], *, thresholds: RiskThresholds = DEFAULT_THRESHOLDS) -> Score:
        """Validate and score; raises InvalidAnswers for missing or out-of-range answers."""
        return self.scorer(self, self.validate(answers), thresholds)


def _as_int(raw: Any) -> int | None:
    # bool is an int in Python; True must not pass as the answer 1.
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    return None


# --- PHQ-9 -------------------------------------------------------------------------------------

# PHQ answer list LL358-3 (domain.md §5.3), shared by the GAD-7.
FREQUENCY_OPTIONS = (
    AnswerOption(0, "Not at all", "LA6568-5"),
    AnswerOption(1, "Several days", "LA6569-3"),
    AnswerOption(2, "More than half the days", "LA6570-1"),
    AnswerOption(3, "Nearly every day", "LA6571-9"),
)

# domain.md §5.1 (statement seen on the GAD-7/PHQ-15 FHIR artifacts; the same applies to the PHQ-9).
PFIZER_LICENCE = "Pfizer: “No permission required to reproduce, translate, display or distribute”."

_PHQ9_TEXTS = (
    ("44250-9", "Little interest or pleasure in doing things"),
    ("44255-8", "Feeling down, depressed, or hopeless"),
    ("44259-0", "Trouble falling or staying asleep, or sleeping too much"),
    ("44254-1", "Feeling tired or having little energy"),
    ("44251-7", "Poor appetite or overeating"),
    (
        "44258-2",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    ),
    (
        "44252-5",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
    ),
    (
        "44253-3",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
    ),
    ("44260-8", "Thoughts that you would be better off dead or of hurting yourself in some way"),
)


def _score_phq9(instrument: Instrument, answers: dict[str, Any], t: RiskThresholds) -> Score:
    total = sum(answers[item.key] for item in instrument.scored_items)
    band = instrument.band_for_total(total)
    item9 = answers["q9"]
    flags = []
    if item9 >= 1:
        flags.append(Flag.PHQ9_ITEM9_POSITIVE)
    if total >= 10:
        flags.append(Flag.PROBABLE_DEPRESSION)
    risk, reason = RiskLevel.NONE, ""
    if item9 >= t.phq9_item9_alert_minimum:
        risk = RiskLevel.HIGH if item9 >= t.phq9_item9_high_minimum else RiskLevel.MODERATE
        reason = (
            f"PHQ-9 question 9 (thoughts of being better off dead or of self-harm) answered "
            f"“{instrument.item('q9').option_label(item9)}” ({item9} of 3)."
        )
    return Score(total, band.code, band.label, tuple(flags), risk, reason)


PHQ9_INSTRUMENT = Instrument(
    code=PHQ9,
    name="Patient Health Questionnaire (PHQ-9)",
    short_name="PHQ-9",
    version="1",
    instructions=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=tuple(
        Item(
            key=f"q{n}",
            number=str(n),
            text=text,
            options=FREQUENCY_OPTIONS,
            code=code,
            crisis_values=(1, 2, 3) if n == 9 else (),
        )
        for n, (code, text) in enumerate(_PHQ9_TEXTS, start=1)
    ),
    # domain.md §5.1 (Kroenke 2001).
    bands=(
        Band("minimal", "None–minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("moderately_severe", "Moderately severe", 15, 19),
        Band("severe", "Severe", 20, 27),
    ),
    total_min=0,
    total_max=27,
    total_unit="points",
    code_system=LOINC_SYSTEM,
    panel_code="44249-1",
    total_code="44261-6",
    licence=PFIZER_LICENCE,
    source="Kroenke K, Spitzer RL, Williams JB. J Gen Intern Med 2001.",  # domain.md §5.1, §5.3
    scorer=_score_phq9,
)


# --- GAD-7 -------------------------------------------------------------------------------------

_GAD7_TEXTS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)


def _score_gad7(instrument: Instrument, answers: dict[str, Any], t: RiskThresholds) -> Score:
    total = sum(answers[item.key] for item in instrument.scored_items)
    band = instrument.band_for_total(total)
    flags = (Flag.PROBABLE_ANXIETY,) if total >= 10 else ()
    return Score(total, band.code, band.label, flags)


GAD7_INSTRUMENT = Instrument(
    code=GAD7,
    name="Generalized Anxiety Disorder scale (GAD-7)",
    short_name="GAD-7",
    version="1",
    instructions=("Over the last 2 weeks, how often have you been bothered by the following problems?"),
    # Item LOINC codes are not in domain.md §5.3, so only the panel and total carry codes.
    items=tuple(
        Item(key=f"q{n}", number=str(n), text=text, options=FREQUENCY_OPTIONS)
        for n, text in enumerate(_GAD7_TEXTS, start=1)
    ),
    # domain.md §5.1 (Spitzer 2006).
    bands=(
        Band("minimal", "Minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("severe", "Severe", 15, 21),
    ),
    total_min=0,
    total_max=21,
    total_unit="points",
    code_system=LOINC_SYSTEM,
    panel_code="69737-5",
    total_code="70274-6",
    licence=PFIZER_LICENCE,
    source="Spitzer RL et al. Arch Intern Med 2006.",  # domain.md §5.1, §5.3
    scorer=_score_gad7,
    portal=False,
)


# --- Pain, 0–10 numeric rating scale -----------------------------------------------------------

_PAIN_LABELS = {0: "0 — No pain", 10: "10 — Pain as bad as you can imagine"}


def _score_pain(instrument: Instrument, answers: dict[str, Any], t: RiskThresholds) -> Score:
    total = answers["pain"]
    band = instrument.band_for_total(total)
    return Score(total, band.code, band.label)


PAIN_NRS_INSTRUMENT = Instrument(
    code=PAIN_NRS,
    name="Pain intensity, 0–10 numeric rating scale",
    short_name="Pain 0–10",
    version="1",
    instructions="Please choose the one number that best describes your pain.",
    items=(
        Item(
            key="pain",
            number="1",
            text=(
                "On a scale from 0 to 10, where 0 is no pain and 10 is pain as bad as you can "
                "imagine, how much pain do you have right now?"
            ),
            options=tuple(AnswerOption(n, _PAIN_LABELS.get(n, str(n))) for n in range(11)),
            code="72514-3",
        ),
    ),
    # BPI convention (worst pain), domain.md §5.1 [MDA-BPI]; 0 is "no pain", outside those bands.
    bands=(
        Band("none", "No pain", 0, 0),
        Band("mild", "Mild", 1, 4),
        Band("moderate", "Moderate", 5, 6),
        Band("severe", "Severe", 7, 10),
    ),
    total_min=0,
    total_max=10,
    total_unit="",
    code_system=LOINC_SYSTEM,
    panel_code="72514-3",
    total_code="72514-3",
    licence="No licence needed.",  # domain.md §5.1
    source="Numeric rating scale; bands per the Brief Pain Inventory convention.",  # domain.md §5.1, §5.3
    scorer=_score_pain,
)


# --- ASQ (NIMH Ask Suicide-Screening Questions) ------------------------------------------------

YES_NO_DECLINED = (
    AnswerOption(0, "No"),
    AnswerOption(1, "Yes"),
    # NIMH: a patient who refuses to answer is considered a positive screen.
    AnswerOption(2, "Declined to answer"),
)
YES_NO = (AnswerOption(0, "No"), AnswerOption(1, "Yes"))
_ASQ_SCREEN_KEYS = ("q1", "q2", "q3", "q4")


def _score_asq(instrument: Instrument, answers: dict[str, Any], t: RiskThresholds) -> Score:
    positives = [key for key in _ASQ_SCREEN_KEYS if answers[key] in (1, 2)]
    acuity = answers.get("q5")
    if positives and acuity is None:
        item = instrument.item("q5")
        raise InvalidAnswers({"q5": ASQ_ACUITY_REQUIRED.format(item=instrument.item_label(item))})
    flags = []
    if any(answers[key] == 2 for key in _ASQ_SCREEN_KEYS):
        flags.append(Flag.ASQ_DECLINED)
    # Yes to "right now?" is acute even after four noes: clinical judgement overrides a
    # negative screen (NIMH), and this is the safe reading of a contradictory form.
    if acuity == 1:
        flags += [Flag.ASQ_POSITIVE, Flag.ASQ_ACUTE]
        band = "acute_positive"
        risk = RiskLevel.ACUTE
        reason = (
            "ASQ acute positive screen: yes to “Are you having thoughts of killing yourself right "
            "now?”. Imminent risk: STAT safety evaluation; the patient may not leave until "
            "evaluated and must be kept in sight."
        )
    elif positives:
        flags.append(Flag.ASQ_POSITIVE)
        band = "non_acute_positive"
        risk = t.asq_positive_level
        numbers = ", ".join(instrument.item(key).number for key in positives)
        reason = (
            f"ASQ non-acute positive screen (yes or declined to question {numbers}). A brief "
            "suicide safety assessment is needed; the patient may not leave until evaluated."
        )
    else:
        band, risk, reason = "negative", RiskLevel.NONE, ""
    return Score(len(positives), band, instrument.band_label(band), tuple(flags), risk, reason)


ASQ_INSTRUMENT = Instrument(
    code=ASQ,
    name="Ask Suicide-Screening Questions (ASQ)",
    short_name="ASQ",
    version="1",
    instructions="Please answer each question.",
    items=(
        Item(
            "q1",
            "1",
            "In the past few weeks, have you wished you were dead?",
            YES_NO_DECLINED,
            crisis_values=(1, 2),
        ),
        Item(
            "q2",
            "2",
            "In the past few weeks, have you felt that you or your family would be better off "
            "if you were dead?",
            YES_NO_DECLINED,
            crisis_values=(1, 2),
        ),
        Item(
            "q3",
            "3",
            "In the past week, have you been having thoughts about killing yourself?",
            YES_NO_DECLINED,
            crisis_values=(1, 2),
        ),
        Item(
            "q4",
            "4",
            "Have you ever tried to kill yourself?",
            YES_NO_DECLINED,
            crisis_values=(1, 2),
        ),
        Item("q4_detail", "4a", "If yes, how? When?", kind="text", required=False),
        Item(
            "q5",
            "5",
            "Are you having thoughts of killing yourself right now?",
            YES_NO,
            required=False,
            crisis_values=(1,),
            help_text="Ask this if any answer to questions 1–4 is yes (or was declined).",
        ),
        Item("q5_detail", "5a", "If yes, please describe:", kind="text", required=False),
    ),
    bands=(
        Band("negative", "Negative screen"),
        Band("non_acute_positive", "Non-acute positive screen (potential risk)"),
        Band("acute_positive", "Acute positive screen (imminent risk)"),
    ),
    total_min=0,
    total_max=4,
    total_unit="questions positive",
    code_system=LOCAL_SYSTEM,
    panel_code="asq",  # local code: no LOINC code is given in domain.md §5.3
    total_code="asq-positive-count",  # local code
    # domain.md §5.2 (ASQ, public domain) and §5.1 (an electronic C-SSRS needs a Clario licence).
    licence=(
        "NIMH Ask Suicide-Screening Questions (ASQ) toolkit, public domain. Used instead of an "
        "electronic C-SSRS, which needs a Clario licence."
    ),
    source="NIMH ASQ toolkit.",  # domain.md §5.2
    scorer=_score_asq,
)


INSTRUMENTS: dict[str, Instrument] = {
    instrument.code: instrument
    for instrument in (PHQ9_INSTRUMENT, GAD7_INSTRUMENT, PAIN_NRS_INSTRUMENT, ASQ_INSTRUMENT)
}
PORTAL_INSTRUMENTS = tuple(code for code, instrument in INSTRUMENTS.items() if instrument.portal)
# Instruments that can raise a safety alert.
SUICIDE_RISK_INSTRUMENTS = (PHQ9, ASQ)


def get_instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise UnknownInstrument(code) from None


def score_answers(
    code: str, answers: Mapping[str, Any], *, thresholds: RiskThresholds = DEFAULT_THRESHOLDS
) -> Score:
    """Score one set of answers for the instrument `code` (the pure entry point services call)."""
    return get_instrument(code).score(answers, thresholds=thresholds)


def instrument_choices() -> list[tuple[str, str]]:
    return [(code, instrument.short_name) for code, instrument in INSTRUMENTS.items()]
