"""A large synthetic clinic network for benchmarks, written with bulk inserts.

This deliberately BYPASSES the per-record services: no per-row audit events, no field history
(django-simple-history rows), no idempotency keys, no validation beyond what the generator
guarantees. Per-row services would take hours for 100,000 patients. Instead each clinic receives
ONE audit event that summarizes what was bulk-loaded, so the audit trail still says where the data
came from and its hash chain still verifies. Never run this against a database holding real
patients.

Each entity has its own small step function (`clinics_create`, `staff_create`, ...), run in order
by `synthetic_generate`; later issues add steps (infusion sessions, scores, ledger entries) by
appending to `STEPS`. Works on SQLite and PostgreSQL (bulk_create returns primary keys on both).
"""

import datetime as dt
import math
import random
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record
from clinic.core.demo import data
from clinic.core.demo.helpers import add_working_days, next_working_day
from clinic.core.models import Clinic
from clinic.patients.models import BodyMeasurement, JourneyStage, Patient, RecordNumberSequence
from clinic.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Room,
    RoomKind,
)

SYNTHETIC_SLUG_PREFIX = "synthetic-"
ALREADY_GENERATED = "Synthetic clinics for seed {seed} already exist; use another --seed or a fresh database."

TIMEZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
STAFF_PLAN = [(Role.ADMIN, 1), (Role.PHYSICIAN, 2), (Role.NURSE, 4), (Role.FRONT_DESK, 2)]

# Share of patients per journey stage in a clinic that has run for a while.
STAGE_SHARES = [
    (JourneyStage.CONSULTATION, 0.08),
    (JourneyStage.EVALUATION, 0.07),
    (JourneyStage.CANDIDATE, 0.05),
    (JourneyStage.NOT_CANDIDATE, 0.08),
    (JourneyStage.INDUCTION, 0.07),
    (JourneyStage.MAINTENANCE, 0.35),
    (JourneyStage.INACTIVE, 0.30),
]
PAIN_SHARE = 0.35
PATIENTS_PER_CHAIR = 75  # chairs scale with a clinic's size so the calendar never overflows
CHAIR_SLOTS = [dt.time(8), dt.time(9, 30), dt.time(11), dt.time(12, 30), dt.time(14), dt.time(15, 30)]
CONSULT_SLOTS = [dt.time(h) for h in (9, 10, 11, 13, 14, 15, 16)]
MINUTES = {
    AppointmentKind.CONSULTATION: 60,
    AppointmentKind.MOOD_INFUSION: 90,
    AppointmentKind.BOOSTER: 90,
    AppointmentKind.PAIN_INFUSION: 270,
}


@dataclass(frozen=True)
class SyntheticConfig:
    clinics: int = 50
    patients: int = 100_000
    seed: int = 1
    years: float = 1.0
    batch_size: int = 5_000


@dataclass
class PatientRow:
    """What later steps need to know about a generated patient (kept small: 100,000 of them)."""

    id: int
    clinic_id: int
    stage: str
    pain: bool
    female: bool
    consult_day: dt.date


@dataclass
class SyntheticContext:
    config: SyntheticConfig
    rng: random.Random
    now: dt.datetime
    clinics: list[Clinic] = field(default_factory=list)
    patients_per_clinic: dict[int, int] = field(default_factory=dict)
    staff: dict[int, dict[str, list[int]]] = field(default_factory=dict)  # clinic -> role -> ids
    rooms: dict[int, dict[str, list[int]]] = field(default_factory=dict)  # clinic -> kind -> ids
    patients: list[PatientRow] = field(default_factory=list)
    # Start times of each patient's attended (completed) visits, for measurements and later steps.
    visits: dict[int, list[dt.datetime]] = field(default_factory=dict)
    tzinfos: dict[int, zoneinfo.ZoneInfo] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def today(self, clinic_id: int) -> dt.date:
        return self.now.astimezone(self.tz(clinic_id)).date()

    def tz(self, clinic_id: int) -> zoneinfo.ZoneInfo:
        return self.tzinfos[clinic_id]


def _bulk(model, rows: list, ctx: SyntheticContext, what: str) -> list:
    created = model.objects.bulk_create(rows, batch_size=ctx.config.batch_size)
    ctx.counts[what] = ctx.counts.get(what, 0) + len(created)
    return created


