"""Seed the built-in candidacy rules (version 1) from domain.md §2.1–§2.3.

Data only; the schema is 0001. A later change to a built-in rule is a new data migration that adds
version 2 and marks version 1 not current, so signed decisions keep pointing at what they used.
Kinds follow the sources: contraindications named as such in a label (Ketalar, Spravato) or as
absolute in a guideline are absolute; "relative"/"caution" wording is relative or a precaution.
"""

from django.db import migrations

MOOD_TRD = ["F32", "F33"]
MOOD_OFF_LABEL = ["F31.3", "F31.4", "F31.81", "F53", "F41", "F42", "F43.1", "R45.851"]
PAIN_CRPS = ["G90.5", "G56.4", "G57.7"]
PAIN_OTHER = ["G62", "M79.7", "R10", "M26.6", "G43", "G44", "G89"]
PSYCHOTIC_DISORDERS = ["F20", "F21", "F22", "F23", "F24", "F25", "F28", "F29"]
PSYCHOTIC_DEPRESSION = ["F32.3", "F33.3", "F31.5"]

# (rule_id, kind, severity, pathway, condition, message, source)
BUILTIN_RULES = [
    # §2.1 Indications
    ("IND-TRD", "indication", "info", "mood",
     {"all": [{"diagnosis_prefix": MOOD_TRD}, {"failed_adequate_trials_gte": 2}]},
     "Treatment-resistant depression: a depressive disorder with at least two failed adequate "
     "antidepressant trials. Single IV infusion: Level 1 evidence; repeated or maintenance "
     "infusions: Level 3.",
     "§2.1 [CANMAT2021]"),
    ("IND-MOOD-OFF-LABEL", "indication", "info", "mood",
     {"diagnosis_prefix": MOOD_OFF_LABEL},
     "Bipolar depression, postpartum depression, anxiety, PTSD, OCD or suicidal ideation: used "
     "off-label with no consensus grading.",
     "§2.1 [SpravatoPI]"),
    ("IND-PAIN-CRPS", "indication", "info", "pain",
     {"diagnosis_prefix": PAIN_CRPS},
     "Complex regional pain syndrome: moderate evidence (grade B) of improvement for up to 12 weeks.",
     "§1.4, §2.1 [Cohen2018]"),
    ("IND-PAIN-OTHER", "indication", "info", "pain",
     {"diagnosis_prefix": PAIN_OTHER},
     "Neuropathic pain, fibromyalgia, visceral pain, headache or other chronic pain: weak or no "
     "evidence (grade D) beyond short-term improvement; start with one infusion and reassess.",
     "§1.4, §2.1 [Cohen2018]"),
    # §2.2 Absolute contraindications
    ("CI-HTN-UNCONTROLLED", "absolute_contraindication", "high", "",
     {"history": "hypertension_uncontrolled"},
     "Uncontrolled hypertension: ketamine raises blood pressure; contraindicated where a "
     "significant rise would be a serious hazard.",
     "§2.2 [Ketalar], [Cohen2018]"),
    ("CI-ANEURYSM", "absolute_contraindication", "high", "",
     {"history": "aneurysm"},
     "Aneurysmal vascular disease or arteriovenous malformation: contraindicated in the "
     "esketamine label.",
     "§2.2 [SpravatoPI]"),
    ("CI-BRAIN-BLEED", "absolute_contraindication", "high", "",
     {"history": "brain_bleed"},
     "History of intracerebral haemorrhage: contraindicated in the esketamine label.",
     "§2.2 [SpravatoPI]"),
    ("CI-HYPERSENSITIVITY", "absolute_contraindication", "high", "",
     {"allergy_contains": ["ketamine", "ketalar", "spravato"]},
     "Hypersensitivity to ketamine or esketamine: contraindicated.",
     "§2.2 [Ketalar], [SpravatoPI]"),
    ("CI-AGE-UNDER-18", "absolute_contraindication", "high", "",
     {"age_lt": 18},
     "Under 18 years: esketamine is not approved in paediatrics; the clinic's adult protocols "
     "do not apply.",
     "§2.2 [SpravatoPI]"),
    ("CI-SCHIZOPHRENIA", "absolute_contraindication", "high", "",
     {"diagnosis_prefix": PSYCHOTIC_DISORDERS},
     "Known schizophrenia or another primary psychotic disorder: absolute contraindication in "
     "the emergency-sedation guideline.",
     "§2.2 [ACEP2011]"),
    ("CI-HEPATIC-SEVERE", "absolute_contraindication", "high", "",
     {"history": "liver_disease_severe"},
     "Severe liver disease: avoid (grade C); drug-induced liver injury warning.",
     "§2.2 [Cohen2018], [Ketalar]"),
    # §2.2 Relative contraindications
    ("CI-CARDIOVASCULAR", "relative_contraindication", "high", "",
     {"history": "heart_disease"},
     "Heart disease: poorly controlled cardiovascular disease is a relative contraindication "
     "(grade B); consider a baseline ECG.",
     "§2.2 [Cohen2018], [ACEP2011]; §1.4"),
    ("CI-PREGNANCY", "relative_contraindication", "high", "",
     {"pregnant": True},
     "Pregnancy: relative contraindication (grade B); esketamine may cause fetal harm.",
     "§2.2 [Cohen2018], [SpravatoPI]"),
    ("CI-BREASTFEEDING", "relative_contraindication", "high", "",
     {"breastfeeding": True},
     "Breastfeeding: the esketamine label says not to breastfeed during treatment.",
     "§2.2 [SpravatoPI]"),
    ("CI-PSYCHOSIS-ACTIVE", "relative_contraindication", "high", "",
     {"any": [{"psychosis_current": True}, {"diagnosis_prefix": PSYCHOTIC_DEPRESSION}]},
     "Active psychosis or depression with psychotic features: relative contraindication (grade B); "
     "the evidence is strongest for depression without psychotic features.",
     "§2.1 [Sanacora2017]; §2.2 [Cohen2018]"),
    ("CI-RAISED-ICP", "relative_contraindication", "high", "",
     {"history": "raised_icp"},
     "Raised intracranial pressure: do not use, or a low dose with extreme caution (grade C); "
     "ketamine raises CSF pressure.",
     "§2.2 [Cohen2018], [Ketalar]"),
    ("CI-RAISED-IOP", "relative_contraindication", "moderate", "",
     {"history": "raised_iop"},
     "Raised eye pressure or glaucoma: do not use, or with extreme caution (grade C); ketamine "
     "raises intraocular pressure.",
     "§2.2 [Cohen2018], [Ketalar], [ACEP2011]"),
    ("CI-SUBSTANCE-ACTIVE", "relative_contraindication", "high", "",
     {"substance_use_current": True},
     "Active substance use problem: serial infusions should not be undertaken (grade C); "
     "ketamine is Schedule III with abuse potential.",
     "§2.2 [Cohen2018], [Ketalar]"),
    ("CI-HYPERTHYROIDISM", "relative_contraindication", "moderate", "",
     {"history": "hyperthyroidism"},
     "Hyperthyroidism: relative contraindication in the emergency-sedation guideline.",
     "§2.2 [ACEP2011]"),
    ("CI-PORPHYRIA", "relative_contraindication", "moderate", "",
     {"history": "porphyria"},
     "Porphyria: relative contraindication in the emergency-sedation guideline.",
     "§2.2 [ACEP2011]"),
    # Precautions
    ("PRE-NO-INTAKE", "precaution", "high", "",
     {"intake_submitted": False},
     "No submitted intake history: contraindication screening is incomplete.",
     "§2.2 [Sanacora2017] (careful pre-treatment evaluation)"),
    ("PRE-NOT-TREATMENT-RESISTANT", "precaution", "moderate", "",
     {"all": [{"diagnosis_prefix": MOOD_TRD}, {"intake_submitted": True},
              {"not": {"failed_adequate_trials_gte": 2}}]},
     "Depression with fewer than two failed adequate antidepressant trials: IV ketamine is "
     "positioned as third-line.",
     "§1.2 [CANMAT2021]"),
    ("PRE-HYPERTENSION-CONTROLLED", "precaution", "moderate", "",
     {"all": [{"history": "hypertension"}, {"not": {"history": "hypertension_uncontrolled"}}]},
     "Treated hypertension: blood-pressure surges during infusions are more likely; check the "
     "pre-dose blood pressure.",
     "§3.1 [Yale2024]; §3.2 [SpravatoPI]"),
    ("PRE-HEPATIC", "precaution", "moderate", "",
     {"all": [{"history": "liver_disease"}, {"not": {"history": "liver_disease_severe"}}]},
     "Liver disease: use with caution and monitoring (grade C); baseline and post-infusion liver "
     "function tests.",
     "§1.4, §2.2 [Cohen2018]"),
    ("PRE-THYROID", "precaution", "low", "",
     {"all": [{"history": "thyroid_disease"}, {"not": {"history": "hyperthyroidism"}}]},
     "Thyroid disease or thyroid medication: listed as a relative contraindication in the "
     "emergency-sedation guideline; confirm it is controlled.",
     "§2.2 [ACEP2011]"),
    ("PRE-PSYCHOSIS-HISTORY", "precaution", "moderate", "",
     {"all": [{"psychosis_history": True}, {"psychosis_current": False}]},
     "Past psychosis: assess carefully and treat only if the benefit outweighs the risk.",
     "§2.2 [SpravatoPI], [Sanacora2017]"),
    ("PRE-SUBSTANCE-PAST", "precaution", "moderate", "",
     {"all": [{"substance_use_past": True}, {"substance_use_current": False}]},
     "Past substance use problem: assess abuse and misuse risk; universal precautions; consider "
     "urine toxicology.",
     "§2.2 [Cohen2018], [Sanacora2017]"),
    # §2.3 Interactions
    ("INT-BENZODIAZEPINE", "interaction", "moderate", "",
     {"medication_class": "benzodiazepine"},
     "Benzodiazepine: may diminish the antidepressant benefit; additive sedation and respiratory "
     "depression.",
     "§2.3 [Andrade2017b], [Ketalar]"),
    ("INT-SEDATIVE-HYPNOTIC", "interaction", "low", "",
     {"medication_class": "z_drug"},
     "Non-benzodiazepine sedative hypnotic: additive sedation; asked on the esketamine monitoring "
     "form.",
     "§2.3 [SpravatoPMF]"),
    ("INT-LAMOTRIGINE", "interaction", "low", "",
     {"medication_class": "lamotrigine"},
     "Lamotrigine: attenuates ketamine's perceptual effects; effect on the antidepressant "
     "response unknown.",
     "§2.3 [Andrade2017b]"),
    ("INT-MAOI", "interaction", "moderate", "",
     {"medication_class": "maoi"},
     "MAOI: monitor blood pressure closely.",
     "§2.3 [SpravatoPI]"),
    ("INT-PSYCHOSTIMULANT", "interaction", "moderate", "",
     {"medication_class": "psychostimulant"},
     "Psychostimulant: monitor blood pressure closely.",
     "§2.3 [SpravatoPI]"),
    ("INT-OPIOID", "interaction", "moderate", "",
     {"medication_class": "opioid"},
     "Opioid: additive sedation and respiratory depression; may prolong recovery.",
     "§2.3 [Ketalar]"),
    ("INT-THEOPHYLLINE", "interaction", "high", "",
     {"medication_class": "theophylline"},
     "Theophylline or aminophylline: do not co-administer; lowers the seizure threshold.",
     "§2.3 [Ketalar]"),
    ("INT-CYP-INDUCER", "interaction", "low", "",
     {"medication_class": "cyp_inducer"},
     "CYP2B6/CYP3A4 inducer: lowers ketamine exposure.",
     "§2.3 [Andrade2017b]"),
    ("INT-CYP-INHIBITOR", "interaction", "low", "",
     {"medication_class": "cyp_inhibitor"},
     "CYP2B6/CYP3A4 inhibitor: raises ketamine exposure.",
     "§2.3 [Andrade2017b]"),
    ("INT-SYMPATHOMIMETIC", "interaction", "moderate", "",
     {"any": [{"medication_class": "sympathomimetic"},
              {"medication_name_contains": ["ephedrine", "phenylephrine", "epinephrine",
                                            "vasopressin", "midodrine"]}]},
     "Sympathomimetic or vasopressin: closely monitor vital signs.",
     "§2.3 [Ketalar]"),
]


def seed_rules(apps, rows) -> None:
    """Create or refresh version 1 of each built-in rule in `rows` (later seed migrations reuse it)."""
    CandidacyRule = apps.get_model("evaluation", "CandidacyRule")
    for rule_id, kind, severity, pathway, condition, message, source in rows:
        CandidacyRule.objects.update_or_create(
            clinic=None,
            rule_id=rule_id,
            version=1,
            defaults={
                "kind": kind,
                "severity": severity,
                "pathway": pathway,
                "condition": condition,
                "message": message,
                "source": source,
                "active": True,
                "is_current": True,
            },
        )


def unseed_rules(apps, rows) -> None:
    CandidacyRule = apps.get_model("evaluation", "CandidacyRule")
    CandidacyRule.objects.filter(clinic=None, version=1, rule_id__in=[row[0] for row in rows]).delete()


def seed(apps, schema_editor):
    seed_rules(apps, BUILTIN_RULES)


def unseed(apps, schema_editor):
    unseed_rules(apps, BUILTIN_RULES)


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_intake_history_rules_decisions")]

    operations = [migrations.RunPython(seed, unseed)]
