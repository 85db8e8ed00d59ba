import pytest

from clinic.patients.drug_classes import DRUG_CLASSES, drug_class_label
from clinic.patients.icd10 import ICD10_CATALOGUE, icd10_choices, icd10_lookup, icd10_normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("F33.2", "F33.2"), ("f332", "F33.2"), (" F33.2 ", "F33.2"), ("r45851", "R45.851"),
     ("F32.A", "F32.A"), ("F32a", "F32.A"), ("M79.7", "M79.7"), ("banana", "BANANA")],
)
def test_normalize(raw, expected):
    assert icd10_normalize(raw) == expected


@pytest.mark.parametrize(
    "code",
    ["F32.2", "F33.2", "F31.31", "F31.4", "F31.5", "F53.0", "F41.1", "F41.9", "F43.10", "F43.12",
     "F42.2", "R45.851", "G90.50", "G90.511", "G56.41", "G57.72", "G62.9", "M79.7", "R10.2",
     "R10.9", "R10.84", "M26.621", "G43.009", "G43.109", "G44.009", "G89.29", "G89.4"],
)
def test_catalogue_covers_the_indications(code):
    assert icd10_lookup(code) is not None


@pytest.mark.parametrize(
    ("code", "description"),
    [
        ("G44.209", "Tension-type headache, unspecified, not intractable"),
        ("G44.219", "Episodic tension-type headache, not intractable"),
        ("G44.229", "Chronic tension-type headache, not intractable"),
        ("G44.52", "New daily persistent headache (NDPH)"),
        ("G44.51", "Hemicrania continua"),
        ("G44.049", "Chronic paroxysmal hemicrania, not intractable"),
        ("G44.059", "Short lasting unilateral neuralgiform headache with conjunctival injection and "
                    "tearing (SUNCT), not intractable"),
        ("G50.0", "Trigeminal neuralgia"),
        ("B02.29", "Other postherpetic nervous system involvement"),
        ("E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy"),
    ],
)
def test_catalogue_covers_other_headaches_and_neuropathic_pain(code, description):
    entry = icd10_lookup(code)
    assert entry is not None
    assert entry.description == description
    assert entry.pathway == "pain"


def test_catalogue_entries_are_well_formed():
    for code, entry in ICD10_CATALOGUE.items():
        assert code == entry.code == icd10_normalize(code)
        assert entry.pathway in {"mood", "pain", ""}
        assert entry.description
    assert icd10_lookup("F99") is None  # schizophrenia: not an indication
    grouped = dict(icd10_choices())
    assert ("F33.2", "F33.2 " + ICD10_CATALOGUE["F33.2"].description) in grouped[
        "Major depressive disorder, recurrent"
    ]


def test_drug_classes_cover_the_interaction_rules():
    values = {c.value for c in DRUG_CLASSES}
    assert {
        "benzodiazepine", "z_drug", "lamotrigine", "maoi", "ssri", "snri", "tca",
        "atypical_antipsychotic", "lithium", "psychostimulant", "opioid", "theophylline",
        "cyp_inducer", "cyp_inhibitor", "antihypertensive", "sympathomimetic", "other",
    } == values
    assert all(len(v) <= 40 for v in values)  # Medication.drug_class max_length
    assert drug_class_label("maoi") == "MAOI"
    assert drug_class_label("") == "Unclassified"