# -- steps ----------------------------------------------------------------------------------------


def clinics_create(ctx: SyntheticContext) -> None:
    """Clinics with uneven sizes (0.5x to 1.5x the average), like a real network."""
    cfg = ctx.config
    prefix = f"{SYNTHETIC_SLUG_PREFIX}{cfg.seed}-"
    if Clinic.objects.filter(slug__startswith=prefix).exists():
        raise ValueError(ALREADY_GENERATED.format(seed=cfg.seed))
    rows = []
    for n in range(1, cfg.clinics + 1):
        town, state, postal_code = ctx.rng.choice(data.TOWNS[data.HARBOR_SLUG] + data.TOWNS[data.SUMMIT_SLUG])
        rows.append(
            Clinic(
                name=f"Synthetic Clinic {cfg.seed}-{n:03d}",
                slug=f"{prefix}{n:03d}",
                timezone=TIMEZONES[n % len(TIMEZONES)],
                phone=f"+1617555{100 + n % 100:04d}",
                email=f"clinic{n:03d}@example.com",
                address_line=f"{n} Synthetic Way",
                city=town,
                state=state,
                postal_code=postal_code,
            )
        )
    ctx.clinics = _bulk(Clinic, rows, ctx, "clinics")
    for clinic in ctx.clinics:
        ctx.tzinfos[clinic.pk] = zoneinfo.ZoneInfo(clinic.timezone)
    weights = [ctx.rng.uniform(0.5, 1.5) for _ in ctx.clinics]
    total = sum(weights)
    shares = [cfg.patients * w / total for w in weights]
    counts = [math.floor(s) for s in shares]
    # Largest remainders get the leftover patients so the total is exact.
    for index in sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)[
        : cfg.patients - sum(counts)
    ]:
        counts[index] += 1
    ctx.patients_per_clinic = {c.pk: n for c, n in zip(ctx.clinics, counts, strict=True)}


def staff_create(ctx: SyntheticContext) -> None:
    """Nine staff per clinic; all share the demo password (hashed once, for speed)."""
    password = make_password(data.DEMO_PASSWORD)
    users, roles = [], []
    for index, clinic in enumerate(ctx.clinics, start=1):
        for role, count in STAFF_PLAN:
            for k in range(1, count + 1):
                users.append(
                    User(
                        username=f"syn{ctx.config.seed}-{index:03d}-{role}{k}",
                        password=password,
                        first_name=ctx.rng.choice(data.FEMALE_NAMES + data.MALE_NAMES),
                        last_name=ctx.rng.choice(data.FAMILY_NAMES),
                        credentials={Role.PHYSICIAN: "MD", Role.NURSE: "RN"}.get(role, ""),
                    )
                )
                roles.append((clinic.pk, role))
    users = _bulk(User, users, ctx, "staff")
    memberships = []
    for user, (clinic_id, role) in zip(users, roles, strict=True):
        memberships.append(Membership(user_id=user.pk, clinic_id=clinic_id, role=role))
        ctx.staff.setdefault(clinic_id, {}).setdefault(role, []).append(user.pk)
    _bulk(Membership, memberships, ctx, "memberships")


def rooms_create(ctx: SyntheticContext) -> None:
    rows = []
    for clinic in ctx.clinics:
        chairs = max(4, math.ceil(ctx.patients_per_clinic[clinic.pk] / PATIENTS_PER_CHAIR))
        consults = max(2, math.ceil(chairs / 4))
        rows += [
            Room(clinic_id=clinic.pk, name=f"Chair {n}", kind=RoomKind.CHAIR) for n in range(1, chairs + 1)
        ]
        rows += [
            Room(clinic_id=clinic.pk, name=f"Consult {n}", kind=RoomKind.CONSULT)
            for n in range(1, consults + 1)
        ]
    for room in _bulk(Room, rows, ctx, "rooms"):
        ctx.rooms.setdefault(room.clinic_id, {}).setdefault(room.kind, []).append(room.pk)


