"""Fixed definitions of the demo clinic network. All people, numbers and addresses are fictional.

Phone numbers use the 555-0100..555-0199 range reserved for fiction; e-mail addresses use
example.com. Clinical profiles pair an indication with ICD-10-CM codes and the medications such a
patient typically takes, so the interaction and contraindication rules have something to find.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from clinic.accounts.roles import Role
from clinic.patients.models import JourneyStage

# Hand-laid tables: keep them compact and aligned rather than one item per line.
# fmt: off

# One shared password for every demo login; it passes the configured validators (length >= 10,
# not a common password, not all digits, not similar to the usernames).
DEMO_PASSWORD = "ketamine-demo-2026"
DEMO_SEED = 2026

HARBOR_SLUG = "harbor-ketamine"
SUMMIT_SLUG = "summit-infusion"

CLINICS = {
    HARBOR_SLUG: {
        "name": "Harbor Ketamine & Wellness",
        "timezone": "America/New_York",
        "phone": "+16175550100",
        "email": "frontdesk@harbor-ketamine.example.com",
        "address_line": "200 Atlantic Avenue, Suite 410",
        "city": "Boston",
        "state": "MA",
        "postal_code": "02110",
    },
    SUMMIT_SLUG: {
        "name": "Summit Infusion Center",
        "timezone": "America/Denver",
        "phone": "+13035550150",
        "email": "hello@summit-infusion.example.com",
        "address_line": "1550 Larimer Street, Suite 200",
        "city": "Denver",
        "state": "CO",
        "postal_code": "80202",
    },
}

# Four infusion chairs and two consultation rooms per clinic; Harbor has two more chairs (its
# infusion day has five patients in the chairs at once, see INFUSION_DAY).
ROOMS = [
    ("Chair 1", "chair"),
    ("Chair 2", "chair"),
    ("Chair 3", "chair"),
    ("Chair 4", "chair"),
    ("Consult A", "consult"),
    ("Consult B", "consult"),
]
EXTRA_ROOMS = {HARBOR_SLUG: [("Chair 5", "chair"), ("Chair 6", "chair")]}


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str
    clinic: str
    credentials: str = ""
    also_at: tuple[str, ...] = ()  # further clinics where the same person works (same role)
    medical_director: bool = False  # designated at each of their clinics (proposes clinical limits)


STAFF = [
    StaffMember("admin", "Morgan", "Reyes", Role.ADMIN, HARBOR_SLUG),
    # The medical director works at both clinics: one login, two memberships.
    StaffMember(
        "physician", "Elena", "Marsh", Role.PHYSICIAN, HARBOR_SLUG, "MD", also_at=(SUMMIT_SLUG,),
        medical_director=True,
    ),
    StaffMember("physician2", "Arjun", "Patel", Role.PHYSICIAN, HARBOR_SLUG, "MD"),
    StaffMember("nurse", "Dana", "Whitfield", Role.NURSE, HARBOR_SLUG, "RN"),
    StaffMember("nurse2", "Luis", "Ortega", Role.NURSE, HARBOR_SLUG, "RN"),
    StaffMember("nurse3", "Grace", "Okafor", Role.NURSE, HARBOR_SLUG, "RN"),
    StaffMember("frontdesk", "Casey", "Nguyen", Role.FRONT_DESK, HARBOR_SLUG),
    StaffMember("summit.admin", "Jordan", "Blake", Role.ADMIN, SUMMIT_SLUG),
    StaffMember("summit.nurse", "Priya", "Raman", Role.NURSE, SUMMIT_SLUG, "RN"),
    StaffMember("summit.nurse2", "Hannah", "Brooks", Role.NURSE, SUMMIT_SLUG, "RN"),
    StaffMember("summit.frontdesk", "Tyler", "Hughes", Role.FRONT_DESK, SUMMIT_SLUG),
]

# Patients at Harbor per journey stage and at Summit (a smaller, separate registry). Two more
# Harbor patients come from converted inbox requests (consultation booked), 60 in all.
HARBOR_STAGES = [
    (JourneyStage.CONSULTATION, 6),
    (JourneyStage.EVALUATION, 8),
    (JourneyStage.CANDIDATE, 6),
    (JourneyStage.NOT_CANDIDATE, 5),
    (JourneyStage.INDUCTION, 12),
    (JourneyStage.MAINTENANCE, 15),
    (JourneyStage.INACTIVE, 6),
]
SUMMIT_STAGES = [
    (JourneyStage.CONSULTATION, 2),
    (JourneyStage.EVALUATION, 1),
    (JourneyStage.INDUCTION, 3),
    (JourneyStage.MAINTENANCE, 3),
    (JourneyStage.INACTIVE, 1),
]

# Portal logins: (username, journey stage, n-th Harbor patient of that stage).
PORTAL_USERS = [
    ("patient1", JourneyStage.INDUCTION, 1),
    ("patient2", JourneyStage.MAINTENANCE, 2),
    ("patient3", JourneyStage.MAINTENANCE, 5),
]

# Area codes per clinic for the fictional numbers: patient, emergency contact, escort.
AREA_CODES = {HARBOR_SLUG: ("617", "781", "857"), SUMMIT_SLUG: ("720", "303", "970")}

FEMALE_NAMES = [
    "Maya", "Olivia", "Priya", "Grace", "Hannah", "Sofia", "Aisha", "Emily", "Rachel", "Naomi",
    "Claire", "Lucia", "Mei", "Julia", "Fatima", "Rosa", "Teresa", "Kayla", "Erin", "Lauren",
    "Nadia", "Denise", "Brenda", "Carmen", "Yuki", "Ingrid", "Leah", "Tamara", "Beatriz", "Joanne",
]
MALE_NAMES = [
    "James", "Marcus", "Daniel", "Ethan", "Omar", "Luis", "Kevin", "Thomas", "Andre", "Samuel",
    "Ryan", "Victor", "Hiroshi", "Patrick", "Michael", "David", "Jamal", "Carlos", "Noah", "Brian",
    "Raymond", "Gregory", "Dmitri", "Kwame", "Owen", "Felix", "Isaac", "Rafael", "Sean", "Walter",
]
FAMILY_NAMES = [
    "Alvarez", "Bennett", "Chen", "Delgado", "Evans", "Fitzgerald", "Garcia", "Hoffman", "Ibrahim",
    "Jensen", "Kowalski", "Lindqvist", "Morales", "Nakamura", "O'Brien", "Patel", "Quinn", "Rossi",
    "Sullivan", "Tran", "Underwood", "Vasquez", "Whitaker", "Xu", "Yilmaz", "Zimmerman", "Brooks",
    "Castillo", "Donovan", "Ellis", "Foster", "Gallagher", "Haddad", "Iverson", "Kim", "Larsen",
    "Mendez", "Novak", "Okafor", "Price", "Ramirez", "Schmidt", "Thompson", "Walsh", "Young",
    "Abbott", "Baptiste", "Coleman", "Dubois", "Farrell",
]

TOWNS = {
    HARBOR_SLUG: [
        ("Boston", "MA", "02116"), ("Cambridge", "MA", "02139"), ("Somerville", "MA", "02143"),
        ("Quincy", "MA", "02169"), ("Brookline", "MA", "02446"), ("Newton", "MA", "02458"),
        ("Medford", "MA", "02155"), ("Dorchester", "MA", "02124"),
    ],
    SUMMIT_SLUG: [
        ("Denver", "CO", "80206"), ("Aurora", "CO", "80012"), ("Lakewood", "CO", "80226"),
        ("Boulder", "CO", "80302"),
    ],
}
STREETS = [
    "Maple Street", "Harbor View Road", "Elm Avenue", "Beacon Street", "Chestnut Lane",
    "Summer Street", "Pine Ridge Drive", "Washington Street", "Cedar Court", "Willow Way",
]

EMERGENCY_RELATIONSHIPS = ["Spouse", "Partner", "Mother", "Father", "Sister", "Brother", "Friend"]

# (name, practice, phone, e-mail) of fictional referring clinicians.
REFERRERS = {
    HARBOR_SLUG: [
        ("Dr. Helen Whitmore, MD", "Back Bay Psychiatry Associates", "+16175550190",
         "hwhitmore@example.com"),
        ("Dr. Samuel Okonkwo, MD", "Charles River Behavioral Health", "+16175550191",
         "sokonkwo@example.com"),
        ("Dr. Laura Feinberg, DO", "Harborview Primary Care", "+16175550192",
         "lfeinberg@example.com"),
        ("Dr. Raj Mehta, MD", "New England Pain & Spine", "+16175550193", "rmehta@example.com"),
        ("Rebecca Liu, PMHNP", "Cambridge Mind & Mood", "+16175550194", "rliu@example.com"),
        ("Dr. Thomas Keane, MD", "Beacon Neurology & Headache Center", "+16175550195",
         "tkeane@example.com"),
    ],
    SUMMIT_SLUG: [
        ("Dr. Anna Kowalczyk, MD", "Front Range Psychiatry", "+13035550190",
         "akowalczyk@example.com"),
        ("Dr. Miguel Serrano, MD", "Rocky Mountain Pain Clinic", "+13035550191",
         "mserrano@example.com"),
    ],
}

# Medications: key -> (name, dose, frequency, drug class). Classes are the interaction tags of
# clinic.patients.drug_classes (domain.md §2.3).
MEDICATIONS = {
    "sertraline": ("Sertraline", "100 mg", "once daily", "ssri"),
    "escitalopram": ("Escitalopram", "20 mg", "once daily", "ssri"),
    "fluoxetine": ("Fluoxetine", "60 mg", "once daily", "ssri"),
    "citalopram": ("Citalopram", "40 mg", "once daily", "ssri"),
    "paroxetine": ("Paroxetine", "40 mg", "once daily", "ssri"),
    "venlafaxine": ("Venlafaxine XR", "150 mg", "once daily", "snri"),
    "duloxetine": ("Duloxetine", "60 mg", "once daily", "snri"),
    "nortriptyline": ("Nortriptyline", "75 mg", "at bedtime", "tca"),
    "amitriptyline": ("Amitriptyline", "25 mg", "at bedtime", "tca"),
    "bupropion": ("Bupropion XL", "300 mg", "once daily", "other"),
    "mirtazapine": ("Mirtazapine", "30 mg", "at bedtime", "other"),
    "trazodone": ("Trazodone", "50 mg", "at bedtime", "other"),
    "phenelzine": ("Phenelzine", "15 mg", "three times daily", "maoi"),
    "lorazepam": ("Lorazepam", "1 mg", "as needed for anxiety", "benzodiazepine"),
    "clonazepam": ("Clonazepam", "0.5 mg", "twice daily", "benzodiazepine"),
    "alprazolam": ("Alprazolam", "0.5 mg", "as needed", "benzodiazepine"),
    "zolpidem": ("Zolpidem", "10 mg", "at bedtime as needed", "z_drug"),
    "lamotrigine": ("Lamotrigine", "200 mg", "once daily", "lamotrigine"),
    "lithium": ("Lithium carbonate", "600 mg", "twice daily", "lithium"),
    "quetiapine": ("Quetiapine", "100 mg", "at bedtime", "atypical_antipsychotic"),
    "aripiprazole": ("Aripiprazole", "5 mg", "once daily", "atypical_antipsychotic"),
    "prazosin": ("Prazosin", "2 mg", "at bedtime", "antihypertensive"),
    "amphetamine": ("Amphetamine/dextroamphetamine", "20 mg", "once daily", "psychostimulant"),
    "oxycodone": ("Oxycodone", "10 mg", "every 6 hours as needed", "opioid"),
    "tramadol": ("Tramadol", "50 mg", "every 8 hours as needed", "opioid"),
    "hydrocodone": ("Hydrocodone/acetaminophen", "5/325 mg", "every 6 hours as needed", "opioid"),
    "buprenorphine": ("Buprenorphine patch", "10 mcg/h", "weekly", "opioid"),
    "gabapentin": ("Gabapentin", "300 mg", "three times daily", "other"),
    "pregabalin": ("Pregabalin", "75 mg", "twice daily", "other"),
    "topiramate": ("Topiramate", "50 mg", "twice daily", "other"),
    "sumatriptan": ("Sumatriptan", "50 mg", "at migraine onset", "other"),
    "verapamil": ("Verapamil ER", "240 mg", "once daily", "antihypertensive"),
    "metformin": ("Metformin", "1000 mg", "twice daily", "other"),
    "lisinopril": ("Lisinopril", "10 mg", "once daily", "antihypertensive"),
    "amlodipine": ("Amlodipine", "5 mg", "once daily", "antihypertensive"),
    "atorvastatin": ("Atorvastatin", "20 mg", "once daily", "other"),
    "levothyroxine": ("Levothyroxine", "75 mcg", "once daily", "other"),
    "theophylline": ("Theophylline ER", "300 mg", "twice daily", "theophylline"),
    "carbamazepine": ("Carbamazepine ER", "400 mg", "twice daily", "cyp_inducer"),
}


@dataclass(frozen=True)
class Profile:
    """An indication: its ICD-10-CM codes, usual medications (`options`: one of each group, ""
    for none) and, for mood patients, antidepressants tried and stopped before."""

    key: str
    kind: str  # "mood" or "pain"
    interest: str  # intake Interest value
    diagnoses: tuple[str, ...]
    medications: tuple[str, ...]
    options: tuple[tuple[str, ...], ...] = ()
    sex: str = ""  # "female" or "male" when the indication implies it
    weight: int = 1


PROFILES = [
    Profile("trd", "mood", "depression", ("F33.2",), ("bupropion",),
            (("sertraline", "escitalopram", "venlafaxine"),
             ("lorazepam", "trazodone", "aripiprazole", "zolpidem", "")), weight=6),
    Profile("mdd", "mood", "depression", ("F32.2",), (),
            (("escitalopram", "fluoxetine", "duloxetine"), ("trazodone", "")), weight=3),
    Profile("bipolar", "mood", "bipolar_depression", ("F31.4",), ("lamotrigine",),
            (("lithium", "quetiapine"),), weight=3),
    Profile("bipolar2", "mood", "bipolar_depression", ("F31.81",), ("lamotrigine",),
            (("clonazepam", ""),), weight=2),
    Profile("ptsd", "mood", "ptsd", ("F43.12", "F33.1"), ("sertraline", "prazosin"),
            (("clonazepam", ""),), weight=3),
    Profile("anxiety", "mood", "anxiety", ("F41.1", "F33.1"), ("escitalopram",),
            (("alprazolam", "lorazepam"),), weight=2),
    Profile("ocd", "mood", "ocd", ("F42.2",), ("fluoxetine",), (("aripiprazole", ""),)),
    Profile("postpartum", "mood", "postpartum", ("F53.0",), ("sertraline",), (), sex="female"),
    Profile("suicidal", "mood", "depression", ("F33.2", "R45.851"), ("venlafaxine",),
            (("quetiapine", "lorazepam"),), weight=2),
    Profile("crps", "pain", "chronic_pain", ("G90.521",), ("gabapentin",),
            (("oxycodone", "buprenorphine"), ("duloxetine", "amitriptyline")), weight=3),
    Profile("fibromyalgia", "pain", "chronic_pain", ("M79.7", "F32.A"),
            ("pregabalin", "duloxetine"), (("tramadol", ""),), weight=3),
    Profile("neuropathy", "pain", "chronic_pain", ("G62.9",), ("metformin", "gabapentin"),
            (("oxycodone", "tramadol"),), weight=2),
    Profile("migraine", "pain", "headache", ("G43.719",), ("topiramate", "sumatriptan"),
            (("amitriptyline", ""),), weight=3),
    Profile("cluster", "pain", "headache", ("G44.021",), ("verapamil",), (), sex="male"),
    Profile("pelvic", "pain", "chronic_pain", ("R10.2", "G89.29"), ("hydrocodone",),
            (("amitriptyline", "gabapentin"),), sex="female"),
    Profile("tmj", "pain", "chronic_pain", ("M26.609",), ("amitriptyline",), (("tramadol", ""),)),
]

# Antidepressants a mood patient tried before and stopped (treatment resistance on the chart).
TRIED_ANTIDEPRESSANTS = ["citalopram", "paroxetine", "mirtazapine", "nortriptyline", "duloxetine"]

# Interaction-screening examples, as (journey stage, n-th Harbor patient of that stage): the one
# patient on an MAOI, one on a stimulant, one on theophylline, one on carbamazepine.
MAOI_PATIENT = (JourneyStage.EVALUATION, 2)
STIMULANT_PATIENT = (JourneyStage.CANDIDATE, 1)
THEOPHYLLINE_PATIENT = (JourneyStage.EVALUATION, 5)
CYP_INDUCER_PATIENT = (JourneyStage.CANDIDATE, 3)

INDUCTION_INFUSIONS = 6  # the induction series: alternate working days, about two weeks

# Journey examples (same addressing). READY_FOR_DECISION: intake and baseline done, no finding that
# blocks, no decision yet (the end-to-end test signs her "candidate"). SAFETY_ALERT_PATIENT: PHQ-9
# question 9 answered "several days" at the consultation, the one open (moderate) safety alert.
# NON_RESPONDER: four or five induction infusions, the PHQ-9 barely moved, the dose titrated up.
# AWAITING_DOUBLE_CHECK: the next order is signed and waits for a nurse's double check.
READY_FOR_DECISION = (JourneyStage.EVALUATION, 3)
SAFETY_ALERT_PATIENT = (JourneyStage.EVALUATION, 5)
NON_RESPONDER = (JourneyStage.INDUCTION, 3)
AWAITING_DOUBLE_CHECK = (JourneyStage.INDUCTION, 11)
NON_RESPONDER_DONE = 4  # induction infusions behind the non-responder (a fifth may be today)

# --- The infusion day (docs/demo.md "The infusion day") ---------------------------------------

# Opening hours (every weekday, the clinic's zone) and the nurses' shifts around them, from
# SHIFT_DAYS_BACK days ago to SHIFT_DAYS_AHEAD days ahead (an induction series runs up to three
# weeks, and a series is only booked where the nurse ratio can be checked).
CLINIC_OPENS, CLINIC_CLOSES = dt.time(8), dt.time(18)
SHIFT_STARTS, SHIFT_ENDS = dt.time(7, 30), dt.time(18, 30)
SHIFT_DAYS_BACK, SHIFT_DAYS_AHEAD = 14, 21

# Today at Harbor: the n-th induction patient -> the state of their infusion session now.
INFUSION_DAY = {
    4: "discharged",
    5: "recovering",
    6: "running",
    7: "paused",
    8: "ready",
    9: "checked_in",
}
# Minutes before "now" of each step of today's sessions (the chair is Chair 1..6 in this order).
# A mood infusion runs 40 min; recovery lasts at least 60 min before the discharge.
INFUSION_DAY_PLAN = {
    "discharged": {"appointment": 215, "check_in": 210, "gate": 198, "start": 190, "stop": 150,
                   "discharge": 78},
    "recovering": {"appointment": 110, "check_in": 105, "gate": 94, "start": 72, "stop": 32},
    "paused":     {"appointment": 60, "check_in": 57, "gate": 46, "start": 36, "pause": 6},
    "running":    {"appointment": 45, "check_in": 40, "gate": 28, "start": 20},
    "ready":      {"appointment": 20, "check_in": 17, "gate": 6},
    "checked_in": {"appointment": 5, "check_in": 3},
}
RUNNING_ALERT_BP = (186, 112)  # the reading just taken in the running chair: a "pause" alert, open
PAUSE_NOTE = "Patient asked for a short break: dissociation uncomfortable."


@dataclass(frozen=True)
class NotCandidateFinding:
    """Why a patient is not a candidate: the profile, ICD-10-CM codes replacing the profile's
    (None keeps them), extra medication keys, intake answers that differ from the usual ones, and
    the physician's signed reason."""

    profile: str
    codes: tuple[str, ...] | None
    medications: tuple[str, ...]
    intake: dict
    reason: str


