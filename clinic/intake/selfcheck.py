"""The "Am I a candidate?" self-check: its questions and a pure evaluation (no ORM, no request).

The result is never a diagnosis. It gives the visitor a next step and gives the physician flags that
point at the contraindications and precautions of domain.md §2.2 (each flag names its source), and it
routes anyone who answers yes to a danger question to crisis help at once.
"""

from dataclasses import dataclass, field

YES, NO, UNSURE = "yes", "no", "unsure"
YES_NO_UNSURE = ((YES, "Yes"), (NO, "No"), (UNSURE, "Not sure"))
YES_NO = ((YES, "Yes"), (NO, "No"))

# Flag severities, most serious first.
CRISIS = "crisis"  # a danger answer: crisis resources now, an urgent call from the clinic
ABSOLUTE = "absolute"  # a labelled contraindication: the physician must review before anything else
RELATIVE = "relative"  # a relative contraindication or precaution the physician weighs
INFO = "info"  # context for the consultation (e.g. signs of treatment resistance)
SEVERITY_ORDER = (CRISIS, ABSOLUTE, RELATIVE, INFO)

# Next steps shown on the result page.
NEXT_CRISIS_HELP = "crisis_help"
NEXT_TALK_TO_DOCTOR = "talk_to_doctor"
NEXT_BOOK_CONSULTATION = "book_consultation"

DEFAULT_MINIMUM_AGE = 18  # clinic setting minimum_patient_age_years; domain.md §2.2 [SpravatoPI]


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    help_text: str = ""
    choices: tuple[tuple[str, str], ...] = YES_NO_UNSURE
    danger: bool = False


@dataclass(frozen=True)
class Flag:
    code: str
    label: str  # for the physician, with its source
    severity: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "severity": self.severity}


@dataclass(frozen=True)
class SelfCheckResult:
    next_step: str
    flags: list[Flag] = field(default_factory=list)
    crisis: bool = False

    @property
    def flag_codes(self) -> list[str]:
        return [f.code for f in self.flags]


def questions(*, minimum_age: int = DEFAULT_MINIMUM_AGE) -> list[Question]:
    """The questions in the order they are asked; the two danger questions come last."""
    return [
        Question(
            "adult",
            f"Are you {minimum_age} years old or older?",
            choices=YES_NO,
        ),
        Question(
            "diagnosis",
            "Has a doctor or therapist diagnosed you with depression, another mood condition, "
            "PTSD, OCD, anxiety, or a long-lasting pain condition?",
        ),
        Question(
            "treatments_tried",
            "Have you already tried at least two treatments that did not help enough?",
            "For depression this usually means two different antidepressant medicines, each taken "
            "at a full dose for several weeks.",
        ),
        Question(
            "pregnancy",
            "Are you pregnant, trying to become pregnant, or breastfeeding?",
        ),
        Question(
            "heart",
            "Do you have high blood pressure that is not under control, or a heart condition "
            "(such as angina, heart failure or a past heart attack)?",
        ),
        Question(
            "vascular",
            "Have you ever had an aneurysm (in the brain, the aorta or another artery), an "
            "arteriovenous malformation (AVM), or bleeding inside the brain?",
        ),
        Question(
            "psychosis",
            "Have you ever been diagnosed with schizophrenia or another psychotic illness, or had "
            "hallucinations, delusions or mania?",
        ),
        Question(
            "substance_use",
            "In the past year, have you had a problem with alcohol or drug use?",
        ),
        Question(
            "liver",
            "Do you have liver disease, such as cirrhosis or hepatitis?",
        ),
        Question(
            "pressure",
            "Have you been told you have raised pressure inside the eye (such as glaucoma) or "
            "inside the head (for example after a head injury or from a tumour)?",
        ),
        Question(
            "danger_recent",
            "In the past two weeks, have you had thoughts that you would be better off dead, "
            "or of hurting yourself?",
            choices=YES_NO,
            danger=True,
        ),
        Question(
            "danger_now",
            "Are you thinking of ending your life right now?",
            choices=YES_NO,
            danger=True,
        ),
    ]


