"""The source of a clinical number or rule, as a clinician reads it.

Code, settings and seeded rules cite ../shared/domain.md the way developers do: a section ("§3.2"),
a confidence tag ("[V]", "[U]") and a citation key ("[SpravatoPI]"). Screens show none of that
(no file names, section signs, tags or field names) but the names clinicians know: "Spravato
label", "ASA 2017 fasting guideline". `clinician_source()` is the one place that turns the first into
the second; templates use it as the `clinician_source` filter (clinic/core/templatetags/sources.py).
"""

import re

# Every citation key of domain.md §10 (and the few cited inline elsewhere in domain.md), as a
# clinician names the source. Names carry no parentheses, so they read inside one. A key not listed
# here is shown as its author and year ("Foo2019" → "Foo 2019").
CITATION_NAMES: dict[str, str] = {
    # Labels and regulators
    "Ketalar": "Ketalar label",
    "SpravatoPI": "Spravato label",
    "SpravatoHCP": "Spravato prescriber guide",
    "SpravatoPMF": "Spravato patient monitoring form",
    "FDA-REMS": "Spravato REMS",
    # Guidelines and consensus statements
    "Sanacora2017": "Sanacora 2017 APA consensus",
    "Cohen2018": "ASRA/AAPM/ASA 2018 pain consensus",
    "ASRA-news": "ASRA 2018 pain guideline announcement",
    "CANMAT2021": "CANMAT 2021",
    "Zarate2021-commentary": "Zarate 2021 commentary on CANMAT",
    "McIntyre2021": "McIntyre 2021 expert consensus",
    "Parikh2021": "Parikh 2021 ketamine clinic primer",
    "ASA2025": "ASA 2025 ketamine guidance",
    "ASA-NPO2017": "ASA 2017 fasting guideline",
    "ACEP2011": "ACEP 2011 ketamine sedation guideline",
    # Dosing, series and monitoring studies
    "Andrade2017a": "Andrade 2017 dosing review",
    "Andrade2017b": "Andrade 2017 drug-interaction review",
    "Andrade2019-oral": "Andrade 2019 oral ketamine review",
    "Singh2016": "Singh 2016 trial",
    "Fava2020": "Fava 2020 RAPID trial",
    "Murrough2013": "Murrough 2013",
    "Dunlop2018": "Riva-Posse 2018 cohort of 684 infusions",
    "Yale2024": "Yale 2024 blood-pressure cohort",
    "Yip2022": "Yip 2022",
    "BMI-cohort": "BMI cohort study of 230 patients",
    "Devine1974": "Devine 1974 ideal body weight",
    # Recovery and discharge
    "Aldrete-tables": "Aldrete 1995",
    "PADSS-tables": "Chung 1995 PADSS",
    # Outcome measures
    "Rodrigues2021": "Rodrigues 2021 CADSS-6 study",
    "Davidson2018-JAD": "Davidson 2018",
    "IDS-QIDS": "IDS/QIDS scoring guide",
    "Zimmerman2013": "Zimmerman 2013",
    "IMMPACT2008": "IMMPACT 2008",
    "Farrar2001": "Farrar 2001",
    "MDA-BPI": "MD Anderson BPI user guide",
    "Clario": "Clario C-SSRS licensing",
    "ASQ": "NIMH ASQ toolkit",
    "LOINC": "LOINC",
    # Pharmacokinetics
    "Zanos2018": "Zanos 2018",
    "Bowdle1998": "Bowdle 1998",
    "Kamp2020": "Kamp 2020",
    "Hijazi2003": "Hijazi 2003",
    "Clements1981": "Clements 1981",
    "Domino1984": "Domino 1984",
}

# Confidence tags, also in their long forms: "[V]", "[S — from a clinic's paraphrase]", "[V partial]".
_TAG = r"\[(?:U|V|S)(?:[\s—–/-][^\[\]]*)?\]"
# A citation key, possibly followed by a remark: "[Zanos2018 Table 1]", "[Sanacora2017 via Medscape]".
_KEY = r"\[[A-Za-z][\w-]*(?:\s[^\[\]]*)?\]"
# Consecutive keys, with what stands before them: "(§1.5 [Andrade2017a], [Fava2020])".
_KEY_RUN = re.compile(rf"(?P<lead>^|[(:;,]\s*|\s+)(?P<run>{_KEY}(?:\s*[,;]?\s*{_KEY})*)")
_AUTHOR_YEAR = re.compile(r"^([A-Za-z][A-Za-z-]*?)-?(\d{4})[a-z]?$")
_SECTION = r"§\s*\d+(?:\.\d+)*"
_SECTIONS = rf"{_SECTION}(?:\s*(?:,|/|and)\s*{_SECTION})*"
_FILE = r"\b[\w./-]+\.(?:md|py)\b"