NOT_CANDIDATE_FINDINGS = [
    NotCandidateFinding(
        "trd", ("F33.3",), (), {"psychosis": "current"},
        "Not a candidate now: recurrent depression with current psychotic features (F33.3). "
        "Ketamine can worsen psychosis. Back to the referring psychiatrist for antipsychotic "
        "augmentation or ECT; re-evaluate once the psychotic symptoms have resolved.",
    ),
    NotCandidateFinding(
        "migraine", ("G43.719", "I10"), ("lisinopril", "amlodipine"),
        {"hypertension": "uncontrolled"},
        "Hypertension (I10) not controlled on two agents: an absolute contraindication "
        "(CI-HTN-UNCONTROLLED), ketamine raises blood pressure. Referred back to primary care; "
        "to be seen again once the blood pressure is controlled.",
    ),
    NotCandidateFinding(
        "bipolar", ("F31.5",), (), {"psychosis": "current"},
        "Bipolar I, current depressive episode with psychotic features (F31.5): not a candidate "
        "while the psychosis is active. Discussed with the treating psychiatrist.",
    ),
    NotCandidateFinding(
        "fibromyalgia", ("M79.7", "F10.20"), ("oxycodone", "alprazolam"),
        {"substance_alcohol": "current"},
        "Current alcohol dependence (F10.20) while taking oxycodone and alprazolam: an active "
        "substance use problem (serial infusions should not be undertaken) and additive "
        "respiratory depression. Referred to addiction medicine; reconsider after sustained "
        "abstinence.",
    ),
    NotCandidateFinding(
        "mdd", ("F32.2", "I67.1"), (), {"aneurysm": True},
        "Nonruptured cerebral aneurysm (I67.1) on a recent MRI: aneurysmal vascular disease is an "
        "absolute contraindication (CI-ANEURYSM). Other options discussed with the patient and "
        "the referring psychiatrist.",
    ),
]

