"""The clinical half of the demo journey, through the real services: baseline scores and the intake
history at the consultation, the physician's signed candidacy decision, treatment courses with
their signed and double-checked infusion orders, and scores before and after each infusion.

Stages move the way the services move them: a "candidate" or "not a candidate" decision sets the
stage, activating an induction course sets induction, activating a booster course sets
maintenance. Only "evaluation" (the consultation took place) and "inactive" have no service yet;
the loader sets those two itself.

The pure functions (answers, trajectories, intake answers) come first, then `JourneyMixin`, the
part of the loader's builder that writes.
"""

import datetime as dt
import random
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, OuterRef, Subquery

from clinic.accounts.roles import Role
from clinic.core.demo import data
from clinic.core.demo.helpers import add_working_days, demo_backdate
from clinic.core.models import ElectronicSignature
from clinic.evaluation.models import CandidacyDecision, DecisionOutcome, IntakeHistory, IntakeSource
from clinic.evaluation.services import candidacy_decision_sign, intake_history_submit
from clinic.outcomes.models import QuestionnaireResponse, ResponseContext, ResponseSource, SafetyAlert
from clinic.outcomes.services import questionnaire_response_record, safety_alert_acknowledge
from clinic.patients.icd10 import icd10_lookup
from clinic.patients.models import JourneyStage, Patient
from clinic.patients.services import patient_set_stage
from clinic.scheduling.models import Appointment, AppointmentStatus
from clinic.treatment.models import (
    Diluent,
    DosingMode,
    InfusionOrder,
    Protocol,
    StockedProduct,
    TreatmentCourse,
)
from clinic.treatment.services import (
    course_activate,
    course_complete,
    course_create,
    course_sign,
    course_stop,
    order_create,
    order_sign,
    order_verify,
    protocol_create,
)

MINUTE = dt.timedelta(minutes=1)
MISSED = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)

# --- Answers and trajectories (pure) ---------------------------------------------------------

# How often each PHQ-9 question (1–8) carries the weight of a total: mood and anhedonia, sleep and
# energy first, as in most depressed patients.
_PHQ9_WEIGHTS = (3, 3, 2, 3, 2, 2, 2, 1)


def _spread(total: int, items: int, rng: random.Random, weights=None) -> list[int]:
    """`items` answers of 0–3 that add up to `total` (clamped to what the items can hold)."""
    total = max(0, min(total, 3 * items))
    answers = [0] * items
    weights = list(weights or (1,) * items)
    for _ in range(total):
        open_items = [i for i in range(items) if answers[i] < 3]
        answers[rng.choices(open_items, weights=[weights[i] for i in open_items])[0]] += 1
    return answers


def phq9_answers(total: int, rng: random.Random, *, item9: int = 0) -> dict[str, int]:
    """PHQ-9 answers adding up to `total`, with question 9 (self-harm) answered `item9`."""
    rest = _spread(total - item9, 8, rng, _PHQ9_WEIGHTS)
    return {f"q{n}": value for n, value in enumerate(rest, start=1)} | {"q9": item9}


def gad7_answers(total: int, rng: random.Random) -> dict[str, int]:
    return {f"q{n}": value for n, value in enumerate(_spread(total, 7, rng), start=1)}


