"""Today at Harbor, through the infusion-day services: six induction patients whose infusion is
today, one in each state of the session (discharged, in recovery, paused, running, ready, checked
in), and the preparation confirmations of the infusions of the next three days.

The services stamp every step with the current time; once a session's steps are done, the demo moves
those stamps back to when the step "happened" (`data.INFUSION_DAY_PLAN`, minutes before now) with
plain updates of the rows' own time columns (`demo_backdate`). The audit trail keeps the real time
of the load. The discharged session is moved back before its discharge is signed, so the signed
record carries the moved times.
"""

import datetime as dt
import random
import uuid

from clinic.accounts.roles import Role
from clinic.core.demo import data
from clinic.core.demo.helpers import demo_backdate
from clinic.core.models import ElectronicSignature
from clinic.infusions.calculations import ALDRETE, PADSS
from clinic.infusions.models import (
    ClinicalRating,
    GateItem,
    InfusionEvent,
    InfusionSession,
    ReadinessCheck,
    RescueDrug,
    RescueMedication,
    Route,
    Severity,
    SideEffect,
    SideEffectKind,
    StopReason,
    VitalAlert,
    VitalPhase,
    VitalSign,
)
from clinic.infusions.selectors import INFUSION_APPOINTMENT_KINDS, infusion_settings
from clinic.infusions.services.charting import (
    rating_record,
    rescue_medication_record,
    side_effect_record,
    vital_record,
)
from clinic.infusions.services.check_in import session_check_in
from clinic.infusions.services.discharge import INSTRUCTION_CODES, session_discharge
from clinic.infusions.services.gate import readiness_check_complete
from clinic.infusions.services.pump import infusion_pause, infusion_start, infusion_stop
from clinic.outcomes.models import ResponseContext
from clinic.patients.models import JourneyStage
from clinic.reminders.models import ConfirmationSource, MedicationChanges, PregnancyStatus
from clinic.reminders.services import preparation_confirm
from clinic.scheduling.models import Appointment, AppointmentStatus
from clinic.scheduling.selectors import clinic_day_bounds
from clinic.scheduling.services import appointment_book

MINUTE = dt.timedelta(minutes=1)
KEYS = uuid.UUID("6d1c0a52-6f0e-4c1e-9d55-2b9a3c1f0a11")  # namespace of the demo's client keys
DEMO_ORDER_CHOICE_REASON = "Earlier infusions of this course were charted before the clinic used this system."
# Upcoming infusions left without a preparation confirmation (every n-th), so the front desk
# sees whom to call.
UNCONFIRMED_EVERY = 5