# Common comorbidities, shown by their medication only (not in the indication catalogue).
COMORBID_MEDICATIONS = ["lisinopril", "atorvastatin", "levothyroxine", "amlodipine"]

# --- Evaluation, scores and treatment (clinic/core/demo/journey.py) ---------------------------

# Medication keys that count as antidepressant trials in the intake history (trazodone is taken
# for sleep here, so it does not).
ANTIDEPRESSANTS = {
    "sertraline", "escitalopram", "fluoxetine", "citalopram", "paroxetine", "venlafaxine",
    "duloxetine", "nortriptyline", "bupropion", "mirtazapine", "phenelzine",
}
# Conditions a medication implies, written into the intake's "other conditions".
CONDITION_OF_MEDICATION = {
    "metformin": "Type 2 diabetes",
    "atorvastatin": "High cholesterol",
    "levothyroxine": "Hypothyroidism, on levothyroxine",
}
ANTIHYPERTENSIVES = {"lisinopril", "amlodipine"}

# What the patient told the nurse, per profile ({years}: years since onset).
PSYCHIATRIC_HISTORY = {
    "trd": "Recurrent depression for {years} years; episodes last months. Works part time.",
    "mdd": "First severe depressive episode, {years} years of low mood before it.",
    "bipolar": "Bipolar I; last manic episode {years} years ago. Depressed most of the past year.",
    "bipolar2": "Bipolar II; hypomania is brief, the depressions are long.",
    "ptsd": "PTSD after an assault {years} years ago; nightmares, depression since.",
    "anxiety": "Generalized anxiety since university; depressive episodes for {years} years.",
    "ocd": "OCD since adolescence (checking, intrusive thoughts); partial response to SSRIs.",
    "postpartum": "Depression since the birth of her second child; no history before.",
    "suicidal": "Recurrent depression for {years} years with passive thoughts of death.",
    "fibromyalgia": "Low mood since the pain began; no psychiatric treatment apart from duloxetine.",
}
# (kind, duration in weeks, outcome) of earlier psychotherapy, per profile.
PSYCHOTHERAPY = {
    "trd": ("cbt", 16, "some_benefit"), "mdd": ("cbt", 12, "some_benefit"),
    "bipolar": ("supportive", 40, "some_benefit"), "bipolar2": ("ipt", 16, "some_benefit"),
    "ptsd": ("emdr", 12, "some_benefit"), "anxiety": ("cbt", 14, "good_benefit"),
    "ocd": ("cbt", 20, "some_benefit"), "postpartum": ("ipt", 10, "some_benefit"),
    "suicidal": ("dbt", 26, "some_benefit"),
}
# Baseline PHQ-9 totals per profile (domain.md §5.1 bands: 15–19 moderately severe, 20+ severe).
BASELINE_PHQ9 = {
    "trd": (17, 24), "mdd": (16, 22), "bipolar": (15, 21), "bipolar2": (15, 20),
    "ptsd": (15, 21), "anxiety": (13, 19), "ocd": (12, 18), "postpartum": (16, 21),
    "suicidal": (20, 25), "fibromyalgia": (10, 15),
}
BASELINE_PAIN = (6, 9)  # 0–10 numeric rating at the consultation
GAD7_PROFILES = {"anxiety", "ptsd"}  # a GAD-7 beside the PHQ-9 at baseline