def asq_answers(*, positive: bool) -> dict[str, int]:
    """A negative ASQ, or a non-acute positive one (wished to be dead, not thinking of it now)."""
    if positive:
        return {"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 0}
    return {"q1": 0, "q2": 0, "q3": 0, "q4": 0}


# The fraction of the baseline score left at the end of the induction series.
RESPONSE_FRACTION = {"responder": (0.2, 0.45), "partial": (0.55, 0.7), "none": (0.85, 1.0)}


def score_trajectory(
    baseline: int, visits: int, rng: random.Random, *, fraction: float, top: int
) -> list[int]:
    """Scores before each of `visits` infusions: the baseline at the first, then a decay towards
    `fraction` of it (most of the change after two or three infusions), with a point of noise."""
    scores = []
    for k in range(visits):
        value = baseline * (fraction + (1 - fraction) * 0.5**k) + rng.choice((-1, 0, 0, 1))
        scores.append(max(0, min(top, round(value))))
    return scores


def _dose(text: str) -> tuple[Decimal | None, str | None]:
    match = re.fullmatch(r"(\d+(?:\.\d+)?) (mg|mcg)", text)
    return (Decimal(match.group(1)), match.group(2)) if match else (None, None)


def _trial(key: str, *, weeks: int, adequate: bool, outcome: str) -> dict:
    name, dose, _, _ = data.MEDICATIONS[key]
    amount, unit = _dose(dose)
    return {
        "drug": name,
        "dose_amount": str(amount) if amount is not None else None,
        "dose_unit": unit,
        "duration_weeks": weeks,
        "adequate": adequate,
        "outcome": outcome,
    }


def intake_answers(
    *,
    profile: data.Profile,
    current: list[str],
    tried: list[str],
    sex: str,
    today: dt.date,
    rng: random.Random,
    overrides: dict | None = None,
) -> dict:
    """The intake history a nurse fills in with the patient (clinic/evaluation/intake_schema.py):
    antidepressant trials from the chart (earlier ones failed, the current one helps partly),
    therapy, substances, medical history consistent with the medication list."""
    mood = profile.kind == "mood" or profile.key == "fibromyalgia"
    trials = []
    if mood:
        for index, key in enumerate(k for k in tried if k in data.ANTIDEPRESSANTS):
            outcome = (
                "no_response"
                if index == 0
                else rng.choice(("partial_response", "no_response", "not_tolerated"))
            )
            trials.append(
                _trial(key, weeks=rng.randint(8, 26), adequate=outcome != "not_tolerated", outcome=outcome)
            )
        for key in current:
            if key in data.ANTIDEPRESSANTS:
                trials.append(
                    _trial(key, weeks=rng.randint(12, 104), adequate=True, outcome="partial_response")
                )
    therapy = data.PSYCHOTHERAPY.get(profile.key)
    history = data.PSYCHIATRIC_HISTORY.get(profile.key, "No psychiatric history.")
    answers = {
        "psychiatric_history": history.format(years=rng.randint(2, 15)),
        "antidepressant_trials": trials,
        "psychotherapy": (
            [{"kind": therapy[0], "duration_weeks": therapy[1], "outcome": therapy[2]}] if therapy else []
        ),
        "ect_courses": [],
        "tms_courses": [],
        "hospital_stays": [],
        "substance_alcohol": rng.choice(("never", "never", "past")),
        "substance_cannabis": rng.choice(("never", "never", "past")),
        "substance_stimulants": "never",
        "substance_opioids": "never",
        "substance_other": "never",
        "psychosis": "never",
        "mania_history": "yes" if profile.interest == "bipolar_depression" else "no",
        "hypertension": "controlled" if data.ANTIHYPERTENSIVES & set(current) else "no",
        "liver_disease": "no",
        "thyroid": "other" if "levothyroxine" in current else "no",
        "other_conditions": "; ".join(
            data.CONDITION_OF_MEDICATION[k] for k in current if k in data.CONDITION_OF_MEDICATION
        ),
        "pregnant": "no" if sex == "female" else "not_applicable",
        "breastfeeding": "no",
        "medications_confirmed": True,
        "allergies_confirmed": True,
    }
    if profile.key == "trd" and rng.random() < 0.35:
        outcome = rng.choice(("no_benefit", "some_benefit"))
        answers["tms_courses"] = [
            {"year": today.year - rng.randint(1, 4), "sessions": 36, "outcome": outcome}
        ]
    if profile.key == "suicidal":
        answers["hospital_stays"] = [
            {
                "year": today.year - rng.randint(1, 5),
                "length_days": rng.randint(5, 14),
                "reason": "Suicidal thoughts",
                "involuntary": False,
            }
        ]
    elif profile.key == "bipolar" and rng.random() < 0.6:
        answers["hospital_stays"] = [
            {
                "year": today.year - rng.randint(2, 10),
                "length_days": rng.randint(10, 21),
                "reason": "Manic episode",
                "involuntary": rng.random() < 0.3,
            }
        ]
    answers.update(overrides or {})
    return answers


def candidate_reason(*, profile: data.Profile, medications: list[str], failed_trials: int) -> str:
    """The physician's reason for "candidate": the indication, then what to watch."""
    if profile.kind == "pain":
        reason = (
            "Chronic pain despite the usual treatments; start with the pain protocol and reassess "
            "the pain scores after the series."
        )
    elif profile.interest == "depression" and failed_trials >= 2:
        reason = (
            f"Treatment-resistant depression: {failed_trials} failed adequate antidepressant "
            "trials. Mood induction series, 0.5 mg/kg over 40 min."
        )
    else:
        reason = (
            "Off-label indication discussed (no consensus grading); the patient consents. Mood "
            "induction series, 0.5 mg/kg over 40 min."
        )
    notes = []
    for key in medications:
        name, _, _, drug_class = data.MEDICATIONS[key]
        if drug_class == "benzodiazepine":
            notes.append(f"Hold {name.lower()} the evening before and the morning of each infusion.")
        elif drug_class == "psychostimulant":
            notes.append(f"No {name.split('/')[0].lower()} on infusion mornings; pre-dose blood pressure.")
        elif drug_class == "opioid":
            notes.append(f"{name}: watch sedation and allow a longer recovery.")
        elif drug_class == "cyp_inducer":
            notes.append(f"{name} lowers ketamine exposure; titrate by response.")
        elif drug_class == "lamotrigine":
            notes.append("Lamotrigine may blunt the perceptual effects; continue it.")
    return " ".join([reason, *dict.fromkeys(notes), "No contraindication found."])


def failed_trials(answers: dict) -> int:
    return sum(
        1
        for trial in answers["antidepressant_trials"]
        if trial["adequate"] and trial["outcome"] in ("no_response", "partial_response")
    )


# --- Writing the journey ---------------------------------------------------------------------


@dataclass
class Baseline:
    """The baseline totals a patient's later scores start from (None: not measured)."""

    phq9: int | None = None
    pain: int | None = None
    gad7: int | None = None


class JourneyMixin:
    """The clinical journey of one demo patient; mixed into the loader's builder, whose state
    (`now`, `clinics`, `staff_of`, `today`, `bump`, `user_by_pk`) it uses."""

    def journey_setup(self, slug: str) -> None:
        """The demo clinic's own pain booster protocol, and lookups of protocols and vials."""
        admin = self.staff_of(slug, Role.ADMIN)[0]
        protocol_create(clinic=self.clinics[slug], created_by=admin, **data.PAIN_BOOSTER)
        self.protocols_by_code[slug] = {
            p.code: p for p in Protocol.objects.filter(clinic=self.clinics[slug], is_active=True)
        }
        self.vials[slug] = {
            p.concentration_mg_per_ml: p for p in StockedProduct.objects.filter(clinic=self.clinics[slug])
        }

    def special(self, slug: str, stage: str, nth: int, which: tuple) -> bool:
        return slug == data.HARBOR_SLUG and (stage, nth) == which

    def at(self, slug: str, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.clinics[slug].tzinfo)

    def journey(self, *, slug, patient, stage, nth, profile, timeline, lists, weight, rng) -> None:
        """Everything after the consultation, up to the patient's stage: baseline scores and the
        intake (evaluation), the signed decision, the courses, the orders of induction infusions and
        the scores at each infusion. `lists` are the chart's medication keys, `weight` the last one
        recorded (the dosing weight of induction orders)."""
        consult = timeline.get("consult")
        if stage == JourneyStage.CONSULTATION or consult is None or consult.starts_at > self.now:
            return
        physician = self.user_by_pk[consult.clinician_id]
        nurse = self.staff_of(slug, Role.NURSE)[0]
        seen = consult.starts_at
        # The consultation took place: the patient is under evaluation (no service moves this yet).
        patient_set_stage(patient=patient, stage=JourneyStage.EVALUATION, changed_by=physician)
        baseline = self.baseline(slug, patient, stage, nth, profile, consult, nurse, physician, rng)
        finding = None
        if stage == JourneyStage.NOT_CANDIDATE:
            finding = data.NOT_CANDIDATE_FINDINGS[nth % len(data.NOT_CANDIDATE_FINDINGS)]
        answers = intake_answers(
            profile=profile,
            current=lists["current"],
            tried=lists["tried"],
            sex=patient.sex_at_birth,
            today=self.today(slug),
            rng=rng,
            overrides=finding.intake if finding else None,
        )
        intake = intake_history_submit(
            patient=patient, submitted_by=nurse, source=IntakeSource.STAFF, data=answers
        )
        demo_backdate(
            IntakeHistory, intake.pk, created_at=seen + 30 * MINUTE, submitted_at=seen + 50 * MINUTE
        )
        self.bump("intake histories")
        if stage == JourneyStage.EVALUATION:
            return  # the physician has not decided yet

        seen_day = seen.astimezone(self.clinics[slug].tzinfo).date()
        decided_at = min(
            self.at(slug, add_working_days(seen_day, rng.randint(1, 3)), 17, 10),
            self.now - dt.timedelta(hours=2),
        )
        if finding is not None:
            outcome, reason = DecisionOutcome.NOT_CANDIDATE, finding.reason
        else:
            outcome = DecisionOutcome.CANDIDATE
            reason = candidate_reason(
                profile=profile, medications=lists["current"], failed_trials=failed_trials(answers)
            )
        decision = candidacy_decision_sign(
            patient=patient,
            decided_by=physician,
            decision=outcome,
            reason=reason,
            password=data.DEMO_PASSWORD,
            now=decided_at,
        )
        demo_backdate(CandidacyDecision, decision.pk, created_at=decided_at)
        demo_backdate(ElectronicSignature, decision.signature_id, signed_at=decided_at + MINUTE)
        self.bump("candidacy decisions")
        if stage == JourneyStage.NOT_CANDIDATE:
            return

        infusions = timeline["infusions"]
        induction_code = (
            data.INDUCTION_PROTOCOL.get(profile.key) or data.INDUCTION_PROTOCOL_BY_KIND[profile.kind]
        )
        if stage == JourneyStage.CANDIDATE:
            if infusions:  # the course is signed and the first infusion booked
                self.course(slug, patient, physician, induction_code, profile, infusions[0], decided_at)
            return

        visits = infusions[: data.INDUCTION_INFUSIONS] if stage != JourneyStage.INACTIVE else infusions
        course = self.course(slug, patient, physician, induction_code, profile, visits[0], decided_at)
        self.activate(course, physician, visits[0])
        if stage == JourneyStage.INDUCTION:
            visits = self.series_for(slug, patient, course, visits)  # the visits still to come
        response = self.response_kind(slug, stage, nth, len(visits), rng)
        fraction = rng.uniform(*RESPONSE_FRACTION[response])
        trajectory = self.trajectories(baseline, len(visits), fraction, rng, mood=profile.kind == "mood")
        done = 0
        for index, visit in enumerate(visits):
            if visit.status in MISSED or visit.starts_at > self.now:
                continue
            # Done, or in the chair right now: scored before it started, on a checked order.
            self.visit_scores(patient, visit, nurse, trajectory, index, rng)
            if stage == JourneyStage.INDUCTION:
                self.order_for(slug, course, physician, visit, weight, stage, nth, done, rng)
            done += 1
        if stage == JourneyStage.INDUCTION:
            upcoming = next((v for v in visits if v.starts_at > self.now and v.status not in MISSED), None)
            if upcoming is not None:
                self.order_for(slug, course, physician, upcoming, weight, stage, nth, done, rng)
            return

        last = visits[-1]
        if stage == JourneyStage.INACTIVE:
            if len(visits) < data.INDUCTION_INFUSIONS:
                course_stop(course=course, stopped_by=physician, reason=data.STOP_REASON.format(n=done))
            else:
                course_complete(course=course, completed_by=physician)
            demo_backdate(TreatmentCourse, course.pk, ended_at=last.ends_at + dt.timedelta(hours=1))
            patient_set_stage(patient=patient, stage=JourneyStage.INACTIVE, changed_by=physician)
            return

        # Maintenance: the induction series is completed; boosters follow under a booster course.
        course_complete(course=course, completed_by=physician)
        demo_backdate(TreatmentCourse, course.pk, ended_at=last.ends_at + dt.timedelta(hours=1))
        boosters = infusions[data.INDUCTION_INFUSIONS :]
        booster = self.course(
            slug,
            patient,
            physician,
            data.BOOSTER_PROTOCOL_BY_KIND[profile.kind],
            profile,
            boosters[0],
            last.ends_at + dt.timedelta(hours=2),
            follows=course,
            planned=12,
        )
        self.activate(booster, physician, boosters[0])
        for visit in boosters:
            if visit.status not in MISSED and visit.starts_at <= self.now:
                # Scores creep up as a booster's effect wears off, then the booster brings them down.
                self.visit_scores(patient, visit, nurse, trajectory, -1, rng, drift=rng.randint(0, 3))

    # -- pieces of the journey ------------------------------------------------------------------

    def baseline(self, slug, patient, stage, nth, profile, consult, nurse, physician, rng) -> Baseline:
        """PHQ-9 (mood) or the pain score, the ASQ, and a GAD-7 for anxiety, at the consultation."""
        suicidal = profile.key == "suicidal"
        item9 = 2 if suicidal else 1 if self.special(slug, stage, nth, data.SAFETY_ALERT_PATIENT) else 0
        when = consult.starts_at + 15 * MINUTE
        result = Baseline()
        responses = [
            self.score(
                patient, "asq", asq_answers(positive=suicidal), ResponseContext.BASELINE, nurse, when, consult
            )
        ]
        if profile.key in data.BASELINE_PHQ9:
            result.phq9 = rng.randint(*data.BASELINE_PHQ9[profile.key])
            answers = phq9_answers(result.phq9, rng, item9=item9)
            responses.append(
                self.score(patient, "phq9", answers, ResponseContext.BASELINE, nurse, when + MINUTE, consult)
            )
        if profile.kind == "pain":
            result.pain = rng.randint(*data.BASELINE_PAIN)
            responses.append(
                self.score(
                    patient,
                    "pain_nrs",
                    {"pain": result.pain},
                    ResponseContext.BASELINE,
                    nurse,
                    when + 2 * MINUTE,
                    consult,
                )
            )
        if profile.key in data.GAD7_PROFILES:
            result.gad7 = rng.randint(12, 18)
            responses.append(
                self.score(
                    patient,
                    "gad7",
                    gad7_answers(result.gad7, rng),
                    ResponseContext.BASELINE,
                    nurse,
                    when + 3 * MINUTE,
                    consult,
                )
            )
        if suicidal:
            # Passive thoughts of death at the consultation: the physician assessed the risk there and
            # then, so these alerts are acknowledged (only the demo's moderate case stays open).
            for response in responses:
                alert = SafetyAlert.objects.filter(response=response).first()
                if alert is not None:
                    safety_alert_acknowledge(
                        alert=alert, acknowledged_by=physician, action_taken=data.SAFETY_ACTION
                    )
                    demo_backdate(SafetyAlert, alert.pk, acknowledged_at=consult.starts_at + 50 * MINUTE)
        return result

    def score(self, patient, code, answers, context, entered_by, when, related, source=ResponseSource.STAFF):
        response = questionnaire_response_record(
            patient=patient,
            instrument_code=code,
            answers=answers,
            context=context,
            entered_by=entered_by,
            completed_at=when,
            source=source,
            related=related,
        )
        self.bump("questionnaire responses")
        self.last_scores.setdefault(patient.pk, {})[code] = response.total
        return response

    def trajectories(self, baseline: Baseline, visits: int, fraction: float, rng, *, mood: bool) -> dict:
        """Scores before each infusion: PHQ-9 (and GAD-7) for mood patients, pain for pain patients."""
        result: dict[str, list] = {}
        if mood and baseline.phq9 is not None:
            result["phq9"] = score_trajectory(baseline.phq9, visits, rng, fraction=fraction, top=27)
        if mood and baseline.gad7 is not None:
            result["gad7"] = score_trajectory(baseline.gad7, visits, rng, fraction=fraction, top=21)
        if baseline.pain is not None:
            # Pain falls less than mood scores do; the infusion itself lowers it for the day.
            pain_fraction = 0.45 + fraction * 0.5
            result["pain"] = score_trajectory(baseline.pain, visits, rng, fraction=pain_fraction, top=10)
        return result

    def visit_scores(self, patient, visit: Appointment, nurse, trajectory, index, rng, drift=0) -> None:
        """Before the infusion: PHQ-9 for mood (and GAD-7 for anxiety); pain before and, once the
        infusion is over, after."""
        before = visit.starts_at - 20 * MINUTE
        today_visit = self.is_infusion_day_visit(visit)
        if today_visit:
            before = self.since_midnight(before)  # today's questionnaire, for the readiness gate
        for code in ("phq9", "gad7"):
            if code in trajectory:
                total = min(trajectory[code][index] + drift, 27 if code == "phq9" else 21)
                answers = phq9_answers(total, rng) if code == "phq9" else gad7_answers(total, rng)
                self.score(patient, code, answers, ResponseContext.PRE_INFUSION, nurse, before, visit)
        if "pain" in trajectory:
            pre = min(trajectory["pain"][index] + drift, 10)
            post = max(0, pre - rng.randint(2, 4))
            self.score(patient, "pain_nrs", {"pain": pre}, ResponseContext.PRE_INFUSION, nurse, before, visit)
            after = visit.ends_at - 10 * MINUTE
            if after <= self.now and not today_visit:
                self.score(
                    patient, "pain_nrs", {"pain": post}, ResponseContext.POST_INFUSION, nurse, after, visit
                )

    def response_kind(self, slug, stage, nth, visits, rng) -> str:
        if self.special(slug, stage, nth, data.NON_RESPONDER):
            return "none"
        if stage == JourneyStage.INACTIVE and visits < data.INDUCTION_INFUSIONS:
            return "none"  # stopped early for lack of effect
        return "responder" if rng.random() < 0.75 else "partial"

    def course(
        self,
        slug,
        patient,
        physician,
        code,
        profile,
        first: Appointment,
        signed_at,
        *,
        follows=None,
        planned=None,
    ):
        """Draft and sign a course (physician, password) dated `signed_at`."""
        protocol = self.protocols_by_code[slug][code]
        diagnosis = icd10_lookup(profile.diagnoses[0])
        if protocol.kind == "booster":
            indication = f"Boosters after the induction series: {diagnosis.description}"
        else:
            indication = diagnosis.description
        course = course_create(
            patient=patient,
            protocol=protocol,
            created_by=physician,
            indication=indication,
            icd10_code=diagnosis.code,
            goals=(
                "Response: PHQ-9 down by half or more; remission below 5."
                if profile.kind == "mood"
                else "Pain score down by 30 % or more, lasting between infusions."
            ),
            planned_infusions=planned or data.INDUCTION_INFUSIONS,
            planned_start_date=first.starts_at.astimezone(self.clinics[slug].tzinfo).date(),
            follows=follows,
            now=signed_at,  # drafted then: the planned start is checked against that day
        )
        course = course_sign(course=course, signer=physician, password=data.DEMO_PASSWORD)
        demo_backdate(TreatmentCourse, course.pk, created_at=signed_at + 5 * MINUTE)
        demo_backdate(ElectronicSignature, course.signature_id, signed_at=signed_at + 10 * MINUTE)
        self.bump("treatment courses")
        return course

    def activate(self, course, physician, first: Appointment) -> None:
        course_activate(course=course, activated_by=physician)
        when = min(first.starts_at - 30 * MINUTE, self.now)
        demo_backdate(TreatmentCourse, course.pk, activated_at=when)

    def order_for(self, slug, course, physician, visit: Appointment, weight, stage, nth, done, rng) -> None:
        """The order of one infusion: drafted and signed by the physician, double-checked by the
        infusion's nurse before it starts (the upcoming one the day before; one is left waiting)."""
        per_kg, minutes, vial, bags = data.ORDER_INPUTS[course.protocol.code]
        dose_per_kg, reason = Decimal(per_kg), ""
        non_responder = self.special(slug, stage, nth, data.NON_RESPONDER)
        if non_responder and done >= 2:
            dose_per_kg = Decimal(data.NON_RESPONDER_TITRATION[0])
            reason = data.NON_RESPONDER_TITRATION[1] if done == 2 else ""
        hours = Decimal(minutes) / 60 if course.protocol.dosing_mode == DosingMode.RATE_PER_HOUR else 1
        dose_mg = dose_per_kg * hours * weight
        _, added, diluent = next((b for b in bags if b[0] >= dose_mg), bags[-1])
        order = order_create(
            course=course,
            created_by=physician,
            dose_per_kg=dose_per_kg,
            duration_min=minutes,
            product=self.vials[slug][Decimal(vial)],
            drug_mg_added=Decimal(added),
            diluent=Diluent.NS,
            diluent_volume_ml=Decimal(diluent),
            titration_reason=reason,
        )
        order = order_sign(
            order=order,
            signer=physician,
            password=data.DEMO_PASSWORD,
            acknowledged_warnings=[w["code"] for w in order.warnings],
        )
        if visit.starts_at <= self.now:
            signed_at = visit.starts_at - 8 * MINUTE  # after the weight taken on arrival
        else:
            signed_at = self.now - dt.timedelta(hours=rng.randint(2, 5))
        demo_backdate(InfusionOrder, order.pk, created_at=signed_at - 2 * MINUTE)
        demo_backdate(ElectronicSignature, order.signature_id, signed_at=signed_at)
        self.bump("infusion orders")
        self.visit_orders[visit.pk] = order
        if visit.starts_at > self.now and self.special(slug, stage, nth, data.AWAITING_DOUBLE_CHECK):
            return  # signed; the nurse's double check is still to do
        # The visit's nurse double-checks; a series visit has none yet: the clinic's first nurse.
        nurse = self.user_by_pk.get(visit.clinician_id) or self.staff_of(slug, Role.NURSE)[0]
        order = order_verify(
            order=order,
            verifier=nurse,
            password=data.DEMO_PASSWORD,
            dose_mg=order.dose_mg,
            bag_concentration_mg_per_ml=order.bag_concentration_mg_per_ml,
            rate_ml_h=order.rate_ml_h,
            patient_date_of_birth=course.patient.date_of_birth,
            identity_confirmed=True,
        )
        self.visit_orders[visit.pk] = order
        demo_backdate(
            ElectronicSignature,
            order.verification_signature_id,
            signed_at=min(signed_at + 4 * MINUTE, self.now),
        )
        self.bump("orders double-checked")

    def portal_scores(self, patient: Patient, user) -> None:
        """A score the portal patient sent from home between visits."""
        when = self.now - dt.timedelta(days=2, hours=3)
        last = self.last_scores.get(patient.pk, {})
        rng = random.Random(f"{data.DEMO_SEED}:{patient.record_number}:portal")
        if "pain_nrs" in last:
            answers, code = {"pain": max(0, last["pain_nrs"] - 1)}, "pain_nrs"
        elif "phq9" in last:
            answers, code = phq9_answers(last["phq9"] + rng.choice((-1, 0, 1)), rng), "phq9"
        else:
            return
        self.score(
            patient,
            code,
            answers,
            ResponseContext.BETWEEN_VISITS,
            user,
            when,
            None,
            source=ResponseSource.PATIENT,
        )

    def journey_finish(self, slug: str) -> None:
        """Date the score records and alerts at their completion time (demo only, see helpers)."""
        clinic = self.clinics[slug]
        QuestionnaireResponse.objects.filter(clinic=clinic).update(created_at=F("completed_at"))
        completed = QuestionnaireResponse.objects.filter(pk=OuterRef("response_id")).values("completed_at")
        SafetyAlert.objects.filter(clinic=clinic).update(created_at=Subquery(completed[:1]))