def _stage_consult_day(ctx: SyntheticContext, stage: str, today: dt.date) -> dt.date:
    """When the patient's consultation was (or will be), consistent with their stage."""
    history = max(45, int(ctx.config.years * 365))
    ranges = {
        JourneyStage.CONSULTATION: (-3, 20),
        JourneyStage.EVALUATION: (-30, -1),
        JourneyStage.CANDIDATE: (-60, -5),
        JourneyStage.NOT_CANDIDATE: (-history, -5),
        JourneyStage.INDUCTION: (-25, -9),
        JourneyStage.MAINTENANCE: (-history, -40),
        JourneyStage.INACTIVE: (-history, -40),
    }
    low, high = ranges[stage]
    return next_working_day(today + dt.timedelta(days=ctx.rng.randint(low, high)))


def patients_create(ctx: SyntheticContext) -> None:
    """Patients with per-clinic record numbers; each clinic's RecordNumberSequence moves past them."""
    rng = ctx.rng
    stages = [s for s, _ in STAGE_SHARES]
    stage_weights = [w for _, w in STAGE_SHARES]
    sequences = {
        s.clinic_id: s for s in RecordNumberSequence.objects.filter(clinic_id__in=[c.pk for c in ctx.clinics])
    }
    new_sequences = []
    batch: list[Patient] = []
    meta: list[tuple] = []

    def flush() -> None:
        for patient, (stage, pain, female, consult_day) in zip(
            _bulk(Patient, batch, ctx, "patients"), meta, strict=True
        ):
            ctx.patients.append(PatientRow(patient.pk, patient.clinic_id, stage, pain, female, consult_day))
        batch.clear()
        meta.clear()

    for clinic in ctx.clinics:
        count = ctx.patients_per_clinic[clinic.pk]
        sequence = sequences.get(clinic.pk)
        first = sequence.next_value if sequence else 1001
        if sequence:
            RecordNumberSequence.objects.filter(pk=sequence.pk).update(next_value=first + count)
        else:
            new_sequences.append(RecordNumberSequence(clinic_id=clinic.pk, next_value=first + count))
        today = ctx.today(clinic.pk)
        town, state, postal_code = clinic.city, clinic.state, clinic.postal_code
        for n in range(count):
            female = rng.random() < 0.58
            given = rng.choice(data.FEMALE_NAMES if female else data.MALE_NAMES)
            family = rng.choice(data.FAMILY_NAMES)
            stage = rng.choices(stages, weights=stage_weights)[0]
            age = rng.randint(19, 78)
            suffix = f"01{n % 100:02d}"
            batch.append(
                Patient(
                    clinic_id=clinic.pk,
                    record_number=f"MRN-{first + n:06d}",
                    given_name=given,
                    family_name=family,
                    date_of_birth=today - dt.timedelta(days=age * 365 + rng.randint(0, 364)),
                    sex_at_birth="female" if female else "male",
                    phone=f"+1617555{suffix}",
                    email=f"p{clinic.pk}-{first + n}@example.com",
                    address_line=f"{rng.randint(10, 990)} {rng.choice(data.STREETS)}",
                    city=town,
                    state=state,
                    postal_code=postal_code,
                    emergency_contact_name=f"{rng.choice(data.FEMALE_NAMES)} {family}",
                    emergency_contact_relationship=rng.choice(data.EMERGENCY_RELATIONSHIPS),
                    emergency_contact_phone=f"+1781555{suffix}",
                    escort_name=f"{rng.choice(data.MALE_NAMES)} {family}",
                    escort_phone=f"+1857555{suffix}",
                    journey_stage=stage,
                )
            )
            meta.append((stage, rng.random() < PAIN_SHARE, female, _stage_consult_day(ctx, stage, today)))
            if len(batch) >= ctx.config.batch_size:
                flush()
    flush()
    RecordNumberSequence.objects.bulk_create(new_sequences)


