"""The source of a number or rule as a clinician reads it (clinic/core/sources.py): every citation key of
domain.md §10 has a name, and no output ever shows a file name, section sign, confidence tag or field
name."""

import importlib
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.core.sources import CITATION_NAMES, citation_name, clinician_source

# What must never reach a screen (the every-page walk in tests/test_every_page.py looks for the same).
INTERNAL = re.compile(
    r"domain\.md|§|\[(?:U|V|S)\b[^\]]*\]|\[[A-Za-z][\w-]*\]|\bopentiva\b|\w+\.py\b|\.md\b"
    r"|\b[A-Z]\w+\.[a-z]\w*_\w+"
)

# The citation keys of domain.md §10 "Source list", as they stand there (November 2026 edition).
DOMAIN_SECTION_10_KEYS = (
    "Sanacora2017", "Cohen2018", "ASRA-news", "Andrade2017a", "Andrade2017b", "Andrade2019-oral",
    "Singh2016", "Fava2020", "Murrough2013", "CANMAT2021", "Zarate2021-commentary", "McIntyre2021",
    "Parikh2021", "ASA2025", "Dunlop2018", "Yale2024", "Yip2022", "BMI-cohort", "Ketalar", "SpravatoPI",
    "SpravatoHCP", "FDA-REMS", "SpravatoPMF", "ACEP2011", "ASA-NPO2017", "Aldrete-tables", "PADSS-tables",
    "Rodrigues2021", "Davidson2018-JAD", "IDS-QIDS", "Zimmerman2013", "IMMPACT2008", "Farrar2001",
    "MDA-BPI", "Clario", "Zanos2018", "Bowdle1998", "Kamp2020", "Hijazi2003", "Clements1981",
)  # fmt: skip
DOMAIN_MD = Path(__file__).resolve().parents[3].parent / "shared" / "domain.md"


@pytest.mark.parametrize("key", DOMAIN_SECTION_10_KEYS)
def test_every_source_of_domain_md_has_a_name_a_clinician_knows(key):
    name = CITATION_NAMES[key]
    assert name and name != key
    assert not INTERNAL.search(name)
    assert "(" not in name  # names read inside a parenthesis
    assert clinician_source(f"[{key}]") == name


@pytest.mark.skipif(not DOMAIN_MD.exists(), reason="../shared/domain.md is not beside this checkout")
def test_the_key_list_above_is_the_one_in_domain_md_section_10():
    text = DOMAIN_MD.read_text(encoding="utf-8")
    section = text[text.index("## 10. Source list") :]
    assert set(re.findall(r"\[([A-Za-z][\w-]*)\]", section)) == set(DOMAIN_SECTION_10_KEYS)