class InfusionDayMixin:
    """Today's sessions and the preparation confirmations; mixed into the loader's builder."""

    # -- planning (before the patients are built) ---------------------------------------------

    def infusion_day_state(self, slug: str, stage: str, nth: int) -> str | None:
        if slug != data.HARBOR_SLUG or stage != JourneyStage.INDUCTION:
            return None
        return data.INFUSION_DAY.get(nth)

    def infusion_weekend_day(self, slug: str) -> int | None:
        """Harbor opens today for the demo when today is a Saturday or Sunday (its zone)."""
        weekday = self.today(slug).weekday()
        return weekday if slug == data.HARBOR_SLUG and weekday >= 5 else None

    def midnight(self, slug: str) -> dt.datetime:
        return clinic_day_bounds(self.clinics[slug], self.today(slug))[0]

    def since_midnight(self, moment: dt.datetime, slug: str = data.HARBOR_SLUG) -> dt.datetime:
        """`moment`, but not before today's local midnight (a load just after midnight)."""
        return min(max(moment, self.midnight(slug) + MINUTE), self.now)

    def ago(self, minutes: int) -> dt.datetime:
        return self.now - minutes * MINUTE

    def infusion_day_reserve(self, slug: str) -> None:
        """Hold a chair for each of today's sessions (Chair 1, 2, … in plan order) at the time its
        appointment started, on the 5-minute grid, so no other booking takes it."""
        chairs = [room for room in self.rooms[slug] if room.kind == "chair"]
        chair_minutes = self.types[slug]["mood_infusion"].chair_minutes
        for chair, (state, plan) in zip(chairs, data.INFUSION_DAY_PLAN.items(), strict=False):
            start = self.since_midnight(self.ago(plan["appointment"]), slug)
            start = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
            end = start + chair_minutes * MINUTE
            self.calendars[slug].reserve(chair, start, end)
            self.day_slots[state] = (chair, start, end)

    def infusion_day_visit(self, slug: str, patient, kind: str, state: str, minutes) -> Appointment:
        """Book today's infusion in its held chair (not yet checked in)."""
        chair, starts_at, ends_at = self.day_slots[state]
        nurses = self.staff_of(slug, Role.NURSE)
        appointment = appointment_book(
            patient=patient,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            booked_by=self.staff_of(slug, Role.FRONT_DESK)[0],
            room=chair,
            clinician=nurses[list(data.INFUSION_DAY_PLAN).index(state) % len(nurses)],
            appointment_type=self.types[slug][kind],
            active_minutes=minutes[1],
        )
        self.bump("appointments")
        self.day_visits[state] = (patient, appointment)
        return appointment

    def is_infusion_day_visit(self, visit) -> bool:
        return any(appointment.pk == visit.pk for _, appointment in self.day_visits.values())

    # -- today's sessions -----------------------------------------------------------------------

    def infusion_day(self, slug: str) -> None:
        for state, plan in data.INFUSION_DAY_PLAN.items():
            if state in self.day_visits:
                patient, appointment = self.day_visits[state]
                self.day_session(slug, state, plan, patient, appointment)

    def day_session(self, slug: str, state: str, plan: dict, patient, appointment) -> None:
        """One of today's sessions, taken as far as its state through the services, then dated."""
        nurse = self.user_by_pk[appointment.clinician_id]
        rng = random.Random(f"{self.seed}:{patient.record_number}:infusion-day")
        counter = iter(range(1000))

        def key() -> uuid.UUID:
            return uuid.uuid5(KEYS, f"{patient.record_number}:{next(counter)}")

        moves: list[tuple] = []  # (model, pk, fields) to date once the steps are done
        confirmation = self.preparation(slug, appointment, patient, appointment.starts_at - 15 * 60 * MINUTE)
        self.score(
            patient,
            "asq",
            {"q1": 0, "q2": 0, "q3": 0, "q4": 0},
            ResponseContext.PRE_INFUSION,
            nurse,
            self.since_midnight(appointment.starts_at - 18 * MINUTE, slug),
            appointment,
        )
        session = session_check_in(
            appointment=appointment,
            order=self.visit_orders[appointment.pk],
            chair=appointment.room,
            nurse=nurse,
            # The demo's earlier infusions have orders but no sessions, so check-in would take
            # today's order as out of sequence; the service keeps the reason only then.
            order_choice_reason=DEMO_ORDER_CHOICE_REASON,
            submission_key=key(),
        )
        self.bump("infusion sessions")
        moves.append((InfusionSession, session.pk, {"checked_in_at": self.ago(plan["check_in"])}))
        base = {
            "sbp": rng.randint(118, 134),
            "dbp": rng.randint(72, 84),
            "hr": rng.randint(64, 82),
            "spo2": rng.randint(97, 99),
            "rr": rng.randint(13, 16),
        }

        def reading(**change) -> dict:
            values = {name: value + change.get(name, 0) for name, value in base.items()}
            values["spo2"] = min(values["spo2"], 100)
            return values

        if "gate" in plan:
            check = readiness_check_complete(
                session=session,
                completed_by=nurse,
                identity_name_confirmed=True,
                identity_date_of_birth=patient.date_of_birth,
                last_solids_at=confirmation.last_solid_food_at,
                last_clear_liquids_at=confirmation.last_clear_liquid_at,
                escort_name=confirmation.driver_name,
                escort_phone=confirmation.driver_phone,
                escort_confirmed=True,
                medications_reviewed=True,
                medication_changes="",
                pregnancy_status=("not_pregnant" if confirmation.pregnancy_status == "not_pregnant" else ""),
                submission_key=key(),
                temp_c="36.7",
                **reading(),
            )
            if not check.passed:
                failing = {item: check.items[item]["note"] for item in check.failing_items}
                raise RuntimeError(f"Demo readiness gate failed for {patient.record_number}: {failing}")
            gate_at = self.ago(plan["gate"])
            moves.append((ReadinessCheck, check.pk, {"completed_at": gate_at, "created_at": gate_at}))
            moves.append((InfusionSession, session.pk, {"gate_passed_at": gate_at}))
            pre = check.items[GateItem.PRE_DOSE_VITALS]["vital_id"]
            moves.append((VitalSign, pre, {"taken_at": gate_at - MINUTE, "created_at": gate_at - MINUTE}))
        if "start" in plan:
            self.day_infusion(session, plan, nurse, key, reading, moves)
        self.day_moves(moves)
        if "discharge" in plan:
            self.day_discharge(session, plan, nurse, patient, key)

    def day_infusion(self, session, plan, nurse, key, reading, moves) -> None:
        """Start, vital signs at the protocol's cadence, ratings, side effects, pause or stop,
        rescue medication and recovery readings, as far as the plan goes."""
        config = infusion_settings(clinic=session.clinic)
        protocol = session.order.course.protocol
        every = protocol.vitals_every_min_during or config.vitals_interval_during_min
        every_after = protocol.vitals_every_min_after or config.vitals_interval_after_min
        start = plan["start"]
        event = infusion_start(session=session, started_by=nurse, client_key=key())
        moves.append(
            (InfusionEvent, event.pk, {"occurred_at": self.ago(start), "created_at": self.ago(start)})
        )
        moves.append((InfusionSession, session.pk, {"started_at": self.ago(start)}))
        end = plan.get("stop", plan.get("pause", 0))

        def vital(minutes_ago: int, **change) -> VitalSign:
            values = reading(**change)
            record = vital_record(session=session, recorded_by=nurse, client_key=key(), **values)
            at = self.ago(minutes_ago)
            moves.append((VitalSign, record.pk, {"taken_at": at, "created_at": at}))
            for alert in VitalAlert.objects.filter(vital=record):
                moves.append((VitalAlert, alert.pk, {"created_at": at}))
            return record

        def chart(model, record, minutes_ago: int, field: str) -> None:
            at = self.ago(minutes_ago)
            moves.append((model, record.pk, {field: at, "created_at": at}))

        # During the infusion: a reading at the start, then every `every` minutes.
        for index, minutes_ago in enumerate(range(start - 1, end, -every)):
            vital(minutes_ago, sbp=8 + index % 3 * 3, dbp=4 + index % 2 * 2, hr=6, spo2=-1)
        if "stop" not in plan and "pause" not in plan:
            # Still running: the reading just taken is past the pause limit; nobody has
            # acknowledged its alert yet.
            base, (sbp, dbp) = reading(), data.RUNNING_ALERT_BP
            vital(1, sbp=sbp - base["sbp"], dbp=dbp - base["dbp"], hr=14)
        rating = rating_record(session=session, recorded_by=nurse, scale="moaa_s", value=5, client_key=key())
        chart(ClinicalRating, rating, start - 12, "taken_at")
        if start - 15 > end:
            rating = rating_record(
                session=session, recorded_by=nurse, scale="cadss6", value=7, client_key=key()
            )
            chart(ClinicalRating, rating, start - 15, "taken_at")
        if "pause" in plan:
            effect = side_effect_record(
                session=session,
                recorded_by=nurse,
                kind=SideEffectKind.DISSOCIATION,
                severity=Severity.MILD,
                client_key=key(),
                note="Floating feeling, asks for a break.",
            )
            chart(SideEffect, effect, plan["pause"] + 1, "occurred_at")
            event = infusion_pause(session=session, paused_by=nurse, client_key=key(), note=data.PAUSE_NOTE)
            chart(InfusionEvent, event, plan["pause"], "occurred_at")
            vital(plan["pause"] - 2, sbp=6, dbp=3, hr=4)
            return
        if "stop" not in plan:
            return
        stop = plan["stop"]
        nausea = "discharge" not in plan
        if nausea:
            effect = side_effect_record(
                session=session,
                recorded_by=nurse,
                kind=SideEffectKind.NAUSEA,
                severity=Severity.MODERATE,
                client_key=key(),
                note="Nauseated towards the end of the infusion; no vomiting.",
            )
            chart(SideEffect, effect, stop + 6, "occurred_at")
        event = infusion_stop(
            session=session, stopped_by=nurse, reason=StopReason.COMPLETED, client_key=key()
        )
        chart(InfusionEvent, event, stop, "occurred_at")
        moves.append(
            (
                InfusionSession,
                session.pk,
                {"stopped_at": self.ago(stop), "recovery_started_at": self.ago(stop)},
            )
        )
        if nausea:
            medication = rescue_medication_record(
                session=session,
                given_by=nurse,
                drug=RescueDrug.ONDANSETRON,
                dose="4",
                route=Route.IV,
                client_key=key(),
                note="For nausea.",
            )
            chart(RescueMedication, medication, stop - 2, "given_at")
        last = plan.get("discharge", 0)
        for index, minutes_ago in enumerate(range(stop - 3, last, -every_after)):
            vital(minutes_ago, sbp=4 - index, dbp=2, hr=2 - index)
        rating = rating_record(session=session, recorded_by=nurse, scale="moaa_s", value=5, client_key=key())
        chart(ClinicalRating, rating, stop - 5, "taken_at")

    def day_moves(self, moves: list[tuple]) -> None:
        for model, pk, fields in moves:
            demo_backdate(model, pk, **fields)

    def day_discharge(self, session, plan, nurse, patient, key) -> None:
        """The discharge: a last recovery reading (discharge refuses overdue vitals), the score
        (every item at its best), the driver, the patient's typed name and ticks, witnessed by the
        nurse's signature; then dated when it happened."""
        session.refresh_from_db()
        last = session.vitals.filter(phase=VitalPhase.RECOVERY).order_by("-taken_at", "-pk").first()
        final = vital_record(
            session=session,
            recorded_by=nurse,
            client_key=key(),
            **{name: getattr(last, name) for name in ("sbp", "dbp", "hr", "spo2", "rr")},
        )
        config = infusion_settings(clinic=session.clinic)
        system = ALDRETE if config.discharge_score_system == ALDRETE.code else PADSS
        session = session_discharge(
            session=session,
            discharged_by=nurse,
            score_items_given={item.key: max(v for v, _ in item.options) for item in system.items},
            driver_name=patient.escort_name,
            driver_phone=patient.escort_phone,
            patient_typed_name=f"{patient.given_name} {patient.family_name}",
            instructions_acknowledged=INSTRUCTION_CODES,
            password=data.DEMO_PASSWORD,
        )
        at = self.ago(plan["discharge"])
        demo_backdate(VitalSign, final.pk, taken_at=at - MINUTE, created_at=at - MINUTE)
        demo_backdate(InfusionSession, session.pk, discharged_at=at)
        demo_backdate(ElectronicSignature, session.acknowledgement_signature_id, signed_at=at)
        self.bump("discharges")

    # -- preparation confirmations --------------------------------------------------------------

    def preparation(self, slug: str, appointment, patient, confirmed_at, *, by_phone=False, changed=False):
        """The patient's answers to the reminder: fasting times, the driver, medication changes."""
        female = patient.sex_at_birth == "female"
        confirmation = preparation_confirm(
            appointment=appointment,
            last_solid_food_at=appointment.starts_at - 9 * 60 * MINUTE,
            last_clear_liquid_at=appointment.starts_at - 3 * 60 * MINUTE,
            driver_name=patient.escort_name or patient.emergency_contact_name,
            driver_phone=patient.escort_phone or patient.emergency_contact_phone,
            medication_changes=MedicationChanges.CHANGED if changed else MedicationChanges.NONE,
            medication_changes_detail="Started melatonin 3 mg at night." if changed else "",
            pregnancy_status=PregnancyStatus.NOT_PREGNANT if female else PregnancyStatus.NOT_APPLICABLE,
            no_driving_understood=True,
            source=ConfirmationSource.STAFF_PHONE if by_phone else ConfirmationSource.PATIENT_LINK,
            recorded_by=self.staff_of(slug, Role.FRONT_DESK)[0] if by_phone else None,
            now=confirmed_at,
        )
        self.bump("preparation confirmations")
        return confirmation

    def preparations(self, slug: str) -> None:
        """Most infusions of the next three days are confirmed (a few by phone, one with a change of
        medication); every UNCONFIRMED_EVERY-th is not, so the front desk has calls to make."""
        upcoming = (
            Appointment.objects.filter(
                clinic=self.clinics[slug],
                kind__in=INFUSION_APPOINTMENT_KINDS,
                status__in=(AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED),
                starts_at__gt=self.now,
                starts_at__lt=self.now + dt.timedelta(days=3),
                preparation__isnull=True,
            )
            .select_related("patient", "clinic")
            .order_by("starts_at", "pk")
        )
        for index, appointment in enumerate(upcoming, start=1):
            if index % UNCONFIRMED_EVERY == 2:
                continue
            self.preparation(
                slug,
                appointment,
                appointment.patient,
                self.now - (1 + index % 20) * 60 * MINUTE,
                by_phone=index % 4 == 0,
                changed=index == 3,
            )