QUESTION_CODES = tuple(q.code for q in questions())
DANGER_CODES = tuple(q.code for q in questions() if q.danger)

# Flags raised by a "yes" to a precaution question: (code, severity, label with source). The labels
# name the sources a physician knows; all of them are domain.md §2.2 (liver also §1.4).
_YES_FLAGS: dict[str, tuple[str, str, str]] = {
    "pregnancy": (
        "pregnancy", RELATIVE,
        "Pregnant, planning pregnancy or breastfeeding — relative contraindication (Cohen 2018, "
        "grade B); Spravato label: may cause fetal harm, do not breastfeed.",
    ),
    "heart": (
        "cardiovascular", RELATIVE,
        "Uncontrolled hypertension or heart disease — relative contraindication (Cohen 2018, "
        "grade B); Ketalar label: contraindicated where a rise in blood pressure is a serious "
        "hazard.",
    ),
    "vascular": (
        "aneurysm_avm_bleed", ABSOLUTE,
        "Aneurysmal vascular disease, AVM or intracerebral haemorrhage history — contraindicated "
        "on the Spravato label.",
    ),
    "psychosis": (
        "psychosis", RELATIVE,
        "Psychosis, schizophrenia or mania history — relative contraindication for poorly "
        "controlled psychosis (Cohen 2018, grade B); ACEP 2011 treats schizophrenia as absolute "
        "for ED sedation.",
    ),
    "substance_use": (
        "substance_use", RELATIVE,
        "Substance use problem in the past year — serial infusions should not be undertaken in "
        "active substance use disorder (Cohen 2018, grade C); Schedule III abuse potential.",
    ),
    "liver": (
        "hepatic", RELATIVE,
        "Liver disease — severe: avoid; moderate: caution with liver tests (Cohen 2018, grade C).",
    ),
    "pressure": (
        "raised_icp_iop", RELATIVE,
        "Raised intracranial or intraocular pressure — do not use, or low dose with extreme "
        "caution (Cohen 2018, grade C).",
    ),
}

_TOPICS = {
    "adult": "age",
    "diagnosis": "diagnosis",
    "treatments_tried": "treatments tried",
    "pregnancy": "pregnancy or breastfeeding",
    "heart": "blood pressure or heart disease",
    "vascular": "aneurysm, AVM or brain bleed",
    "psychosis": "psychosis or mania",
    "substance_use": "alcohol or drug use",
    "liver": "liver disease",
    "pressure": "raised eye or head pressure",
}

# What the visitor reads about each flag on the result page (plain words, no grading).
PUBLIC_EXPLANATIONS: dict[str, str] = {
    "crisis": "You told us you have had thoughts of death or of hurting yourself. Please use the "
              "crisis lines above now. If you send us a request, we will treat it as urgent.",
    "under_minimum_age": "Our clinic treats adults only.",
    "no_diagnosis": "Ketamine is usually considered after a clinician has made a diagnosis. Your "
                    "own doctor or a therapist is a good first step.",
    "treatment_resistance": "Having tried two or more treatments without enough relief is the "
                            "situation in which ketamine has been studied most.",
    "few_treatments_tried": "Ketamine is usually offered after other, better-established "
                            "treatments have been tried.",
    "pregnancy": "Ketamine is generally avoided during pregnancy and breastfeeding.",
    "cardiovascular": "Ketamine raises blood pressure for a while during the infusion, so blood "
                      "pressure and heart health need a careful look first.",
    "aneurysm_avm_bleed": "A history of aneurysm, AVM or bleeding in the brain usually rules "
                          "ketamine out, because of the rise in blood pressure it causes.",
    "psychosis": "Ketamine can worsen psychosis, so the doctor will ask about this in detail.",
    "substance_use": "Ketamine can be misused, so the doctor will talk with you about alcohol and "
                     "drug use.",
    "hepatic": "Liver problems may need blood tests and extra care.",
    "raised_icp_iop": "Ketamine can raise pressure in the eye and head, so this needs a doctor's "
                      "review first.",
}


