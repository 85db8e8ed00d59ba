"""A curated ICD-10-CM catalogue for the indications an IV-ketamine clinic treats (product.md).

Not the whole code set: only the codes a clinician here records on the problem list, so a typo
cannot put an unrelated diagnosis on a chart. Descriptions are the ICD-10-CM long titles (FY2025).
ICD-10-CM has no separate code for treatment-resistant depression; it is recorded as the MDD code
(F32.x single episode, F33.x recurrent) and documented as such. Each entry names the pathway the
evaluation rules read ("mood" or "pain") and a group for the picker.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Icd10Entry:
    code: str
    description: str
    group: str
    pathway: str  # "mood" | "pain" | "" (a comorbidity, not an indication)


MOOD, PAIN = "mood", "pain"
# Comorbidities the candidacy rules read (domain.md §2.2); they open no treatment pathway.
NONE = ""

_G_MDD_SINGLE = "Major depressive disorder, single episode"
_G_MDD_RECURRENT = "Major depressive disorder, recurrent"
_G_BIPOLAR = "Bipolar depression"
_G_PERINATAL = "Postpartum depression"
_G_ANXIETY = "Anxiety"
_G_PTSD = "Post-traumatic stress disorder"
_G_OCD = "Obsessive-compulsive disorder"
_G_SI = "Suicidal ideation"
_G_CRPS1 = "Complex regional pain syndrome I"
_G_CRPS2 = "Complex regional pain syndrome II (causalgia)"
_G_NEURO = "Neuropathy"
_G_FIBRO = "Fibromyalgia"
_G_VISCERAL = "Abdominal and pelvic pain"
_G_TMJ = "Temporomandibular joint pain"
_G_MIGRAINE = "Migraine"
_G_CLUSTER = "Cluster headache"
_G_OTHER_HEADACHE = "Other primary headaches"
_G_CHRONIC = "Chronic pain"
_G_PSYCHOSIS = "Psychotic disorders (contraindication screen)"
_G_MEDICAL = "Medical conditions relevant to ketamine (contraindications)"  # domain.md §2.2
_G_SUBSTANCE = "Substance use disorders"

_ENTRIES: tuple[tuple[str, str, str, str], ...] = (
    # Depression, single episode (F32)
    ("F32.0", "Major depressive disorder, single episode, mild", _G_MDD_SINGLE, MOOD),
    ("F32.1", "Major depressive disorder, single episode, moderate", _G_MDD_SINGLE, MOOD),
    ("F32.2", "Major depressive disorder, single episode, severe without psychotic features",
     _G_MDD_SINGLE, MOOD),
    ("F32.3", "Major depressive disorder, single episode, severe with psychotic features",
     _G_MDD_SINGLE, MOOD),
    ("F32.4", "Major depressive disorder, single episode, in partial remission", _G_MDD_SINGLE, MOOD),
    ("F32.5", "Major depressive disorder, single episode, in full remission", _G_MDD_SINGLE, MOOD),
    ("F32.9", "Major depressive disorder, single episode, unspecified", _G_MDD_SINGLE, MOOD),
    ("F32.A", "Depression, unspecified", _G_MDD_SINGLE, MOOD),
    # Depression, recurrent (F33)
    ("F33.0", "Major depressive disorder, recurrent, mild", _G_MDD_RECURRENT, MOOD),
    ("F33.1", "Major depressive disorder, recurrent, moderate", _G_MDD_RECURRENT, MOOD),
    ("F33.2", "Major depressive disorder, recurrent severe without psychotic features",
     _G_MDD_RECURRENT, MOOD),
    ("F33.3", "Major depressive disorder, recurrent, severe with psychotic symptoms",
     _G_MDD_RECURRENT, MOOD),
    ("F33.40", "Major depressive disorder, recurrent, in remission, unspecified",
     _G_MDD_RECURRENT, MOOD),
    ("F33.41", "Major depressive disorder, recurrent, in partial remission", _G_MDD_RECURRENT, MOOD),
    ("F33.42", "Major depressive disorder, recurrent, in full remission", _G_MDD_RECURRENT, MOOD),
    ("F33.8", "Other recurrent depressive disorders", _G_MDD_RECURRENT, MOOD),
    ("F33.9", "Major depressive disorder, recurrent, unspecified", _G_MDD_RECURRENT, MOOD),
    # Bipolar disorder, current episode depressed (F31.3x-F31.5) and bipolar II
    ("F31.30", "Bipolar disorder, current episode depressed, mild or moderate severity, "
     "unspecified", _G_BIPOLAR, MOOD),
    ("F31.31", "Bipolar disorder, current episode depressed, mild", _G_BIPOLAR, MOOD),
    ("F31.32", "Bipolar disorder, current episode depressed, moderate", _G_BIPOLAR, MOOD),
    ("F31.4", "Bipolar disorder, current episode depressed, severe, without psychotic features",
     _G_BIPOLAR, MOOD),
    ("F31.5", "Bipolar disorder, current episode depressed, severe, with psychotic features",
     _G_BIPOLAR, MOOD),
    ("F31.81", "Bipolar II disorder", _G_BIPOLAR, MOOD),
    # Postpartum depression
    ("F53.0", "Postpartum depression", _G_PERINATAL, MOOD),
    # Anxiety
    ("F41.1", "Generalized anxiety disorder", _G_ANXIETY, MOOD),
    ("F41.9", "Anxiety disorder, unspecified", _G_ANXIETY, MOOD),
    # PTSD
    ("F43.10", "Post-traumatic stress disorder, unspecified", _G_PTSD, MOOD),
    ("F43.11", "Post-traumatic stress disorder, acute", _G_PTSD, MOOD),
    ("F43.12", "Post-traumatic stress disorder, chronic", _G_PTSD, MOOD),
    # OCD
    ("F42.2", "Mixed obsessional thoughts and acts", _G_OCD, MOOD),
    ("F42.9", "Obsessive-compulsive disorder, unspecified", _G_OCD, MOOD),
    # Suicidal ideation
    ("R45.851", "Suicidal ideations", _G_SI, MOOD),
    # CRPS I (G90.5x)
    ("G90.50", "Complex regional pain syndrome I, unspecified", _G_CRPS1, PAIN),
    ("G90.511", "Complex regional pain syndrome I of right upper limb", _G_CRPS1, PAIN),
    ("G90.512", "Complex regional pain syndrome I of left upper limb", _G_CRPS1, PAIN),
    ("G90.513", "Complex regional pain syndrome I of upper limb, bilateral", _G_CRPS1, PAIN),
    ("G90.519", "Complex regional pain syndrome I of unspecified upper limb", _G_CRPS1, PAIN),
    ("G90.521", "Complex regional pain syndrome I of right lower limb", _G_CRPS1, PAIN),
    ("G90.522", "Complex regional pain syndrome I of left lower limb", _G_CRPS1, PAIN),
    ("G90.523", "Complex regional pain syndrome I of lower limb, bilateral", _G_CRPS1, PAIN),
    ("G90.529", "Complex regional pain syndrome I of unspecified lower limb", _G_CRPS1, PAIN),
    ("G90.59", "Complex regional pain syndrome I of other specified site", _G_CRPS1, PAIN),
    # CRPS II: causalgia of upper (G56.4x) and lower (G57.7x) limb
    ("G56.40", "Causalgia of unspecified upper limb", _G_CRPS2, PAIN),
    ("G56.41", "Causalgia of right upper limb", _G_CRPS2, PAIN),
    ("G56.42", "Causalgia of left upper limb", _G_CRPS2, PAIN),
    ("G56.43", "Causalgia of bilateral upper limbs", _G_CRPS2, PAIN),
    ("G57.70", "Causalgia of unspecified lower limb", _G_CRPS2, PAIN),
    ("G57.71", "Causalgia of right lower limb", _G_CRPS2, PAIN),
    ("G57.72", "Causalgia of left lower limb", _G_CRPS2, PAIN),
    ("G57.73", "Causalgia of bilateral lower limbs", _G_CRPS2, PAIN),
    # Neuropathy and neuropathic pain
    ("G62.9", "Polyneuropathy, unspecified", _G_NEURO, PAIN),
    ("G50.0", "Trigeminal neuralgia", _G_NEURO, PAIN),
    ("B02.22", "Postherpetic trigeminal neuralgia", _G_NEURO, PAIN),
    # Postherpetic neuralgia (other than trigeminal) is coded here.
    ("B02.29", "Other postherpetic nervous system involvement", _G_NEURO, PAIN),
    ("E10.42", "Type 1 diabetes mellitus with diabetic polyneuropathy", _G_NEURO, PAIN),
    ("E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy", _G_NEURO, PAIN),
    # Fibromyalgia
    ("M79.7", "Fibromyalgia", _G_FIBRO, PAIN),
    # Chronic abdominal and pelvic pain
    ("R10.2", "Pelvic and perineal pain", _G_VISCERAL, PAIN),
    ("R10.84", "Generalized abdominal pain", _G_VISCERAL, PAIN),
    ("R10.9", "Unspecified abdominal pain", _G_VISCERAL, PAIN),
    # TMJ (M26.6x)
    ("M26.601", "Right temporomandibular joint disorder, unspecified", _G_TMJ, PAIN),
    ("M26.602", "Left temporomandibular joint disorder, unspecified", _G_TMJ, PAIN),
    ("M26.603", "Bilateral temporomandibular joint disorder, unspecified", _G_TMJ, PAIN),
    ("M26.609", "Unspecified temporomandibular joint disorder, unspecified side", _G_TMJ, PAIN),
    ("M26.621", "Arthralgia of right temporomandibular joint", _G_TMJ, PAIN),
    ("M26.622", "Arthralgia of left temporomandibular joint", _G_TMJ, PAIN),
    ("M26.623", "Arthralgia of bilateral temporomandibular joint", _G_TMJ, PAIN),
    ("M26.629", "Arthralgia of temporomandibular joint, unspecified side", _G_TMJ, PAIN),
    ("M26.69", "Other specified disorders of temporomandibular joint", _G_TMJ, PAIN),
    # Migraine without aura (G43.0x), with aura (G43.1x), chronic without aura (G43.7x)
    ("G43.001", "Migraine without aura, not intractable, with status migrainosus",
     _G_MIGRAINE, PAIN),
    ("G43.009", "Migraine without aura, not intractable, without status migrainosus",
     _G_MIGRAINE, PAIN),
    ("G43.011", "Migraine without aura, intractable, with status migrainosus", _G_MIGRAINE, PAIN),
    ("G43.019", "Migraine without aura, intractable, without status migrainosus",
     _G_MIGRAINE, PAIN),
    ("G43.101", "Migraine with aura, not intractable, with status migrainosus", _G_MIGRAINE, PAIN),
    ("G43.109", "Migraine with aura, not intractable, without status migrainosus",
     _G_MIGRAINE, PAIN),
    ("G43.111", "Migraine with aura, intractable, with status migrainosus", _G_MIGRAINE, PAIN),
    ("G43.119", "Migraine with aura, intractable, without status migrainosus", _G_MIGRAINE, PAIN),
    ("G43.701", "Chronic migraine without aura, not intractable, with status migrainosus",
     _G_MIGRAINE, PAIN),
    ("G43.709", "Chronic migraine without aura, not intractable, without status migrainosus",
     _G_MIGRAINE, PAIN),
    ("G43.711", "Chronic migraine without aura, intractable, with status migrainosus",
     _G_MIGRAINE, PAIN),
    ("G43.719", "Chronic migraine without aura, intractable, without status migrainosus",
     _G_MIGRAINE, PAIN),
    ("G43.909", "Migraine, unspecified, not intractable, without status migrainosus",
     _G_MIGRAINE, PAIN),
    ("G43.919", "Migraine, unspecified, intractable, without status migrainosus",
     _G_MIGRAINE, PAIN),
    # Cluster headache (G44.0x)
    ("G44.001", "Cluster headache syndrome, unspecified, intractable", _G_CLUSTER, PAIN),
    ("G44.009", "Cluster headache syndrome, unspecified, not intractable", _G_CLUSTER, PAIN),
    ("G44.011", "Episodic cluster headache, intractable", _G_CLUSTER, PAIN),
    ("G44.019", "Episodic cluster headache, not intractable", _G_CLUSTER, PAIN),
    ("G44.021", "Chronic cluster headache, intractable", _G_CLUSTER, PAIN),
    ("G44.029", "Chronic cluster headache, not intractable", _G_CLUSTER, PAIN),
    # Other trigeminal autonomic cephalalgias (G44.04x, G44.05x)
    ("G44.041", "Chronic paroxysmal hemicrania, intractable", _G_OTHER_HEADACHE, PAIN),
    ("G44.049", "Chronic paroxysmal hemicrania, not intractable", _G_OTHER_HEADACHE, PAIN),
    ("G44.051", "Short lasting unilateral neuralgiform headache with conjunctival injection and "
     "tearing (SUNCT), intractable", _G_OTHER_HEADACHE, PAIN),
    ("G44.059", "Short lasting unilateral neuralgiform headache with conjunctival injection and "
     "tearing (SUNCT), not intractable", _G_OTHER_HEADACHE, PAIN),
    # Tension-type headache (G44.2x)
    ("G44.201", "Tension-type headache, unspecified, intractable", _G_OTHER_HEADACHE, PAIN),
    ("G44.209", "Tension-type headache, unspecified, not intractable", _G_OTHER_HEADACHE, PAIN),
    ("G44.211", "Episodic tension-type headache, intractable", _G_OTHER_HEADACHE, PAIN),
    ("G44.219", "Episodic tension-type headache, not intractable", _G_OTHER_HEADACHE, PAIN),
    ("G44.221", "Chronic tension-type headache, intractable", _G_OTHER_HEADACHE, PAIN),
    ("G44.229", "Chronic tension-type headache, not intractable", _G_OTHER_HEADACHE, PAIN),
    # Other primary headaches (G44.5x)
    ("G44.51", "Hemicrania continua", _G_OTHER_HEADACHE, PAIN),
    ("G44.52", "New daily persistent headache (NDPH)", _G_OTHER_HEADACHE, PAIN),
    # Chronic pain
    ("G89.29", "Other chronic pain", _G_CHRONIC, PAIN),
    ("G89.4", "Chronic pain syndrome", _G_CHRONIC, PAIN),
    # Comorbidities read by the contraindication rules (domain.md §2.2)
    ("F20.9", "Schizophrenia, unspecified", _G_PSYCHOSIS, NONE),
    ("F22", "Delusional disorders", _G_PSYCHOSIS, NONE),
    ("F25.9", "Schizoaffective disorder, unspecified", _G_PSYCHOSIS, NONE),
    ("F29", "Unspecified psychosis not due to a substance or known physiological condition",
     _G_PSYCHOSIS, NONE),
    ("F10.20", "Alcohol dependence, uncomplicated", _G_SUBSTANCE, NONE),
    ("F11.20", "Opioid dependence, uncomplicated", _G_SUBSTANCE, NONE),
    ("F12.20", "Cannabis dependence, uncomplicated", _G_SUBSTANCE, NONE),
    ("F19.20", "Other psychoactive substance dependence, uncomplicated", _G_SUBSTANCE, NONE),
    ("I10", "Essential (primary) hypertension", _G_MEDICAL, NONE),
    ("I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris",
     _G_MEDICAL, NONE),
    ("I50.9", "Heart failure, unspecified", _G_MEDICAL, NONE),
    ("I67.1", "Cerebral aneurysm, nonruptured", _G_MEDICAL, NONE),
    ("I71.9", "Aortic aneurysm of unspecified site, without rupture", _G_MEDICAL, NONE),
    ("Q28.2", "Arteriovenous malformation of cerebral vessels", _G_MEDICAL, NONE),
    ("I61.9", "Nontraumatic intracerebral hemorrhage, unspecified", _G_MEDICAL, NONE),
    ("G93.2", "Benign intracranial hypertension", _G_MEDICAL, NONE),
    ("H40.9", "Unspecified glaucoma", _G_MEDICAL, NONE),
    ("K76.9", "Liver disease, unspecified", _G_MEDICAL, NONE),
    ("K74.60", "Unspecified cirrhosis of liver", _G_MEDICAL, NONE),
    ("E05.90", "Thyrotoxicosis, unspecified without thyrotoxic crisis or storm", _G_MEDICAL, NONE),
    ("E80.20", "Unspecified porphyria", _G_MEDICAL, NONE),
    ("G40.909", "Epilepsy, unspecified, not intractable, without status epilepticus",
     _G_MEDICAL, NONE),
)

ICD10_CATALOGUE: dict[str, Icd10Entry] = {
    code: Icd10Entry(code, description, group, pathway)
    for code, description, group, pathway in _ENTRIES
}

_CODE_SHAPE = re.compile(r"^([A-Z]\d{2})\.?([0-9A-Z]{0,4})$")


def icd10_normalize(raw: str) -> str:
    """'f332', ' F33.2 ' and 'F33.2' all become 'F33.2'; anything else is returned upper-cased."""
    text = (raw or "").strip().upper().replace(" ", "")
    match = _CODE_SHAPE.match(text)
    if not match:
        return text
    head, tail = match.groups()
    return f"{head}.{tail}" if tail else head


def icd10_lookup(raw: str) -> Icd10Entry | None:
    return ICD10_CATALOGUE.get(icd10_normalize(raw))


def icd10_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a <select>: [(group, [(code, "code description"), ...]), ...]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for entry in ICD10_CATALOGUE.values():
        groups.setdefault(entry.group, []).append((entry.code, f"{entry.code} {entry.description}"))
    return list(groups.items())