@pytest.mark.parametrize(
    "source, shown",
    [
        # the built-in candidacy rules' citations
        ("§2.1 [CANMAT2021]", "CANMAT 2021"),
        ("§2.2 [Ketalar], [Cohen2018]", "Ketalar label, ASRA/AAPM/ASA 2018 pain consensus"),
        ("§1.4, §2.1 [Cohen2018]", "ASRA/AAPM/ASA 2018 pain consensus"),
        (
            "§2.1 [Sanacora2017]; §2.2 [Cohen2018]",
            "Sanacora 2017 APA consensus, ASRA/AAPM/ASA 2018 pain consensus",
        ),
        (
            "§2.2 [Cohen2018], [SpravatoPI]; §3.4 pre-infusion checks",
            "ASRA/AAPM/ASA 2018 pain consensus, Spravato label; pre-infusion checks",
        ),
        ("§3.1 [Yale2024]; §3.2 [SpravatoPI]", "Yale 2024 blood-pressure cohort, Spravato label"),
        # protocol sources
        (
            "0.5 mg/kg IV over 40 min: §1.1 [V] [Andrade2017a], [Fava2020], [Singh2016].",
            "0.5 mg/kg IV over 40 min: Andrade 2017 dosing review, Fava 2020 RAPID trial, Singh 2016 trial.",
        ),
        (
            "6 infusions over 14–21 days: §1.2 [U] [Murrough2013] (6 infusions over 12 days); "
            "[V] [Singh2016] 2–3 infusions a week.",
            "6 infusions over 14–21 days: Murrough 2013 (6 infusions over 12 days); Singh 2016 trial: 2–3 "
            "infusions a week.",
        ),
        ("Infusion rate 0.5–2 mg/kg/h (§1.4, C, low).", "Infusion rate 0.5–2 mg/kg/h (C, low)."),
        # settings sources
        (
            "domain.md §3.2 [SpravatoPI]: delay dosing if BP > 140/90.",
            "Spravato label: delay dosing if BP > 140/90.",
        ),
        (
            "Light meal 6 h. (domain.md §3.4 [ASA-NPO2017] [V])",
            "Light meal 6 h. (ASA 2017 fasting guideline)",
        ),
        # a source the sentence already names is not repeated
        ("ASA 2017 fasting guideline: clear liquids 2 h. (domain.md §3.4 [ASA-NPO2017] [V])", None),
        ("Riva-Posse 2018 (684 infusions): BP every 10 min. (domain.md §3.1 [Dunlop2018])", None),
        ("Esketamine not approved [SpravatoPI].", "Esketamine not approved (Spravato label)."),
        ("No domain.md number; product default.", "No published number; product default."),
        (
            "Using it as a pause rule is [U], a product decision",
            "Using it as a pause rule is unconfirmed, a product decision",
        ),
        ("A protocol's cadence (Protocol.vitals_every_min_during) wins.", "A protocol's cadence wins."),
        ("Takes precedence. (domain.md §3.1 [Dunlop2018] [Ketalar]; Protocol.vitals_every_min_during)", None),
        ("domain.md §4.1 (modified Aldrete) and §4.2 (PADSS); stored per discharge.", None),
        ("Product safety default (product.md journey step 2: the physician signs).", None),
        ("[Zanos2018 Table 1]: ~185 ng/mL", "Zanos 2018: ~185 ng/mL"),
        ("Opentiva/ketamine.py parameters, §6.1 [S — from a digest] [Hijazi2003]", None),
        # a key the table does not know reads as author and year
        ("Seen in [Smith2019].", "Seen in (Smith 2019)."),
        # what a person typed stays as they typed it
        ("Clinic policy, March 2026", "Clinic policy, March 2026"),
        ("See [chart notes] first.", "See [chart notes] first."),
        ("", ""),
    ],
)
def test_a_developer_citation_reads_as_a_clinician_names_it(source, shown):
    result = clinician_source(source)
    if shown is not None:
        assert result == shown
    assert not INTERNAL.search(result.replace("[chart notes]", "")), result


def test_a_named_source_is_not_repeated_after_the_sentence_that_names_it():
    assert clinician_source(
        "ASA 2017 fasting guideline: clear liquids 2 h. (domain.md §3.4 [ASA-NPO2017] [V])"
    ) == ("ASA 2017 fasting guideline: clear liquids 2 h.")
    assert clinician_source("Riva-Posse 2018 (684 infusions): BP q10 min. (domain.md §3.1 [Dunlop2018])") == (
        "Riva-Posse 2018 (684 infusions): BP q10 min."
    )


def test_citation_name_of_an_unknown_key():
    assert citation_name("Smith2019a") == "Smith 2019"
    assert citation_name("ASRA-news") == "ASRA 2018 pain guideline announcement"
    assert citation_name("whatever") == "whatever"


def _builtin_rule_sources() -> list[str]:
    from clinic.evaluation.apps import BUILTIN_RULES_MIGRATIONS

    return [
        row[-1]
        for module in BUILTIN_RULES_MIGRATIONS
        for row in importlib.import_module(module).BUILTIN_RULES
    ]


def _standard_protocol_source_lines() -> list[str]:
    from clinic.treatment.services.protocols import STANDARD_PROTOCOLS

    return [line for protocol in STANDARD_PROTOCOLS for line in protocol["sources"].splitlines()]


@pytest.mark.parametrize("source", _builtin_rule_sources() + _standard_protocol_source_lines())
def test_every_built_in_rule_and_standard_protocol_source_reads_cleanly(source):
    shown = clinician_source(source)
    assert shown
    assert not INTERNAL.search(shown), shown
    assert not re.search(r"\(\s*\)|\(\s*[,;]|[,;]\s*\)|\s[,;.]|\bof is\b|\bfrom\)", shown), shown
    assert clinician_source(shown) == shown


# --- properties ------------------------------------------------------------------------------------

