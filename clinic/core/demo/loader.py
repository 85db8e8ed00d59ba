"""Build the demo clinic network through the real services (see docs/demo.md).

Everything goes through the same service functions users trigger, so record numbers, audit events,
field history and journey stages are exactly what the application would produce. The random
generator is seeded and every date is relative to today, so each load looks the same on the day.
"""

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import User
from clinic.accounts.roles import Role
from clinic.accounts.services import membership_add, membership_update, user_create
from clinic.core.demo import data
from clinic.core.demo.helpers import (
    RoomCalendar,
    add_working_days,
    demo_appointment_set_status,
    demo_clinic_create,
    demo_remember_password,
    demo_room_create,
    email_for,
    next_working_day,
)
from clinic.core.demo.infusion_day import InfusionDayMixin
from clinic.core.demo.journey import JourneyMixin
from clinic.core.models import Clinic
from clinic.core.selectors import clinic_setting_value
from clinic.intake.models import ConsultationRequest, ContactAttempt
from clinic.intake.services import (
    consultation_request_close,
    consultation_request_convert,
    consultation_request_submit,
    contact_attempt_log,
)
from clinic.patients.models import JourneyStage, Patient
from clinic.patients.services import (
    allergy_add,
    diagnosis_add,
    measurement_record,
    medication_add,
    medication_stop,
    patient_link_portal_user,
    patient_register,
)
from clinic.scheduling import settings as scheduling_keys
from clinic.scheduling.models import AppointmentKind, AppointmentStatus, AppointmentType, Room, RoomKind
from clinic.scheduling.services import (
    appointment_book,
    appointment_types_seed,
    clinic_hours_set,
    clinician_overlaps,
    consultation_book,
    series_book,
    staff_shift_create,
)
from clinic.treatment.services import protocol_library_seed

INDUCTION_INFUSIONS = data.INDUCTION_INFUSIONS
# A visit starting later than this from now is booked in the course's series (series_book refuses
# a start in the past, and the load takes a few seconds).
SERIES_MARGIN = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Planned:
    """An induction visit still to come, reserved in the room calendar, booked later in a series."""

    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    room: Room
    status: str = AppointmentStatus.BOOKED


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    clinic: str
    note: str = ""


@dataclass
class DemoResult:
    loaded: bool
    logins: list[DemoLogin] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Patients worth opening (data.READY_FOR_DECISION…): label -> record number at Harbor.
    highlights: dict[str, str] = field(default_factory=dict)


def demo_exists() -> bool:
    return Clinic.objects.filter(slug=data.HARBOR_SLUG).exists()