# The standard protocol each profile's induction uses, and the booster protocol that follows.
INDUCTION_PROTOCOL = {"migraine": "headache", "cluster": "headache"}  # else by kind, below
INDUCTION_PROTOCOL_BY_KIND = {"mood": "mood-induction", "pain": "pain-crps"}
BOOSTER_PROTOCOL_BY_KIND = {"mood": "booster", "pain": "pain-booster"}
# Order inputs per protocol code: dose per kg (mg/kg or mg/kg/h), minutes, vial (mg/mL), then the
# bags: (largest dose in mg, ketamine added in mg, diluent mL), the first that holds the dose.
ORDER_INPUTS = {
    "mood-induction": ("0.5", 40, "50", ((50, 50, 49), (100, 100, 98))),
    "pain-crps": ("0.35", 240, "50", ((200, 200, 246),)),
    "headache": ("0.5", 120, "50", ((100, 100, 98), (200, 200, 246))),
}
NON_RESPONDER_TITRATION = (
    "0.75",
    "PHQ-9 unchanged after two infusions, no side effects: dose raised to 0.75 mg/kg (within the "
    "studied range).",
)

# The demo clinic's own protocol: boosters for pain patients (the library has a mood booster only).
PAIN_BOOSTER = {
    "name": "Pain booster",
    "code": "pain-booster",
    "kind": "booster",
    "dosing_mode": "rate_per_hour",
    "default_dose": Decimal("0.35"),
    "default_duration_min": 240,
    "duration_min_min": 120,
    "duration_max_min": 300,
    "usual_range_low": Decimal("0.35"),
    "usual_range_high": Decimal("2.0"),
    "max_mg_per_kg_per_session": Decimal("8.0"),
    "max_mg_per_kg_per_hour": Decimal("2.0"),
    "max_total_mg_per_session": Decimal("200"),
    "minimum_total_mg": Decimal("80"),
    "minimum_total_over_min": 120,
    "weight_basis": "actual",
    "infusions_in_series": 1,
    "minimum_gap_hours": 20,
    "visit_length_min": 300,
    "vitals_every_min_during": 10,
    "vitals_every_min_after": 15,
    "sources": (
        "Demo clinic protocol: one repeat infusion at the CRPS regimen, 0.35 mg/kg/h over 4 h "
        "(§1.4 [V] [Cohen2018]), limits as the Chronic pain protocol (§1.5). The sources give no "
        "maintenance schedule for pain (no domain.md source); the interval follows the patient's "
        "response (clinic policy, set by the medical director)."
    ),
}