# Ordered rewrites of what is left once the citation keys are read (pattern, replacement).
_REWRITES = (
    (re.compile(r"\bis \[U\]"), "is unconfirmed"),
    (re.compile(rf"\s*{_TAG}"), ""),
    (re.compile(r"\bno (clinical source|staffing number|number) in domain\.md\b", re.I), r"no published \1"),
    (re.compile(r"\b(No|no|NO) domain\.md (number|source)\b"), r"\1 published \2"),
    (re.compile(rf"\s*\bin domain\.md\s*(?:{_SECTION})?"), ""),
    (re.compile(rf"{_SECTION}\s*\(([^()]*)\)"), r"\1"),  # "§4.1 (modified Aldrete)" → the words
    # "product.md journey step 2:", "domain.md §3.2:", "opentiva/ketamine.py"
    (re.compile(rf"{_FILE}(?:\s+journey step \d+\s*:)?\s*(?:{_SECTIONS})?\s*:?\s*"), ""),
    (re.compile(rf"\s*{_SECTIONS}\s*:?"), " "),
    # model field names: "(Protocol.vitals_every_min_during)", "; Protocol.vitals_every_min_after"
    (re.compile(r"\s*(?:\(\s*[A-Z]\w*\.[a-z]\w*_\w+\s*\)|\b[A-Z]\w*\.[a-z]\w*_\w+)"), ""),
)
# Whatever the rewrites above missed never reaches a screen.
_LEFTOVER = re.compile(rf"domain\.md|{_TAG}|§\s*[\d.]*")


def citation_name(key: str) -> str:
    """The name a clinician knows for a domain.md citation key; "Foo2019" → "Foo 2019"."""
    if key in CITATION_NAMES:
        return CITATION_NAMES[key]
    match = _AUTHOR_YEAR.match(key)
    return f"{match.group(1)} {match.group(2)}" if match else key


def _is_citation(key: str) -> bool:
    return key in CITATION_NAMES or bool(_AUTHOR_YEAR.match(key))


def _short(name: str) -> str:
    """ "Riva-Posse 2018 cohort of 684 infusions" → "Riva-Posse 2018": how a sentence may name it."""
    match = re.match(r"\S+ \d{4}\b", name)
    return match.group(0) if match else name


def _names(text: str) -> str:
    """Citation keys become names; a run of keys after a statement reads as a parenthesis, and a
    source the sentence already names is not repeated."""

    def run(match: re.Match) -> str:
        keys = re.findall(r"\[([A-Za-z][\w-]*)", match.group("run"))
        if not all(_is_citation(key) for key in keys):
            return match.group(0)  # square brackets a person typed, not a citation
        rest = (text[: match.start()] + text[match.end() :]).lower()
        names = []
        for key in keys:
            name = citation_name(key)
            if _short(name).lower() not in rest and name not in names:
                names.append(name)
        if not names:
            return match.group("lead") if match.group("lead").strip() else " "
        joined = ", ".join(names)
        lead = match.group("lead")
        after = text[match.end() :].lstrip()
        if lead.strip() or match.start() == 0:
            # at the start of a clause: "ASRA/AAPM/ASA 2018 pain consensus: 2–3 infusions a week"
            needs_colon = bool(after) and after[0] not in ",;.:)("
            return f"{lead}{joined}{':' if needs_colon else ''}"
        return f" ({joined})"  # after a statement

    return _KEY_RUN.sub(run, text)


def clinician_source(text: str) -> str:
    """`text` without file names, section signs, confidence tags or field names, its citation keys
    read as names ("[SpravatoPI]" → "Spravato label"). Plain text passes unchanged. Pure."""
    text = text or ""
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = _names(text)
    text = _LEFTOVER.sub("", text)
    text = re.sub(r"\(\s*[,;:]?\s*\)", "", text)
    text = re.sub(r"\(\s*[,;:]?\s*", "(", text)
    text = re.sub(r"\s+([,;.:)])", r"\1", text)
    text = re.sub(r"([;:,])(?:\s*[;:,])+", r"\1", text)
    text = re.sub(r"([.])\s*[;:,]+", r"\1", text)
    text = re.sub(r"[;:,]+\s*([.)])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text).strip(" ;:,")
    return text[:1].upper() + text[1:]