def _unsure_flag(code: str) -> Flag:
    return Flag(
        code=f"{code}_unsure", severity=INFO,
        label=f"Unsure about {_TOPICS[code]} — ask at the consultation.",
    )


def evaluate_self_check(
    answers: dict, *, minimum_age: int = DEFAULT_MINIMUM_AGE
) -> SelfCheckResult:
    """Turn answers ({question code: "yes" | "no" | "unsure"}) into flags and a next step.

    Pure: the same answers always give the same result. Unknown codes and unanswered questions are
    ignored; a "yes" to either danger question makes the result a crisis whatever else was said.
    """
    a = {str(k): str(v) for k, v in (answers or {}).items()}
    flags: list[Flag] = []

    crisis = any(a.get(code) == YES for code in DANGER_CODES)
    if crisis:
        flags.append(Flag(
            code="crisis", severity=CRISIS,
            label="Danger answer: thoughts of death or self-harm in the past two weeks or now — call "
            "today; crisis resources were shown (988/911).",  # domain.md §8
        ))

    if a.get("adult") == NO:
        flags.append(Flag(
            code="under_minimum_age", severity=ABSOLUTE,
            label=f"Younger than {minimum_age} (clinic minimum age; Spravato is not approved for "
            "children).",  # domain.md §2.2
        ))

    if a.get("diagnosis") in (NO, UNSURE):
        flags.append(Flag(
            code="no_diagnosis", severity=INFO,
            label="No diagnosis of a mood, anxiety, trauma or pain condition reported.",  # domain.md §2.1
        ))

    tried = a.get("treatments_tried")
    if tried == YES:
        flags.append(Flag(
            code="treatment_resistance", severity=INFO,
            label="Two or more adequate treatment trials without enough relief — suggests treatment "
            "resistance; single IV infusion for TRD is CANMAT 2021 Level 1.",  # domain.md §2.1
        ))
    elif tried == NO:
        flags.append(Flag(
            code="few_treatments_tried", severity=INFO,
            label="Fewer than two adequate treatment trials reported — CANMAT 2021 places IV ketamine "
            "third-line.",  # domain.md §1.2, §2.1
        ))
    elif tried == UNSURE:
        flags.append(_unsure_flag("treatments_tried"))

    for code, (flag_code, severity, label) in _YES_FLAGS.items():
        answer = a.get(code)
        if answer == YES:
            flags.append(Flag(code=flag_code, severity=severity, label=label))
        elif answer == UNSURE:
            flags.append(_unsure_flag(code))

    flags.sort(key=lambda f: SEVERITY_ORDER.index(f.severity))

    if crisis:
        next_step = NEXT_CRISIS_HELP
    elif any(f.severity == ABSOLUTE for f in flags) or a.get("diagnosis") in (NO, UNSURE):
        next_step = NEXT_TALK_TO_DOCTOR
    else:
        next_step = NEXT_BOOK_CONSULTATION
    return SelfCheckResult(next_step=next_step, flags=flags, crisis=crisis)


def public_explanations(result: SelfCheckResult) -> list[str]:
    """The visitor-facing sentences for a result's flags, most serious first, without repeats."""
    seen: list[str] = []
    unsure: list[str] = []
    for flag in result.flags:
        if flag.code.endswith("_unsure"):
            unsure.append(_TOPICS[flag.code.removesuffix("_unsure")])
            continue
        text = PUBLIC_EXPLANATIONS.get(flag.code)
        if text and text not in seen:
            seen.append(text)
    if unsure:
        seen.append(
            f"You were not sure about: {', '.join(unsure)}. That is fine; the doctor will go "
            "through it with you."
        )
    return seen