SAFETY_ACTION = (
    "Safety assessment at the consultation: passive thoughts of death, no plan, intent or recent "
    "behaviour. Safety plan written with the patient, 988 and the clinic line given; partner "
    "informed with consent. Low risk; proceed with the evaluation."
)
STOP_REASON = "No meaningful change after {n} infusions; stopped by shared decision."

# (substance, reaction, severity)
ALLERGIES = [
    ("Penicillin", "Hives", "moderate"),
    ("Sulfonamide antibiotics", "Rash", "mild"),
    ("Codeine", "Nausea and vomiting", "mild"),
    ("Latex", "Contact dermatitis", "moderate"),
    ("Iodinated contrast", "Anaphylaxis", "severe"),
    ("Peanuts", "Anaphylaxis", "severe"),
    ("Morphine", "Itching", "mild"),
    ("Adhesive tape", "Skin irritation", "mild"),
    ("Ondansetron", "Headache", "unknown"),
]

# Self-check answers of someone with no precaution to report (every question answered).
CLEAR_SELF_CHECK = {
    "adult": "yes", "diagnosis": "yes", "treatments_tried": "yes", "pregnancy": "no",
    "heart": "no", "vascular": "no", "psychosis": "no", "substance_use": "no", "liver": "no",
    "pressure": "no", "danger_recent": "no", "danger_now": "no",
}