_CITATION_BITS = st.sampled_from(
    [
        "domain.md",
        "domain.md §3.2",
        "§1.4",
        "§1.4, §2.1",
        "§2.2:",
        "(§1.5)",
        "(domain.md §3.4 [ASA-NPO2017] [V])",
        "[U]",
        "[V]",
        "[S]",
        "[V partial]",
        "[S — from a clinic's paraphrase]",
        "is [U]",
        *(f"[{key}]" for key in CITATION_NAMES),
        "[Smith2019]",
        "opentiva/ketamine.py",
        "product.md journey step 2:",
        "Protocol.vitals_every_min_during",
        "(Protocol.vitals_every_min_after)",
        "in domain.md §5.2",
        "no number in domain.md",
    ]
)
_WORDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9'/–-]{0,11}", fullmatch=True)
_SEPARATORS = st.sampled_from([" ", ", ", "; ", ": ", ". ", " (", ") "])


@given(st.lists(st.tuples(st.one_of(_WORDS, _CITATION_BITS), _SEPARATORS), max_size=14))
def test_no_text_ever_shows_an_internal_reference(parts):
    text = "".join(word + separator for word, separator in parts)
    shown = clinician_source(text)
    assert not re.search(r"domain\.md|§|\[(?:U|V|S)\b[^\]]*\]|\w+\.py\b|\b[A-Z]\w+\.[a-z]\w*_\w+", shown), (
        text,
        shown,
    )
    assert not any(f"[{key}]" in shown for key in CITATION_NAMES), (text, shown)


@given(st.lists(st.tuples(_WORDS, st.sampled_from([" ", ", ", "; ", ": "])), min_size=1, max_size=12))
def test_plain_text_passes_unchanged(parts):
    text = "".join(word + separator for word, separator in parts).rstrip(" ,;:") + "."
    assert clinician_source(text) == text[:1].upper() + text[1:]


def test_every_choice_setting_names_its_choices_in_words():
    from clinic.core.clinical_settings import REGISTRY
    from clinic.core.phones import PHONE_REGION

    for definition in REGISTRY.values():
        if definition.kind != "choice" or definition.key == PHONE_REGION:  # ISO country codes are words
            continue
        assert set(dict(definition.choice_labels)) == set(definition.choices), definition.key
        for choice in definition.choices:
            assert "_" not in definition.format_value(choice), definition.key
    assert (
        REGISTRY["pk_default_model"].default_text == "Clements & Nimmo 1981 two-compartment model (250 µg/kg)"
    )


def _texts_written_in_code() -> list[tuple[str, str]]:
    """Every source, licence note and reason written in Python that reaches a screen."""
    from clinic.infusions.calculations.medication import RATING_SCALES, RESCUE_DOSE_RANGES
    from clinic.infusions.calculations.scores import SCORE_SYSTEMS
    from clinic.outcomes.instruments import INSTRUMENTS
    from clinic.treatment.calculations import problems
    from clinic.treatment.calculations.pk import PK_MODELS, REFERENCE_CONCENTRATIONS

    texts = [
        (f"problems.{name}", value) for name, value in vars(problems).items() if name.startswith("REASON_")
    ]
    for code, instrument in INSTRUMENTS.items():
        texts += [(f"{code} licence", instrument.licence), (f"{code} source", instrument.source)]
    for key, model in PK_MODELS.items():
        texts += [
            (f"{key} {part}", getattr(model, part)) for part in ("name", "citation", "population", "notes")
        ]
    texts += [(f"band {ref.key}", ref.source) for ref in REFERENCE_CONCENTRATIONS]
    texts += [(f"score {code}", system.source) for code, system in SCORE_SYSTEMS.items()]
    texts += [(f"rescue {drug}", limits.source) for drug, limits in RESCUE_DOSE_RANGES.items()]
    texts += [(f"rating {code}", scale.help_text) for code, scale in RATING_SCALES.items()]
    return texts


@pytest.mark.parametrize("where, text", _texts_written_in_code(), ids=lambda value: str(value)[:40])
def test_every_source_written_in_code_names_a_human_source(where, text):
    assert text, where
    assert not INTERNAL.search(text), (where, text)
    assert clinician_source(text) == text, where


def test_every_self_check_flag_reads_in_words():
    from clinic.intake.selfcheck import QUESTION_CODES, evaluate_self_check

    for answer in ("yes", "no", "unsure"):
        for flag in evaluate_self_check(dict.fromkeys(QUESTION_CODES, answer)).flags:
            assert not INTERNAL.search(flag.label), flag