class _ChairBook:
    """Assigns appointments to free room slots per clinic and day, so bookings never overlap.

    Chairs have six 90-minute slots a day; a 4.5-hour pain infusion takes a half day (three slots
    of one chair). Consultation rooms have seven one-hour slots. A full day spills to the next
    working day.
    """

    def __init__(self, ctx: SyntheticContext):
        self.ctx = ctx
        self.chair_fill: dict[tuple[int, dt.date], list[int]] = {}
        self.consult_fill: dict[tuple[int, dt.date], int] = {}

    def book(self, clinic_id: int, day: dt.date, kind: str) -> tuple[int, dt.datetime, dt.datetime]:
        rooms = self.ctx.rooms[clinic_id]
        tz = self.ctx.tz(clinic_id)
        minutes = dt.timedelta(minutes=MINUTES[kind])
        day = next_working_day(day)
        while True:
            if kind == AppointmentKind.CONSULTATION:
                used = self.consult_fill.get((clinic_id, day), 0)
                capacity = len(rooms[RoomKind.CONSULT]) * len(CONSULT_SLOTS)
                if used < capacity:
                    self.consult_fill[(clinic_id, day)] = used + 1
                    room_index, slot = divmod(used, len(CONSULT_SLOTS))
                    start = dt.datetime.combine(day, CONSULT_SLOTS[slot], tzinfo=tz)
                    return rooms[RoomKind.CONSULT][room_index], start, start + minutes
            else:
                chairs = rooms[RoomKind.CHAIR]
                fill = self.chair_fill.setdefault((clinic_id, day), [0] * len(chairs))
                long = kind == AppointmentKind.PAIN_INFUSION
                for index, used in enumerate(fill):
                    if long:
                        if used in (0, 3):
                            fill[index] = used + 3
                            break
                    elif used < len(CHAIR_SLOTS):
                        fill[index] = used + 1
                        break
                else:
                    index = -1
                if index >= 0:
                    slot = fill[index] - (3 if long else 1)
                    start = dt.datetime.combine(day, CHAIR_SLOTS[slot], tzinfo=tz)
                    return chairs[index], start, start + minutes
            day = add_working_days(day, 1)


def _appointment_plan(ctx: SyntheticContext, row: PatientRow, today: dt.date):
    """(kind, day) of each of the patient's appointments, following their journey stage."""
    rng = ctx.rng
    plan = [(AppointmentKind.CONSULTATION, row.consult_day)]
    if row.stage not in (JourneyStage.INDUCTION, JourneyStage.MAINTENANCE, JourneyStage.INACTIVE):
        return plan
    infusion = AppointmentKind.PAIN_INFUSION if row.pain else AppointmentKind.MOOD_INFUSION
    day = add_working_days(row.consult_day, rng.randint(5, 10))
    count = 6 if row.stage != JourneyStage.INACTIVE or rng.random() < 0.6 else rng.randint(3, 4)
    for _ in range(count):
        plan.append((infusion, day))
        day = add_working_days(day, 2)
    if row.stage == JourneyStage.INDUCTION:
        return plan
    booster = AppointmentKind.PAIN_INFUSION if row.pain else AppointmentKind.BOOSTER
    # Maintenance continues up to today and one booking ahead; inactive stopped some time ago.
    stop = today if row.stage == JourneyStage.MAINTENANCE else today - dt.timedelta(days=rng.randint(30, 120))
    day = add_working_days(day, rng.randint(10, 25))
    while day <= stop:
        plan.append((booster, day))
        day = day + dt.timedelta(days=rng.randint(21, 42))
    if row.stage == JourneyStage.MAINTENANCE:
        plan.append((booster, day))
    return plan


def appointments_create(ctx: SyntheticContext) -> None:
    """Consultations, induction series and boosters over the history window, with outcomes."""
    rng = ctx.rng
    book = _ChairBook(ctx)
    batch: list[Appointment] = []
    for row in ctx.patients:
        staff = ctx.staff[row.clinic_id]
        today = ctx.today(row.clinic_id)
        for kind, day in _appointment_plan(ctx, row, today):
            room_id, starts_at, ends_at = book.book(row.clinic_id, day, kind)
            consult = kind == AppointmentKind.CONSULTATION
            if ends_at <= ctx.now:
                roll = rng.random()
                status = (
                    AppointmentStatus.NO_SHOW
                    if roll < 0.03
                    else AppointmentStatus.CANCELLED
                    if roll < 0.06
                    else AppointmentStatus.COMPLETED
                )
                if status == AppointmentStatus.COMPLETED:
                    ctx.visits.setdefault(row.id, []).append(starts_at)
            else:
                status = (
                    AppointmentStatus.CONFIRMED
                    if starts_at - ctx.now < dt.timedelta(days=3)
                    else AppointmentStatus.BOOKED
                )
            batch.append(
                Appointment(
                    clinic_id=row.clinic_id,
                    patient_id=row.id,
                    kind=kind,
                    status=status,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    room_id=room_id,
                    clinician_id=rng.choice(staff[Role.PHYSICIAN] if consult else staff[Role.NURSE]),
                    booked_by_id=rng.choice(staff[Role.FRONT_DESK]),
                    cancel_reason="Patient unwell." if status == AppointmentStatus.CANCELLED else "",
                )
            )
            if len(batch) >= ctx.config.batch_size:
                _bulk(Appointment, batch, ctx, "appointments")
                batch.clear()
    _bulk(Appointment, batch, ctx, "appointments")


