"""Medication classes that matter for ketamine: the tags the interaction rules read (domain.md §2.3).

A medication carries one tag. The value is stored in Medication.drug_class; "" means not yet
classified. Examples are for the person choosing the tag, not a drug database.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DrugClass:
    value: str
    label: str
    examples: str
    why: str  # why the class matters for ketamine, with its source in domain.md


DRUG_CLASSES: tuple[DrugClass, ...] = (
    DrugClass("benzodiazepine", "Benzodiazepine", "lorazepam, clonazepam, alprazolam, diazepam",
              "may blunt the antidepressant effect; additive sedation (§2.3 [Andrade2017b], "
              "[Ketalar])"),
    DrugClass("z_drug", "Z-drug hypnotic", "zolpidem, zopiclone, eszopiclone, zaleplon",
              "non-benzodiazepine sedative hypnotic asked about on the monitoring form "
              "(§2.3 [SpravatoPMF])"),
    DrugClass("lamotrigine", "Lamotrigine", "lamotrigine",
              "attenuates ketamine's perceptual effects (§2.3 [Andrade2017b])"),
    DrugClass("maoi", "MAOI", "phenelzine, tranylcypromine, selegiline, isocarboxazid",
              "monitor blood pressure closely (§2.3 [SpravatoPI])"),
    DrugClass("ssri", "SSRI", "sertraline, escitalopram, fluoxetine, paroxetine",
              "conventional antidepressant; can probably be combined (§2.3 [Andrade2017b])"),
    DrugClass("snri", "SNRI", "venlafaxine, duloxetine, desvenlafaxine",
              "conventional antidepressant; can probably be combined (§2.3 [Andrade2017b])"),
    DrugClass("tca", "Tricyclic antidepressant (TCA)", "amitriptyline, nortriptyline, clomipramine",
              "conventional antidepressant; can probably be combined (§2.3 [Andrade2017b])"),
    DrugClass("atypical_antipsychotic", "Atypical antipsychotic",
              "quetiapine, aripiprazole, olanzapine, lurasidone",
              "sedation; may signal a psychotic disorder (§2.2)"),
    DrugClass("lithium", "Lithium", "lithium carbonate", "mood stabiliser; record for review"),
    DrugClass("psychostimulant", "Psychostimulant",
              "methylphenidate, amphetamine salts, lisdexamfetamine, modafinil",
              "monitor blood pressure closely (§2.3 [SpravatoPI])"),
    DrugClass("sympathomimetic", "Sympathomimetic / vasopressor",
              "pseudoephedrine, phenylephrine, midodrine, ephedrine",
              "closely monitor vital signs (§2.3 [Ketalar])"),
    DrugClass("opioid", "Opioid", "oxycodone, hydrocodone, morphine, buprenorphine, methadone",
              "additive sedation and respiratory depression; may prolong recovery "
              "(§2.3 [Ketalar])"),
    DrugClass("theophylline", "Theophylline / aminophylline", "theophylline, aminophylline",
              "do not co-administer: lowers the seizure threshold (§2.3 [Ketalar])"),
    DrugClass("cyp_inducer", "CYP3A4/2B6 inducer", "rifampin, carbamazepine, St John's wort",
              "lowers ketamine exposure (§2.3 [Andrade2017b])"),
    DrugClass("cyp_inhibitor", "CYP3A4/2B6 inhibitor", "clarithromycin, ketoconazole, ticlopidine",
              "raises ketamine exposure (§2.3 [Andrade2017b])"),
    DrugClass("antihypertensive", "Antihypertensive",
              "lisinopril, amlodipine, metoprolol, clonidine, labetalol",
              "treated hypertension; blood pressure rises during infusions (§3.2)"),
    DrugClass("other", "Other", "", "no known interaction of note"),
)

DRUG_CLASS_BY_VALUE: dict[str, DrugClass] = {c.value: c for c in DRUG_CLASSES}
DRUG_CLASS_CHOICES: list[tuple[str, str]] = [(c.value, c.label) for c in DRUG_CLASSES]


def drug_class_label(value: str) -> str:
    found = DRUG_CLASS_BY_VALUE.get(value)
    return found.label if found else (value or "Unclassified")