@dataclass(frozen=True)
class InboxRequest:
    """A consultation request as the public form would submit it, and what the desk did with it."""

    given_name: str
    family_name: str
    age: int
    interest: str
    hours_ago: int
    phone: str = ""
    email: str = ""
    preferred_contact: str = "phone"
    message: str = ""
    referred_by: str = ""
    self_check: dict | None = None  # changes to CLEAR_SELF_CHECK; None = no self-check
    attempts: tuple[tuple[str, str, str], ...] = ()  # (method, outcome, note)
    close: tuple[str, str] | None = None  # (reason, note)
    convert_in_days: int | None = None  # booked as a consultation this many working days ahead
    sex_at_birth: str = "unknown"


HARBOR_REQUESTS = [
    InboxRequest(
        "Riley", "Donahue", 34, "depression", 2, phone="+16175550160", preferred_contact="phone",
        message="Nothing has helped for years and it is getting worse. Please call me.",
        self_check={"danger_recent": "yes", "danger_now": "no"},
    ),
    InboxRequest(
        "Sofia", "Marchetti", 41, "depression", 5, phone="+16175550161",
        email="sofia.marchetti@example.com", referred_by="Dr. Helen Whitmore",
        message="Three antidepressants so far. My psychiatrist suggested ketamine.",
        self_check={},
    ),
    InboxRequest(
        "Gerald", "Lindholm", 66, "chronic_pain", 20, phone="+16175550162",
        message="Diabetic nerve pain in both feet, worse at night.",
        self_check={"heart": "yes", "treatments_tried": "unsure"},
    ),
    InboxRequest(
        "Amara", "Osei", 29, "chronic_pain", 30, email="amara.osei@example.com",
        preferred_contact="email", referred_by="Dr. Raj Mehta, New England Pain & Spine",
        message="CRPS in my left foot since an ankle fracture last year.",
    ),
    InboxRequest(
        "Tessa", "Kim", 37, "headache", 44, phone="+16175550164", preferred_contact="text",
        message="Chronic migraine, 20+ days a month. Texts are best during work hours.",
    ),
    InboxRequest(
        "Marcus", "Bell", 45, "ptsd", 52, email="marcus.bell@example.com",
        preferred_contact="email", message="Veteran, PTSD. The VA clinic gave me your name.",
        self_check={"substance_use": "unsure"},
    ),
    InboxRequest(
        "Lena", "Hartmann", 32, "postpartum", 26, phone="+16175550166",
        email="lena.hartmann@example.com", message="Our baby is four months old.",
        self_check={"pregnancy": "yes"}, sex_at_birth="female",
    ),
    InboxRequest(
        "Owen", "Fairbanks", 52, "unsure", 140, phone="+16175550167",
        message="What does a consultation cost, and is it covered by insurance?",
    ),
    InboxRequest(
        "Hollis", "Grant", 58, "depression", 96, phone="+16175550168",
        attempts=(("phone", "no_answer", ""), ("phone", "voicemail", "Left callback number.")),
    ),
    InboxRequest(
        "Nina", "Petrova", 27, "anxiety", 72, phone="+16175550169", self_check={},
        attempts=(("phone", "reached", "Prefers a late-afternoon consultation; call back "
                   "Thursday with times."),),
    ),
    InboxRequest(
        "Devon", "Carter", 23, "ocd", 120, email="devon.carter@example.com",
        preferred_contact="email", referred_by="Rebecca Liu, PMHNP",
        attempts=(("email", "sent", "Sent consultation times and the intake forms link."),),
    ),
    InboxRequest(
        "Brian", "Stokes", 48, "depression", 220, phone="+16175550171",
        attempts=(("phone", "reached", "Decided to try TMS first."),),
        close=("not_interested", "Trying TMS first; welcome to ask again."),
    ),
    InboxRequest(
        "Carla", "Jimenez", 39, "chronic_pain", 300, phone="+16175550172",
        attempts=(("phone", "no_answer", ""), ("phone", "voicemail", ""),
                  ("text", "sent", "Asked her to call us back.")),
        close=("unreachable", "Three attempts over a week."),
    ),
    InboxRequest(
        "Sofia", "Marchetti", 41, "depression", 4, phone="+16175550161",
        close=("duplicate", "Same person as the request sent an hour earlier."),
    ),
    InboxRequest(
        "Evan", "Whitley", 44, "depression", 170, phone="+16175550174",
        email="evan.whitley@example.com", referred_by="Dr. Samuel Okonkwo", self_check={},
        attempts=(("phone", "reached", "Booked a consultation."),), convert_in_days=2,
        sex_at_birth="male",
    ),
    InboxRequest(
        "Rosa", "Delacroix", 61, "chronic_pain", 190, phone="+16175550175",
        message="Fibromyalgia for 15 years.",
        attempts=(("phone", "reached", "Booked a consultation; her daughter will drive."),),
        convert_in_days=3, sex_at_birth="female",
    ),
]

SUMMIT_REQUESTS = [
    InboxRequest(
        "Wyatt", "Larkin", 36, "depression", 10, phone="+17205550160", self_check={},
    ),
    InboxRequest(
        "Ivy", "Tran", 31, "headache", 50, phone="+17205550161", preferred_contact="text",
        attempts=(("text", "sent", "Sent two consultation times."),),
    ),
]
# fmt: on