def measurements_create(ctx: SyntheticContext) -> None:
    """Height and weight at the first visit, then weight about every eight weeks of treatment."""
    rng = ctx.rng
    batch: list[BodyMeasurement] = []
    for row in ctx.patients:
        moments = sorted(ctx.visits.get(row.id, []))
        if not moments:
            continue
        nurse_ids = ctx.staff[row.clinic_id][Role.NURSE]
        height = rng.uniform(152, 178) if row.female else rng.uniform(165, 193)
        weight = rng.uniform(19, 35) * (height / 100) ** 2
        taken = [moments[0]]
        for when in moments[1:]:
            if when - taken[-1] >= dt.timedelta(weeks=8):
                taken.append(when)
        for index, when in enumerate(taken):
            weight = min(300.0, max(40.0, weight + (rng.uniform(-1.5, 1.5) if index else 0)))
            batch.append(
                BodyMeasurement(
                    clinic_id=row.clinic_id,
                    patient_id=row.id,
                    measured_at=when - dt.timedelta(minutes=10),
                    weight_kg=Decimal(f"{weight:.1f}"),
                    height_cm=Decimal(f"{height:.1f}") if index == 0 else None,
                    recorded_by_id=rng.choice(nurse_ids),
                )
            )
            if len(batch) >= ctx.config.batch_size:
                _bulk(BodyMeasurement, batch, ctx, "measurements")
                batch.clear()
    _bulk(BodyMeasurement, batch, ctx, "measurements")


def audit_summaries_write(ctx: SyntheticContext) -> None:
    """One audit event per clinic that says what was bulk-loaded (per-row events were skipped)."""
    per_clinic: dict[int, dict[str, int]] = {c.pk: {} for c in ctx.clinics}
    for row in ctx.patients:
        per_clinic[row.clinic_id]["patients"] = per_clinic[row.clinic_id].get("patients", 0) + 1
    with transaction.atomic():
        for clinic in ctx.clinics:
            audit_record(
                action=AuditAction.CREATE,
                actor=None,
                clinic=clinic,
                obj=clinic,
                summary=(
                    "Synthetic benchmark data bulk-loaded by generate_synthetic "
                    "(per-record audit events and field history deliberately skipped)"
                ),
                extra={
                    "generator": "generate_synthetic",
                    "seed": ctx.config.seed,
                    "years": ctx.config.years,
                    "patients": per_clinic[clinic.pk].get("patients", 0),
                    "network_totals": dict(ctx.counts),
                },
            )
    ctx.counts["audit events"] = len(ctx.clinics)


def analyze(ctx: SyntheticContext) -> None:
    """Refresh the planner's statistics so the first benchmark query plans on real numbers."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


Step = Callable[[SyntheticContext], None]
STEPS: list[tuple[str, Step]] = [
    ("clinics", clinics_create),
    ("staff", staff_create),
    ("rooms", rooms_create),
    ("patients", patients_create),
    ("appointments", appointments_create),
    ("measurements", measurements_create),
    ("audit", audit_summaries_write),
]


def synthetic_generate(
    config: SyntheticConfig,
    *,
    now: dt.datetime | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> SyntheticContext:
    """Run every step in one transaction (all or nothing), then ANALYZE; returns counts/timings."""
    ctx = SyntheticContext(config=config, rng=random.Random(config.seed), now=now or timezone.now())
    started = time.monotonic()
    with transaction.atomic():
        for name, step in STEPS:
            t0 = time.monotonic()
            step(ctx)
            ctx.timings[name] = time.monotonic() - t0
            log(f"{name:<14} {ctx.timings[name]:7.1f} s")
    t0 = time.monotonic()
    analyze(ctx)
    ctx.timings["analyze"] = time.monotonic() - t0
    log(f"{'analyze':<14} {ctx.timings['analyze']:7.1f} s")
    ctx.timings["total"] = time.monotonic() - started
    return ctx