def demo_load(
    *,
    now: dt.datetime | None = None,
    seed: int = data.DEMO_SEED,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Load the demo network in one transaction; does nothing when the demo clinic exists.

    `progress` is told each step as it starts ("Patients at Harbor…"), so a person waiting for
    the load sees it move."""
    started = time.monotonic()
    if demo_exists():
        return DemoResult(loaded=False, logins=demo_logins())
    with transaction.atomic():
        builder = _DemoBuilder(now=now or timezone.now(), seed=seed, progress=progress)
        builder.build()
    return DemoResult(
        loaded=True,
        logins=demo_logins(),
        counts=builder.counts,
        seconds=time.monotonic() - started,
        highlights=builder.highlights,
    )


def demo_logins() -> list[DemoLogin]:
    """Every demo login with its role and clinic (they all share data.DEMO_PASSWORD)."""
    names = {slug: spec["name"] for slug, spec in data.CLINICS.items()}
    logins = []
    for member in data.STAFF:
        clinics = " + ".join(names[slug] for slug in (member.clinic, *member.also_at))
        logins.append(DemoLogin(member.username, Role(member.role).label, clinics))
    linked = {
        p.user.username: p
        for p in Patient.objects.filter(
            clinic__slug=data.HARBOR_SLUG, user__username__in=[u for u, _, _ in data.PORTAL_USERS]
        ).select_related("user")
    }
    for username, stage, _ in data.PORTAL_USERS:
        patient = linked.get(username)
        note = f"portal of {patient.full_name} ({patient.record_number}), " if patient else ""
        logins.append(
            DemoLogin(
                username,
                Role.PATIENT.label,
                names[data.HARBOR_SLUG],
                f"{note}{JourneyStage(stage).label.lower()}",
            )
        )
    return logins


HIGHLIGHTS = {
    "ready_for_decision": data.READY_FOR_DECISION,
    "safety_alert": data.SAFETY_ALERT_PATIENT,
    "non_responder": data.NON_RESPONDER,
    "awaiting_double_check": data.AWAITING_DOUBLE_CHECK,
}


def _profile(key: str) -> data.Profile:
    return next(p for p in data.PROFILES if p.key == key)


class _DemoBuilder(JourneyMixin, InfusionDayMixin):
    def __init__(self, *, now: dt.datetime, seed: int, progress: Callable[[str], None] | None = None):
        self.now = now
        self.progress = progress or (lambda step: None)
        self.seed = seed
        self.rng = random.Random(seed)
        # Outcomes of past appointments depend on the time of day the demo is loaded; their own
        # generator keeps names, ages and clinical lists identical whatever the hour.
        self.status_rng = random.Random(seed + 1)
        self.clinics: dict[str, Clinic] = {}
        self.users: dict[str, User] = {}
        self.calendars: dict[str, RoomCalendar] = {}
        self.rooms: dict[str, list[Room]] = {}
        self.patients: dict[str, list[Patient]] = {}
        self.by_stage: dict[tuple[str, str], list[Patient]] = {}
        self.used_names: set[tuple[str, str]] = set()
        self.counts: dict[str, int] = {}
        self.user_by_pk: dict[int, User] = {}
        self.protocols_by_code: dict[str, dict] = {}
        self.vials: dict[str, dict] = {}
        self.last_scores: dict[int, dict[str, int]] = {}
        self.highlights: dict[str, str] = {}
        self.types: dict[str, dict[str, AppointmentType]] = {}
        self.readiness_minutes: dict[str, int] = {}
        self.visit_orders: dict[int, object] = {}  # appointment id -> the order written for it
        self.day_slots: dict[str, tuple] = {}  # infusion-day state -> (chair, start, end)
        self.day_visits: dict[str, tuple] = {}  # infusion-day state -> (patient, appointment)

    # -- orchestration ------------------------------------------------------------------------

    def build(self) -> None:
        names = {slug: spec["name"] for slug, spec in data.CLINICS.items()}
        self.progress("Clinics and staff")
        for slug in data.CLINICS:
            self.clinic(slug)
        self.staff()
        self.progress("Chairs, protocols, clinic hours and shifts")
        for slug in data.CLINICS:
            self.room_set(slug)
            self.protocols(slug)
            self.journey_setup(slug)
            self.scheduling_setup(slug)
        self.infusion_day_reserve(data.HARBOR_SLUG)
        for slug, stages in ((data.HARBOR_SLUG, data.HARBOR_STAGES), (data.SUMMIT_SLUG, data.SUMMIT_STAGES)):
            total = sum(count for _, count in stages)
            self.progress(f"{total} patients at {names[slug]}, each through the journey to their stage")
            self.patient_set(slug, stages)
        self.progress("Consultation requests and portal accounts")
        self.requests(data.HARBOR_SLUG, data.HARBOR_REQUESTS)
        self.requests(data.SUMMIT_SLUG, data.SUMMIT_REQUESTS)
        self.portal_users()
        self.progress(f"Today's infusions at {names[data.HARBOR_SLUG]}")
        self.infusion_day(data.HARBOR_SLUG)
        self.progress("Preparation confirmations and reminders")
        for slug in data.CLINICS:
            self.preparations(slug)
            self.journey_finish(slug)

    def protocols(self, slug: str) -> None:
        """The standard protocol library and stocked vials (domain.md §1), as an admin would seed them."""
        admin = self.staff_of(slug, Role.ADMIN)[0]
        protocol_library_seed(clinic=self.clinics[slug], seeded_by=admin)
        self.bump("protocol libraries")

    def bump(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def today(self, slug: str) -> dt.date:
        return self.now.astimezone(self.clinics[slug].tzinfo).date()

    def staff_of(self, slug: str, role: str) -> list[User]:
        return [
            self.users[m.username]
            for m in data.STAFF
            if m.role == role and (m.clinic == slug or slug in m.also_at)
        ]

    # -- clinics, staff, rooms ----------------------------------------------------------------

    def clinic(self, slug: str) -> None:
        self.clinics[slug] = demo_clinic_create(slug=slug, **data.CLINICS[slug])
        self.bump("clinics")

    def staff(self) -> None:
        first_admin: dict[str, User] = {}
        for member in data.STAFF:
            user = user_create(
                username=member.username,
                password=data.DEMO_PASSWORD,
                clinic=self.clinics[member.clinic],
                role=member.role,
                first_name=member.first_name,
                last_name=member.last_name,
                email=email_for(member.first_name, member.last_name),
                credentials=member.credentials,
                created_by=first_admin.get(member.clinic),
            )
            demo_remember_password(user)
            self.users[member.username] = user
            self.user_by_pk[user.pk] = user
            if member.role == Role.ADMIN:
                first_admin.setdefault(member.clinic, user)
            self.bump("staff")
        for member in data.STAFF:
            for slug in member.also_at:
                membership_add(
                    user=self.users[member.username],
                    clinic=self.clinics[slug],
                    role=member.role,
                    added_by=first_admin[slug],
                )
        for member in data.STAFF:
            if member.medical_director:
                for slug in (member.clinic, *member.also_at):
                    membership_update(
                        membership=self.users[member.username].memberships.get(clinic=self.clinics[slug]),
                        changed_by=first_admin[slug],
                        role=member.role,
                        is_active=True,
                        is_medical_director=True,
                    )

    def room_set(self, slug: str) -> None:
        admin = self.staff_of(slug, Role.ADMIN)[0]
        rooms = [
            demo_room_create(clinic=self.clinics[slug], name=name, kind=kind, created_by=admin)
            for name, kind in data.ROOMS + data.EXTRA_ROOMS.get(slug, [])
        ]
        self.rooms[slug] = rooms
        self.calendars[slug] = RoomCalendar(tz=self.clinics[slug].tzinfo, rooms=rooms)
        self.bump("rooms", len(rooms))

    def scheduling_setup(self, slug: str) -> None:
        """Opening hours, the standard visit types (the scheduling app's own seed) and the nurses'
        shifts, as the administrator and the front desk would enter them."""
        clinic = self.clinics[slug]
        admin = self.staff_of(slug, Role.ADMIN)[0]
        frontdesk = self.staff_of(slug, Role.FRONT_DESK)[0]
        today = self.today(slug)
        weekend_day = self.infusion_weekend_day(slug)
        for weekday in range(7):
            is_open = weekday < 5 or weekday == weekend_day
            clinic_hours_set(
                clinic=clinic,
                weekday=weekday,
                is_closed=not is_open,
                opens=data.CLINIC_OPENS if is_open else None,
                closes=data.CLINIC_CLOSES if is_open else None,
                changed_by=admin,
            )
        appointment_types_seed(clinic=clinic, seeded_by=admin)
        self.types[slug] = {t.kind: t for t in AppointmentType.objects.filter(clinic=clinic, is_active=True)}
        self.readiness_minutes[slug] = clinic_setting_value(clinic, scheduling_keys.READINESS_MINUTES)
        for offset in range(-data.SHIFT_DAYS_BACK, data.SHIFT_DAYS_AHEAD + 1):
            day = today + dt.timedelta(days=offset)
            if day.weekday() >= 5 and not (offset == 0 and weekend_day is not None):
                continue
            for nurse in self.staff_of(slug, Role.NURSE):
                staff_shift_create(
                    clinic=clinic,
                    user=nurse,
                    starts_at=self.at(slug, day, data.SHIFT_STARTS.hour, data.SHIFT_STARTS.minute),
                    ends_at=self.at(slug, day, data.SHIFT_ENDS.hour, data.SHIFT_ENDS.minute),
                    created_by=frontdesk,
                )
                self.bump("nurse shifts")

    # -- patients -----------------------------------------------------------------------------

    def patient_set(self, slug: str, stages) -> None:
        number = 0
        for stage, count in stages:
            for nth in range(count):
                self.patient(slug, stage, nth, number)
                number += 1

    def patient(self, slug: str, stage: str, nth: int, number: int) -> Patient:
        rng = self.rng
        clinic = self.clinics[slug]
        profile = self.pick_profile(slug, stage, nth)
        sex = profile.sex or ("female" if rng.random() < 0.58 else "male")
        age = rng.randint(24, 40) if profile.key == "postpartum" else rng.randint(19, 78)
        if slug == data.HARBOR_SLUG and number == 0:
            age = 19  # the youngest and oldest of the range are both represented
        elif slug == data.HARBOR_SLUG and number == 1:
            age = 78
        given, family = self.unique_name(sex)
        fields = self.demographics(slug, number, given, family, sex, age, stage)
        frontdesk = self.staff_of(slug, Role.FRONT_DESK)[0]
        patient = patient_register(clinic=clinic, registered_by=frontdesk, **fields)
        self.bump("patients")
        self.patients.setdefault(slug, []).append(patient)
        self.by_stage.setdefault((slug, stage), []).append(patient)

        # The rest of this patient draws from its own generator, so how many appointments fall
        # before "now" cannot shift the names and ages of the patients after it.
        own_rng = random.Random(rng.getrandbits(64))
        timeline = self.timeline(slug, patient, stage, nth, profile, own_rng)
        lists = self.clinical_lists(slug, patient, stage, nth, profile, own_rng)
        weight = self.measurements(slug, patient, sex, timeline, own_rng)
        # The clinical journey draws from a generator of its own, so it cannot shift the rest.
        clinical_rng = random.Random(f"{self.seed}:{slug}:{patient.record_number}")
        self.journey(
            slug=slug,
            patient=patient,
            stage=stage,
            nth=nth,
            profile=profile,
            timeline=timeline,
            lists=lists,
            weight=weight,
            rng=clinical_rng,
        )
        if slug == data.HARBOR_SLUG:
            for label, which in HIGHLIGHTS.items():
                if (stage, nth) == which:
                    self.highlights[label] = patient.record_number
        return patient

    def pick_profile(self, slug: str, stage: str, nth: int) -> data.Profile:
        if slug == data.HARBOR_SLUG and (stage, nth) == data.MAOI_PATIENT:
            return _profile("trd")
        if stage == JourneyStage.NOT_CANDIDATE:
            return _profile(data.NOT_CANDIDATE_FINDINGS[nth % len(data.NOT_CANDIDATE_FINDINGS)].profile)
        weights = [p.weight for p in data.PROFILES]
        return self.rng.choices(data.PROFILES, weights=weights)[0]

    def unique_name(self, sex: str) -> tuple[str, str]:
        pool = data.FEMALE_NAMES if sex == "female" else data.MALE_NAMES
        while True:
            name = (self.rng.choice(pool), self.rng.choice(data.FAMILY_NAMES))
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def demographics(
        self, slug: str, number: int, given: str, family: str, sex: str, age: int, stage: str
    ) -> dict:
        rng = self.rng
        today = self.today(slug)
        try:
            birthday = today.replace(year=today.year - age)
        except ValueError:  # 29 February
            birthday = today.replace(year=today.year - age, day=28)
        date_of_birth = birthday - dt.timedelta(days=rng.randint(1, 364))
        area, contact_area, escort_area = data.AREA_CODES[slug]
        suffix = f"01{number:02d}"
        city, state, postal_code = rng.choice(data.TOWNS[slug])
        relationship = rng.choice(data.EMERGENCY_RELATIONSHIPS)
        contact_given = rng.choice(data.MALE_NAMES if sex == "female" else data.FEMALE_NAMES)
        if relationship in ("Mother", "Sister"):
            contact_given = rng.choice(data.FEMALE_NAMES)
        elif relationship in ("Father", "Brother"):
            contact_given = rng.choice(data.MALE_NAMES)
        contact_family = rng.choice(data.FAMILY_NAMES) if relationship == "Friend" else family
        fields = {
            "given_name": given,
            "family_name": family,
            "date_of_birth": date_of_birth,
            "sex_at_birth": sex,
            "phone": f"+1{area}555{suffix}",
            "email": email_for(given, family),
            "address_line": f"{rng.randint(10, 990)} {rng.choice(data.STREETS)}",
            "city": city,
            "state": state,
            "postal_code": postal_code,
            "emergency_contact_name": f"{contact_given} {contact_family}",
            "emergency_contact_relationship": relationship,
            "emergency_contact_phone": f"+1{contact_area}555{suffix}",
        }
        if rng.random() < 0.15:
            fields["preferred_name"] = given[:3] if len(given) > 4 else ""
        if stage != JourneyStage.CONSULTATION or rng.random() < 0.5:
            # The usual driver: the emergency contact when they live together, else a friend.
            if relationship in ("Spouse", "Partner") or rng.random() < 0.4:
                fields["escort_name"] = fields["emergency_contact_name"]
            else:
                fields["escort_name"] = (
                    f"{rng.choice(data.FEMALE_NAMES + data.MALE_NAMES)} {rng.choice(data.FAMILY_NAMES)}"
                )
            fields["escort_phone"] = f"+1{escort_area}555{suffix}"
        if rng.random() < 0.8:
            name, practice, phone, email = rng.choice(data.REFERRERS[slug])
            fields.update(
                referring_clinician_name=name,
                referring_clinician_practice=practice,
                referring_clinician_phone=phone,
                referring_clinician_email=email,
            )
        return fields

    # -- journey timeline and appointments ----------------------------------------------------

    def timeline(self, slug: str, patient: Patient, stage: str, nth: int, profile, rng) -> dict:
        """Book the patient's appointments for their stage; returns the key dates. The induction
        visits still to come are only planned here (`Planned`): the journey books them as one
        series (`series_book`) once the course they belong to is signed."""
        today = self.today(slug)
        infusion_kind = (
            AppointmentKind.PAIN_INFUSION if profile.kind == "pain" else AppointmentKind.MOOD_INFUSION
        )
        protocol = self.protocols_by_code[slug][
            data.INDUCTION_PROTOCOL.get(profile.key) or data.INDUCTION_PROTOCOL_BY_KIND[profile.kind]
        ]
        induction_minutes = self.protocol_minutes(slug, protocol)
        result: dict = {"infusions": []}
        if stage == JourneyStage.CONSULTATION:
            result["consult"] = self.appointment(
                slug,
                patient,
                AppointmentKind.CONSULTATION,
                add_working_days(today, rng.randint(1, 5)),
                rng,
            )
            return result
        offsets = {
            JourneyStage.EVALUATION: (2, 10),
            JourneyStage.CANDIDATE: (8, 20),
            JourneyStage.NOT_CANDIDATE: (5, 40),
            JourneyStage.INDUCTION: None,
            JourneyStage.MAINTENANCE: (60, 220),
            JourneyStage.INACTIVE: (200, 300),
        }
        day_state = self.infusion_day_state(slug, stage, nth)
        if stage == JourneyStage.INDUCTION:
            # Between one and five infusions done; the rest of the series is booked ahead.
            done = rng.randint(1, 5)
            if slug == data.HARBOR_SLUG and (stage, nth) == data.NON_RESPONDER:
                done = data.NON_RESPONDER_DONE  # enough infusions to see that nothing changed
            first = add_working_days(today, -(2 * done + rng.randint(0, 1)))
            if day_state is not None:
                first = add_working_days(today, -2 * done)  # today is the next infusion
            consult_day = add_working_days(first, -rng.randint(5, 10))
        else:
            low, high = offsets[stage]
            consult_day = add_working_days(today, -rng.randint(low, high))
            first = add_working_days(consult_day, rng.randint(5, 12))
        result["consult"] = self.appointment(slug, patient, AppointmentKind.CONSULTATION, consult_day, rng)
        if stage == JourneyStage.CANDIDATE and rng.random() < 0.5:
            # Course signed, first infusion booked soon.
            result["infusions"].append(
                self.appointment(
                    slug,
                    patient,
                    infusion_kind,
                    add_working_days(today, rng.randint(2, 8)),
                    rng,
                    minutes=induction_minutes,
                )
            )
        if stage not in (JourneyStage.INDUCTION, JourneyStage.MAINTENANCE, JourneyStage.INACTIVE):
            return result
        # Induction: six infusions on alternate working days (about Mon/Wed/Fri for two weeks);
        # an inactive patient may have stopped early (no response after three or four).
        count = INDUCTION_INFUSIONS
        if stage == JourneyStage.INACTIVE and rng.random() < 0.5:
            count = rng.randint(3, 4)
        days = [first]
        while len(days) < count:
            days.append(add_working_days(days[-1], 2))
        if day_state is not None:
            # Today (even on a weekend: see infusion_day) is the next infusion of the series.
            days = [add_working_days(today, -2 * k) for k in range(done, 0, -1)] + [today]
            days += [add_working_days(today, 2 * k) for k in range(1, count - done)]
        gap = dt.timedelta(hours=protocol.minimum_gap_hours or 44)
        previous = None
        for day in days:
            if day_state is not None and day == today:
                visit = self.infusion_day_visit(slug, patient, infusion_kind, day_state, induction_minutes)
            else:
                visit = self.appointment(
                    slug,
                    patient,
                    infusion_kind,
                    day,
                    rng,
                    minutes=induction_minutes,
                    not_before=previous.starts_at + gap if previous is not None else None,
                    plan_future=stage == JourneyStage.INDUCTION,
                )
            result["infusions"].append(visit)
            previous = visit
        day = add_working_days(days[-1], 2)
        if stage == JourneyStage.MAINTENANCE:
            booster = AppointmentKind.BOOSTER if profile.kind == "mood" else AppointmentKind.PAIN_INFUSION
            day = add_working_days(day, rng.randint(12, 25))
            while day <= today:
                result["infusions"].append(self.appointment(slug, patient, booster, day, rng))
                day = add_working_days(day, rng.randint(15, 30))
            result["infusions"].append(
                self.appointment(slug, patient, booster, add_working_days(today, rng.randint(1, 15)), rng)
            )
        return result

    def protocol_minutes(self, slug: str, protocol) -> tuple[int, int]:
        """A protocol's chair time and its active (nurse) part: the readiness check + the infusion,
        as the scheduling app counts it (selectors.series_parameters)."""
        chair = protocol.visit_length_min
        return chair, min(chair, protocol.default_duration_min + self.readiness_minutes[slug])

    def type_minutes(self, slug: str, kind: str) -> tuple[int, int | None]:
        appointment_type = self.types[slug][kind]
        infusion = appointment_type.infusion_minutes
        chair = appointment_type.chair_minutes
        return chair, None if infusion is None else min(chair, infusion + self.readiness_minutes[slug])

    def appointment(
        self,
        slug: str,
        patient: Patient,
        kind: str,
        day: dt.date,
        rng,
        *,
        minutes: tuple[int, int | None] | None = None,
        not_before: dt.datetime | None = None,
        plan_future: bool = False,
    ):
        """Book one appointment in a free slot on `day` or after, with its visit type, chair time
        and active part. With `plan_future`, a slot still to come is only reserved and returned as
        `Planned` (the journey books it in the course's series)."""
        frontdesk = self.staff_of(slug, Role.FRONT_DESK)[0]
        room_kind = RoomKind.CONSULT if kind == AppointmentKind.CONSULTATION else RoomKind.CHAIR
        chair_minutes, active_minutes = minutes or self.type_minutes(slug, kind)
        room, starts_at, ends_at = self.calendars[slug].take_on_or_after(
            day=next_working_day(day),
            kind=room_kind,
            minutes=chair_minutes,
            not_before=not_before,
            preferred=rng.randint(0, 6),
        )
        if plan_future and starts_at > self.now + SERIES_MARGIN:
            return Planned(kind=kind, starts_at=starts_at, ends_at=ends_at, room=room)
        if kind == AppointmentKind.CONSULTATION:
            # A physician sees one patient at a time (the booking rules refuse a double booking):
            # the one drawn if free then, else a colleague, else the next free slot.
            clinician = self.free_physician(
                slug, rng.choice(self.staff_of(slug, Role.PHYSICIAN)), starts_at, ends_at
            )
            while clinician is None:
                room, starts_at, ends_at = self.calendars[slug].take_on_or_after(
                    day=starts_at.astimezone(self.clinics[slug].tzinfo).date(),
                    kind=room_kind,
                    minutes=chair_minutes,
                    not_before=starts_at + dt.timedelta(minutes=15),
                )
                clinician = self.free_physician(slug, None, starts_at, ends_at)
            completed_by = clinician
        else:
            clinician = rng.choice(self.staff_of(slug, Role.NURSE))
            completed_by = clinician
        if kind == AppointmentKind.CONSULTATION and starts_at > self.now:
            appointment = consultation_book(
                patient=patient,
                starts_at=starts_at,
                booked_by=frontdesk,
                room=room,
                clinician=clinician,
            )
        else:
            appointment = appointment_book(
                patient=patient,
                kind=kind,
                starts_at=starts_at,
                ends_at=ends_at,
                booked_by=frontdesk,
                room=room,
                clinician=clinician,
                appointment_type=self.types[slug][kind],
                active_minutes=active_minutes,
            )
        self.bump("appointments")
        self.appointment_outcome(slug, appointment, completed_by)
        return appointment

    def free_physician(self, slug: str, drawn, starts_at: dt.datetime, ends_at: dt.datetime):
        """`drawn` if they have no one-to-one visit then, else the first colleague free then (None)."""
        physicians = self.staff_of(slug, Role.PHYSICIAN)
        for physician in ([drawn] if drawn is not None else []) + [p for p in physicians if p != drawn]:
            if (
                clinician_overlaps(
                    clinician=physician,
                    clinic=self.clinics[slug],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    in_chair=False,
                )
                is None
            ):
                return physician
        return None

    def appointment_outcome(self, slug: str, appointment, completed_by) -> None:
        """What happened to a past appointment (mostly completed); one in the next three days is
        mostly confirmed."""
        frontdesk = self.staff_of(slug, Role.FRONT_DESK)[0]
        if appointment.ends_at <= self.now:
            roll = self.status_rng.random()
            if roll < 0.03:
                demo_appointment_set_status(
                    appointment=appointment, status=AppointmentStatus.NO_SHOW, changed_by=frontdesk
                )
            elif roll < 0.06:
                demo_appointment_set_status(
                    appointment=appointment,
                    status=AppointmentStatus.CANCELLED,
                    changed_by=frontdesk,
                    reason="Patient unwell; rebooked.",
                )
            else:
                demo_appointment_set_status(
                    appointment=appointment,
                    status=AppointmentStatus.COMPLETED,
                    changed_by=completed_by,
                )
        elif appointment.starts_at - self.now < dt.timedelta(days=3) and self.status_rng.random() < 0.6:
            demo_appointment_set_status(
                appointment=appointment, status=AppointmentStatus.CONFIRMED, changed_by=frontdesk
            )

    def series_for(self, slug: str, patient: Patient, course, visits: list) -> list:
        """Book the planned induction visits still to come as the course's series (series_book:
        chairs, hours, the nurse ratio and the spacing are checked again); returns `visits` with
        the booked appointments in place of the plans."""
        planned = [v for v in visits if isinstance(v, Planned)]
        if not planned:
            return visits
        series = series_book(
            patient=patient,
            course=course,
            slots=[(v.starts_at, v.ends_at, v.room.pk) for v in planned],
            booked_by=self.staff_of(slug, Role.FRONT_DESK)[0],
        )
        self.bump("appointment series")
        booked = iter(series.appointments.order_by("sequence"))
        result = []
        for visit in visits:
            if isinstance(visit, Planned):
                visit = next(booked)
                self.bump("appointments")
                self.appointment_outcome(slug, visit, None)
            result.append(visit)
        return result

    # -- clinical lists -----------------------------------------------------------------------

    def clinical_lists(self, slug, patient, stage, nth, profile, rng) -> dict[str, list[str]]:
        """Diagnoses, medications (current and tried before) and allergies; returns the medication
        keys {"current": [...], "tried": [...]} for the intake history."""
        today = self.today(slug)
        harbor = slug == data.HARBOR_SLUG
        physician = self.staff_of(slug, Role.PHYSICIAN)[0]
        nurse = self.staff_of(slug, Role.NURSE)[0]
        codes = list(profile.diagnoses)
        med_keys = list(profile.medications)
        for group in profile.options:
            med_keys.append(rng.choice(group))
        if rng.random() < 0.25:
            med_keys.append(rng.choice(data.COMORBID_MEDICATIONS))
        if harbor and (stage, nth) == data.MAOI_PATIENT:
            # An MAOI patient takes no serotonergic or noradrenergic antidepressant alongside it.
            med_keys = ["phenelzine", "lorazepam"]
        if harbor and (stage, nth) == data.STIMULANT_PATIENT:
            med_keys.append("amphetamine")
        if harbor and (stage, nth) == data.THEOPHYLLINE_PATIENT:
            med_keys.append("theophylline")
        if harbor and (stage, nth) == data.CYP_INDUCER_PATIENT:
            med_keys.append("carbamazepine")
        if stage == JourneyStage.NOT_CANDIDATE:
            finding = data.NOT_CANDIDATE_FINDINGS[nth % len(data.NOT_CANDIDATE_FINDINGS)]
            codes = list(finding.codes or codes)
            med_keys += list(finding.medications)
        onset = today.replace(year=today.year - rng.randint(1, 15), day=1)
        for code in dict.fromkeys(codes):
            diagnosis_add(patient=patient, noted_by=physician, icd10_code=code, onset_date=onset)
            self.bump("diagnoses")
        current = [key for key in dict.fromkeys(med_keys) if key]
        for key in current:
            self.medication(patient, nurse, key, today - dt.timedelta(days=rng.randint(60, 1500)))
        tried_keys: list[str] = []
        if profile.kind == "mood":
            # Earlier antidepressant trials that did not help enough, stopped before this one.
            tried = [k for k in data.TRIED_ANTIDEPRESSANTS if k not in current]
            tried_keys = rng.sample(tried, k=rng.randint(1, 2))
            for key in tried_keys:
                started = today - dt.timedelta(days=rng.randint(900, 2500))
                medication = self.medication(patient, physician, key, started)
                medication_stop(
                    medication=medication,
                    stopped_by=physician,
                    stopped_on=started + dt.timedelta(days=rng.randint(60, 300)),
                )
        for substance, reaction, severity in rng.sample(
            data.ALLERGIES, k=rng.choice([0, 0, 0, 1, 1, 1, 1, 2])
        ):
            allergy_add(
                patient=patient,
                recorded_by=nurse,
                substance=substance,
                reaction=reaction,
                severity=severity,
            )
            self.bump("allergies")
        return {"current": current, "tried": tried_keys}

    def medication(self, patient, recorded_by, key: str, started_on: dt.date):
        name, dose, frequency, drug_class = data.MEDICATIONS[key]
        self.bump("medications")
        return medication_add(
            patient=patient,
            recorded_by=recorded_by,
            name=name,
            dose=dose,
            frequency=frequency,
            drug_class=drug_class,
            started_on=started_on,
        )

    def measurements(self, slug: str, patient: Patient, sex: str, timeline: dict, rng) -> Decimal | None:
        """Height and weight at the consultation, weights before infusions; returns the last weight."""
        consult = timeline.get("consult")
        if consult is None or consult.starts_at > self.now:
            return None  # measured at the first visit
        height = rng.uniform(152, 178) if sex == "female" else rng.uniform(165, 193)
        bmi = rng.uniform(19, 35)
        weight = bmi * (height / 100) ** 2
        nurse = self.staff_of(slug, Role.NURSE)[-1]
        moments = [consult.starts_at]
        past = [a.starts_at for a in timeline["infusions"] if a.starts_at <= self.now]
        if past:
            moments.append(past[0])  # weighed for the first dose
            # Weighed again about every eight weeks in maintenance.
            last = past[0]
            for when in past[1:]:
                if when - last >= dt.timedelta(weeks=8):
                    moments.append(when)
                    last = when
        recorded = None
        for index, when in enumerate(moments):
            weight += rng.uniform(-1.5, 1.5) if index else 0
            recorded = Decimal(f"{weight:.1f}")
            measurement_record(
                patient=patient,
                recorded_by=nurse,
                measured_at=when - dt.timedelta(minutes=10),
                weight_kg=recorded,
                height_cm=Decimal(f"{height:.1f}") if index == 0 else None,
            )
            self.bump("measurements")
        return recorded

    # -- inbox --------------------------------------------------------------------------------

    def requests(self, slug: str, requests: list[data.InboxRequest]) -> None:
        clinic = self.clinics[slug]
        frontdesk = self.staff_of(slug, Role.FRONT_DESK)[0]
        today = self.today(slug)
        for spec in requests:
            answers = None
            if spec.self_check is not None:
                answers = {**data.CLEAR_SELF_CHECK, **spec.self_check}
            try:
                birthday = today.replace(year=today.year - spec.age)
            except ValueError:
                birthday = today.replace(year=today.year - spec.age, day=28)
            request_obj = consultation_request_submit(
                clinic=clinic,
                given_name=spec.given_name,
                family_name=spec.family_name,
                email=spec.email,
                phone=spec.phone,
                date_of_birth=birthday - dt.timedelta(days=37),
                preferred_contact=spec.preferred_contact,
                interest=spec.interest,
                message=spec.message,
                referred_by=spec.referred_by,
                self_check_answers=answers,
            )
            received = self.now - dt.timedelta(hours=spec.hours_ago)
            # Demo only: spread the received times over the past days so the inbox reads like a
            # real week (created_at is not part of the audit hash).
            ConsultationRequest.objects.filter(pk=request_obj.pk).update(created_at=received)
            self.bump("requests")
            for index, (method, outcome, note) in enumerate(spec.attempts):
                attempt = contact_attempt_log(
                    request_obj=request_obj,
                    made_by=frontdesk,
                    method=method,
                    outcome=outcome,
                    note=note,
                )
                ContactAttempt.objects.filter(pk=attempt.pk).update(
                    created_at=received + dt.timedelta(hours=3 + 20 * index)
                )
                request_obj.refresh_from_db()
            if spec.close:
                reason, note = spec.close
                consultation_request_close(
                    request_obj=request_obj, closed_by=frontdesk, reason=reason, note=note
                )
            elif spec.convert_in_days is not None:
                day = add_working_days(today, spec.convert_in_days)
                room, starts_at, _ = self.calendars[slug].take_on_or_after(
                    day=day,
                    kind=RoomKind.CONSULT,
                    minutes=self.type_minutes(slug, AppointmentKind.CONSULTATION)[0],
                )
                patient, _ = consultation_request_convert(
                    request_obj=request_obj,
                    converted_by=frontdesk,
                    starts_at=starts_at,
                    room=room,
                    clinician=self.staff_of(slug, Role.PHYSICIAN)[0],
                    patient_fields={"sex_at_birth": spec.sex_at_birth},
                )
                self.bump("patients")
                self.bump("appointments")
                self.patients[slug].append(patient)

    # -- portal -------------------------------------------------------------------------------

    def portal_users(self) -> None:
        slug = data.HARBOR_SLUG
        frontdesk = self.staff_of(slug, Role.FRONT_DESK)[0]
        for username, stage, nth in data.PORTAL_USERS:
            patient = self.by_stage[(slug, stage)][nth]
            user = user_create(
                username=username,
                password=data.DEMO_PASSWORD,
                clinic=self.clinics[slug],
                role=Role.PATIENT,
                first_name=patient.given_name,
                last_name=patient.family_name,
                email=patient.email,
                created_by=frontdesk,
            )
            patient_link_portal_user(patient=patient, user=user, linked_by=frontdesk)
            self.bump("portal users")
            self.portal_scores(patient, user)
