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
    # Infusion history (clinic/core/demo/synthetic.py, infusion steps): at most this many charted
    # sessions per clinic and day from the completed infusion appointments; 0 skips the history.
    sessions_per_clinic_per_day: int = 0
    # Today's live sessions (the board's load): this share of each clinic's chairs is occupied.
    live_chair_share: float = 0.0


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
    # Infusion steps: clinic -> {"mood"/"pain": protocol id, "product": id, "product_name": str}.
    infusion_setup: dict[int, dict] = field(default_factory=dict)

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
        for patient in batch:  # bulk_create() skips Patient.save(), which sets these
            patient.set_name_search_keys()
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


# -- the infusion day: a year of charted sessions, and today's live chairs -------------------------
#
# Added for the live board and the infusion-day benchmark (bench/bench_infusion_day.py). Like the
# steps above they bulk-insert and bypass the services (no per-row audit events); the rows follow
# the same rules the services enforce: one session per appointment and per order, verified orders,
# vitals at the protocol's cadence (pre-dose, every 10 min during, every 15 min in recovery).

INFUSION_APPOINTMENT_KINDS = (
    AppointmentKind.MOOD_INFUSION,
    AppointmentKind.PAIN_INFUSION,
    AppointmentKind.BOOSTER,
)
# Shares of sessions with each kind of incident (product assumptions for load, not clinical data;
# domain.md §3.2 reports severe hypertension in ~1 % of sessions, §3.3 nausea is common).
ALERT_SHARE = 0.05
SIDE_EFFECT_SHARE = 0.15
RESCUE_SHARE = 0.08
PAUSE_SHARE = 0.10
STOPPED_EARLY_SHARE = 0.02
ACKNOWLEDGED_ACTION = "Paused; rechecked after 5 min; physician informed."
SESSION_CHUNK = 2_000  # sessions built and inserted per round, so memory stays flat
GATE_ITEMS = (
    "identity",
    "order",
    "fasting",
    "escort",
    "medications",
    "pregnancy",
    "questionnaire",
    "suicide_screen",
    "pre_dose_vitals",
)
LIVE_STATUS_SHARES = [
    ("running", 0.65),
    ("paused", 0.05),
    ("recovering", 0.15),
    ("ready", 0.05),
    ("checked_in", 0.10),
]


def _uuid(rng: random.Random):
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)


def infusion_setup_create(ctx: SyntheticContext) -> None:
    """Each clinic's mood and pain protocols (the standard library's values) and its 50 mg/mL vial."""
    if not (ctx.config.sessions_per_clinic_per_day or ctx.config.live_chair_share):
        return
    from clinic.treatment.models import Protocol, StockedProduct
    from clinic.treatment.services.protocols import STANDARD_PRODUCTS, STANDARD_PROTOCOLS

    wanted = {"mood-induction": "mood", "pain-crps": "pain"}
    definitions = [d for d in STANDARD_PROTOCOLS if d["code"] in wanted]
    name, concentration, volume = next(p for p in STANDARD_PRODUCTS if p[1] == Decimal("50"))
    protocols, products = [], []
    for clinic in ctx.clinics:
        admin = ctx.staff[clinic.pk][Role.ADMIN][0]
        protocols += [Protocol(clinic_id=clinic.pk, created_by_id=admin, **d) for d in definitions]
        products.append(
            StockedProduct(
                clinic_id=clinic.pk, name=name, concentration_mg_per_ml=concentration, vial_volume_ml=volume
            )
        )
    for protocol in _bulk(Protocol, protocols, ctx, "protocols"):
        ctx.infusion_setup.setdefault(protocol.clinic_id, {})[wanted[protocol.code]] = protocol.pk
    for product in _bulk(StockedProduct, products, ctx, "stocked products"):
        ctx.infusion_setup[product.clinic_id].update(product=product.pk, product_name=product.name)


@dataclass
class _Plan:
    """One session to write: its appointment, patient, order inputs and what happens in it."""

    clinic_id: int
    appointment_id: int
    patient_id: int
    chair_id: int
    nurse_id: int
    physician_id: int
    pain: bool
    checked_in_at: dt.datetime
    weight_kg: Decimal
    measurement_id: int
    status: str = "discharged"
    now: dt.datetime | None = None  # live sessions: chart only up to now


def _measurements_by_patient(ctx: SyntheticContext) -> dict[int, list[tuple[dt.datetime, int, Decimal]]]:
    found: dict[int, list[tuple[dt.datetime, int, Decimal]]] = {}
    rows = (
        BodyMeasurement.objects.filter(clinic_id__in=[c.pk for c in ctx.clinics], weight_kg__isnull=False)
        .order_by("patient_id", "measured_at")
        .values_list("patient_id", "measured_at", "pk", "weight_kg")
    )
    for patient_id, measured_at, pk, weight in rows.iterator(chunk_size=ctx.config.batch_size):
        found.setdefault(patient_id, []).append((measured_at, pk, weight))
    return found


def _weight_at(measurements, moment: dt.datetime) -> tuple[int, Decimal]:
    chosen = measurements[0]
    for row in measurements:
        if row[0] <= moment:
            chosen = row
    return chosen[1], chosen[2]


def _order_numbers(pain: bool, weight: Decimal) -> dict:
    """Dose, bag and rate as the calculator would give them (domain.md §1.6), 1 mg/mL bags."""
    q = Decimal("0.000001")
    if pain:
        per_h = Decimal("0.35")
        duration = 240
        dose = (per_h * weight * 4).quantize(q)
        drug_mg, diluent = Decimal("250"), Decimal("245")
        fields = {"dose_mg_per_kg_per_h": per_h, "dosing_mode": "rate_per_hour"}
    else:
        per_kg = Decimal("0.5")
        duration = 40
        dose = (per_kg * weight).quantize(q)
        drug_mg, diluent = Decimal("50"), Decimal("49")
        fields = {"dose_mg_per_kg": per_kg, "dosing_mode": "fixed_dose_over_time"}
    drug_volume = (drug_mg / Decimal("50")).quantize(q)
    final = diluent + drug_volume
    conc = (drug_mg / final).quantize(q)
    volume = (dose / conc).quantize(q)
    exact = (volume * 60 / duration).quantize(q)
    rate = exact.quantize(Decimal("0.1"))
    delivered = (rate * duration / 60 * conc).quantize(q)
    return {
        **fields,
        "duration_min": duration,
        "drug_mg_added": drug_mg,
        "diluent_volume_ml": diluent,
        "dose_mg": dose,
        "drug_volume_ml": drug_volume,
        "final_volume_ml": final,
        "bag_concentration_mg_per_ml": conc,
        "volume_to_infuse_ml": volume,
        "rate_ml_h_exact": exact,
        "rate_ml_h": rate,
        "delivered_dose_mg": delivered,
    }


class _SessionWriter:
    """Builds sessions with their orders and charting rows, and bulk-inserts them in chunks."""

    def __init__(self, ctx: SyntheticContext):
        from clinic.treatment.models import TreatmentCourse

        self.ctx = ctx
        self.rng = ctx.rng
        self.courses: dict[tuple[int, bool], int] = {}
        self.sequences: dict[int, int] = {}
        self.course_model = TreatmentCourse
        self.pending: list[_Plan] = []

    def add(self, plan: _Plan) -> None:
        self.pending.append(plan)
        if len(self.pending) >= SESSION_CHUNK:
            self.flush()

    def _ensure_courses(self) -> None:
        missing = {
            (p.patient_id, p.pain): p for p in self.pending if (p.patient_id, p.pain) not in self.courses
        }
        rows = []
        for (_, pain), plan in missing.items():
            setup = self.ctx.infusion_setup[plan.clinic_id]
            rows.append(
                self.course_model(
                    clinic_id=plan.clinic_id,
                    patient_id=plan.patient_id,
                    protocol_id=setup["pain" if pain else "mood"],
                    indication="Chronic pain (CRPS)" if pain else "Treatment-resistant depression",
                    icd10_code="G90.50" if pain else "F33.2",
                    status="active",
                    planned_infusions=10 if pain else 6,
                    created_by_id=plan.physician_id,
                    activated_at=plan.checked_in_at,
                )
            )
        for course, key in zip(_bulk(self.course_model, rows, self.ctx, "courses"), missing, strict=True):
            self.courses[key] = course.pk

    def flush(self) -> None:
        from clinic.infusions import models as im
        from clinic.treatment.models import InfusionOrder

        if not self.pending:
            return
        rng = self.rng
        self._ensure_courses()
        orders = []
        numbers = []
        for plan in self.pending:
            course_id = self.courses[(plan.patient_id, plan.pain)]
            self.sequences[course_id] = self.sequences.get(course_id, 0) + 1
            setup = self.ctx.infusion_setup[plan.clinic_id]
            values = _order_numbers(plan.pain, plan.weight_kg)
            numbers.append(values)
            orders.append(
                InfusionOrder(
                    clinic_id=plan.clinic_id,
                    course_id=course_id,
                    patient_id=plan.patient_id,
                    sequence=self.sequences[course_id],
                    status="verified",
                    weight_measurement_id=plan.measurement_id,
                    measured_weight_kg=plan.weight_kg,
                    weight_basis="actual",
                    dosing_weight_kg=plan.weight_kg,
                    product_id=setup["product"],
                    vial_concentration_mg_per_ml=Decimal("50"),
                    diluent="ns",
                    pump_resolution_ml_h=Decimal("0.1"),
                    created_by_id=plan.physician_id,
                    **values,
                )
            )
        orders = _bulk(InfusionOrder, orders, self.ctx, "orders")

        sessions = []
        timelines = []
        for plan, order, values in zip(self.pending, orders, numbers, strict=True):
            session, timeline = self._session(plan, order, values)
            sessions.append(session)
            timelines.append(timeline)
        sessions = _bulk(im.InfusionSession, sessions, self.ctx, "infusion sessions")

        rows: dict[str, list] = {
            "checks": [],
            "events": [],
            "vitals": [],
            "effects": [],
            "rescue": [],
            "ratings": [],
        }
        alert_specs = []  # (index into rows["vitals"], session, nurse, acknowledge time)
        for session, timeline in zip(sessions, timelines, strict=True):
            common = {"clinic_id": session.clinic_id, "session_id": session.pk}
            if timeline["check_at"] is not None:
                rows["checks"].append(
                    im.ReadinessCheck(
                        **common,
                        version=1,
                        items={k: {"status": "pass", "value": None, "note": ""} for k in GATE_ITEMS},
                        passed=True,
                        completed_by_id=session.nurse_id,
                        completed_at=timeline["check_at"],
                    )
                )
            chart = {**common, "recorded_by_id": session.nurse_id}
            for kind, at, rate in timeline["events"]:
                rows["events"].append(
                    im.InfusionEvent(
                        **chart, client_key=_uuid(rng), kind=kind, occurred_at=at, rate_ml_h=rate
                    )
                )
            for phase, at, reading, alert in timeline["vitals"]:
                if alert:
                    alert_specs.append((len(rows["vitals"]), session, alert))
                rows["vitals"].append(
                    im.VitalSign(**chart, client_key=_uuid(rng), phase=phase, taken_at=at, **reading)
                )
            for kind, severity, at in timeline["effects"]:
                rows["effects"].append(
                    im.SideEffect(
                        **chart, client_key=_uuid(rng), kind=kind, severity=severity, occurred_at=at
                    )
                )
            for at in timeline["rescue"]:
                rows["rescue"].append(
                    im.RescueMedication(
                        **chart,
                        client_key=_uuid(rng),
                        drug="ondansetron",
                        dose=Decimal("4"),
                        unit="mg",
                        route="iv",
                        given_at=at,
                    )
                )
            for scale, value, at in timeline["ratings"]:
                rows["ratings"].append(
                    im.ClinicalRating(**chart, client_key=_uuid(rng), scale=scale, value=value, taken_at=at)
                )
        _bulk(im.ReadinessCheck, rows["checks"], self.ctx, "readiness checks")
        _bulk(im.InfusionEvent, rows["events"], self.ctx, "infusion events")
        vitals = _bulk(im.VitalSign, rows["vitals"], self.ctx, "vital signs")
        _bulk(im.SideEffect, rows["effects"], self.ctx, "side effects")
        _bulk(im.RescueMedication, rows["rescue"], self.ctx, "rescue medications")
        _bulk(im.ClinicalRating, rows["ratings"], self.ctx, "clinical ratings")
        alerts = []
        for index, session, (message, acknowledged_at) in alert_specs:
            vital = vitals[index]
            alerts.append(
                im.VitalAlert(
                    clinic_id=session.clinic_id,
                    session_id=session.pk,
                    vital_id=vital.pk,
                    level="pause",
                    parameter="bp",
                    message=message,
                    suggested_action="Pause the infusion, recheck in 5 min and call the physician.",
                    status="acknowledged" if acknowledged_at else "open",
                    acknowledged_by_id=session.nurse_id if acknowledged_at else None,
                    acknowledged_at=acknowledged_at,
                    action_taken=ACKNOWLEDGED_ACTION if acknowledged_at else "",
                )
            )
        _bulk(im.VitalAlert, alerts, self.ctx, "vital alerts")
        self.pending.clear()

    def _reading(self, base: tuple[int, int, int], rise: float = 0.0) -> dict:
        rng = self.rng
        sbp, dbp, hr = base
        return {
            "sbp": max(80, min(220, int(sbp + rise + rng.gauss(0, 4)))),
            "dbp": max(45, min(130, int(dbp + rise * 0.6 + rng.gauss(0, 3)))),
            "hr": max(45, min(130, int(hr + rise * 0.3 + rng.gauss(0, 4)))),
            "spo2": rng.choice((96, 97, 98, 98, 99)),
            "rr": rng.randint(12, 18),
        }

    def _session(self, plan: _Plan, order, values: dict):
        """The session row and what was charted in it, following its status and `now`."""
        from clinic.infusions import models as im

        rng = self.rng
        minute = dt.timedelta(minutes=1)
        now = plan.now
        status = plan.status
        checked_in = plan.checked_in_at
        gate = checked_in + 10 * minute
        started = checked_in + 15 * minute
        duration = values["duration_min"]
        paused = status == "paused" or (status == "discharged" and rng.random() < PAUSE_SHARE)
        early = status == "discharged" and rng.random() < STOPPED_EARLY_SHARE
        run_minutes = duration + (5 if paused and status == "discharged" else 0)
        if early:
            run_minutes = rng.randint(10, max(11, duration - 5))
        stopped = started + run_minutes * minute
        recovery_minutes = rng.randint(60, 75)
        discharged = stopped + recovery_minutes * minute
        base = (int(rng.gauss(124, 11)), int(rng.gauss(79, 7)), int(rng.gauss(75, 9)))
        alert_share = ALERT_SHARE if status == "discharged" else 0.03 if status == "running" else 0.0
        alert = rng.random() < alert_share
        timeline: dict = {"check_at": None}
        timeline.update({name: [] for name in ("events", "vitals", "effects", "rescue", "ratings")})
        fields = {
            "clinic_id": plan.clinic_id,
            "appointment_id": plan.appointment_id,
            "patient_id": plan.patient_id,
            "order_id": order.pk,
            "chair_id": plan.chair_id,
            "nurse_id": plan.nurse_id,
            "checked_in_at": checked_in,
            "checked_in_by_id": plan.nurse_id,
            "status": status,
        }
        if status == "checked_in":
            return im.InfusionSession(**fields), timeline
        fields["gate_passed_at"] = gate
        timeline["check_at"] = gate
        timeline["vitals"].append(("pre", gate - minute, self._reading(base), None))
        if status == "ready":
            return im.InfusionSession(**fields), timeline
        fields["started_at"] = started
        end = now if status in ("running", "paused") else stopped
        timeline["events"].append(("start", started, values["rate_ml_h"]))
        if paused:
            pause_at = started + 15 * minute
            if end is None or pause_at < end:
                timeline["events"].append(("pause", pause_at, None))
                if status != "paused":
                    timeline["events"].append(("resume", pause_at + 5 * minute, values["rate_ml_h"]))
        at = started + 10 * minute
        while at <= end:
            elapsed = (at - started).total_seconds() / 60
            rise = 14 * min(1.0, elapsed / 40)  # BP peaks around 40 min (domain.md §3.1)
            reading = self._reading(base, rise)
            message = None
            if alert and not timeline["vitals"][1:]:
                reading.update(sbp=rng.randint(181, 195), dbp=rng.randint(100, 108))
                acknowledged = at + 3 * minute
                message = (
                    f"BP {reading['sbp']}/{reading['dbp']} mm Hg is above the pause limit of 180/110 mm Hg.",
                    acknowledged if now is None or acknowledged <= now else None,
                )
            timeline["vitals"].append(("during", at, reading, message))
            at += 10 * minute
        if rng.random() < SIDE_EFFECT_SHARE and started + 25 * minute <= end:
            kind = rng.choice(("nausea", "nausea", "dizziness", "dissociation", "headache", "anxiety"))
            severity = rng.choice(("mild", "mild", "moderate"))
            timeline["effects"].append((kind, severity, started + 25 * minute))
            if kind == "nausea" and rng.random() < RESCUE_SHARE / SIDE_EFFECT_SHARE * 2:
                timeline["rescue"].append(started + 27 * minute)
        if started + 30 * minute <= end:
            timeline["ratings"].append(("moaa_s", rng.choice((4, 5, 5)), started + 30 * minute))
            timeline["ratings"].append(("cadss6", rng.randint(0, 12), started + 30 * minute))
        if status in ("running", "paused"):
            return im.InfusionSession(**fields), timeline
        reason = rng.choice(("dissociation", "hypertension", "side_effects")) if early else "completed"
        timeline["events"].append(("stop", stopped, None))
        fields.update(stopped_at=stopped, stop_reason=reason, recovery_started_at=stopped)
        end = now if status == "recovering" else discharged
        at = stopped + 15 * minute
        while at <= end:
            timeline["vitals"].append(("recovery", at, self._reading(base, 4), None))
            at += 15 * minute
        if status == "recovering":
            return im.InfusionSession(**fields), timeline
        fields.update(
            discharged_at=discharged,
            discharged_by_id=plan.nurse_id,
            discharge_score_system="aldrete",
            discharge_score_variant="aldrete-1995-modified-spo2-percent",
            discharge_score_items=dict.fromkeys(
                ("activity", "respiration", "circulation", "consciousness", "spo2"), 2
            ),
            discharge_score_total=10,
            driver_name=f"{rng.choice(data.MALE_NAMES + data.FEMALE_NAMES)} {rng.choice(data.FAMILY_NAMES)}",
            driver_phone="+16175550142",
            instructions_acknowledged=["escort_home", "no_driving", "what_to_expect", "whom_to_call"],
            no_driving_hours=24,
        )
        return im.InfusionSession(**fields), timeline


def infusion_history_create(ctx: SyntheticContext) -> None:
    """Charted sessions for completed infusion appointments: at most N per clinic and day
    (`sessions_per_clinic_per_day`), each with its order, readiness check, pump events, vitals at
    the cadence and, for a fraction, an acknowledged BP alert, a side effect, rescue medication."""
    limit = ctx.config.sessions_per_clinic_per_day
    if limit <= 0:
        return
    measurements = _measurements_by_patient(ctx)
    writer = _SessionWriter(ctx)
    per_day: dict[tuple[int, dt.date], int] = {}
    rows = (
        Appointment.objects.filter(
            clinic_id__in=[c.pk for c in ctx.clinics],
            status=AppointmentStatus.COMPLETED,
            kind__in=INFUSION_APPOINTMENT_KINDS,
            room__isnull=False,
        )
        .order_by("starts_at", "pk")
        .values_list("pk", "clinic_id", "patient_id", "kind", "starts_at", "room_id", "clinician_id")
    )
    for pk, clinic_id, patient_id, kind, starts_at, room_id, clinician_id in rows.iterator(
        chunk_size=ctx.config.batch_size
    ):
        day = (clinic_id, starts_at.astimezone(ctx.tz(clinic_id)).date())
        if per_day.get(day, 0) >= limit or patient_id not in measurements:
            continue
        per_day[day] = per_day.get(day, 0) + 1
        measurement_id, weight = _weight_at(measurements[patient_id], starts_at)
        staff = ctx.staff[clinic_id]
        writer.add(
            _Plan(
                clinic_id=clinic_id,
                appointment_id=pk,
                patient_id=patient_id,
                chair_id=room_id,
                nurse_id=clinician_id or staff[Role.NURSE][0],
                physician_id=staff[Role.PHYSICIAN][0],
                pain=kind == AppointmentKind.PAIN_INFUSION,
                checked_in_at=starts_at,
                weight_kg=weight,
                measurement_id=measurement_id,
            )
        )
    writer.flush()


def infusion_live_create(ctx: SyntheticContext) -> None:
    """Today's busy clinic: `live_chair_share` of each clinic's chairs hold a live session
    (mostly running; some paused, recovering, ready or just checked in), charted up to now."""
    share = ctx.config.live_chair_share
    if share <= 0:
        return
    rng = ctx.rng
    measurements = _measurements_by_patient(ctx)
    statuses = [s for s, _ in LIVE_STATUS_SHARES]
    weights = [w for _, w in LIVE_STATUS_SHARES]
    by_clinic: dict[int, list[PatientRow]] = {}
    for row in ctx.patients:
        if row.stage in (JourneyStage.INDUCTION, JourneyStage.MAINTENANCE) and row.id in measurements:
            by_clinic.setdefault(row.clinic_id, []).append(row)
    appointments, plans = [], []
    minute = dt.timedelta(minutes=1)
    for clinic in ctx.clinics:
        chairs = ctx.rooms[clinic.pk][RoomKind.CHAIR]
        wanted = min(len(by_clinic.get(clinic.pk, [])), math.ceil(len(chairs) * min(1.0, share)))
        staff = ctx.staff[clinic.pk]
        chosen = rng.sample(by_clinic.get(clinic.pk, []), wanted)
        for chair_id, row in zip(chairs[:wanted], chosen, strict=True):
            status = rng.choices(statuses, weights=weights)[0]
            duration = 240 if row.pain else 40
            if status in ("running", "paused"):
                started = ctx.now - rng.uniform(2, duration - 2) * minute
            elif status == "recovering":
                started = ctx.now - (duration + rng.uniform(1, 55)) * minute
            else:
                started = ctx.now + rng.uniform(1, 10) * minute
            checked_in = started - 15 * minute
            if status in ("ready", "checked_in"):
                checked_in = ctx.now - rng.uniform(1, 12) * minute
            kind = AppointmentKind.PAIN_INFUSION if row.pain else AppointmentKind.MOOD_INFUSION
            appointments.append(
                Appointment(
                    clinic_id=clinic.pk,
                    patient_id=row.id,
                    kind=kind,
                    status=AppointmentStatus.CHECKED_IN,
                    starts_at=checked_in,
                    ends_at=checked_in + MINUTES[kind] * minute,
                    room_id=chair_id,
                    clinician_id=rng.choice(staff[Role.NURSE]),
                    booked_by_id=rng.choice(staff[Role.FRONT_DESK]),
                )
            )
            measurement_id, weight = _weight_at(measurements[row.id], ctx.now)
            plans.append((row, chair_id, status, checked_in, measurement_id, weight))
    appointments = _bulk(Appointment, appointments, ctx, "live appointments")
    writer = _SessionWriter(ctx)
    for appointment, (row, chair_id, status, checked_in, measurement_id, weight) in zip(
        appointments, plans, strict=True
    ):
        writer.add(
            _Plan(
                clinic_id=row.clinic_id,
                appointment_id=appointment.pk,
                patient_id=row.id,
                chair_id=chair_id,
                nurse_id=appointment.clinician_id,
                physician_id=ctx.staff[row.clinic_id][Role.PHYSICIAN][0],
                pain=row.pain,
                checked_in_at=checked_in,
                weight_kg=weight,
                measurement_id=measurement_id,
                status=status,
                now=ctx.now,
            )
        )
    writer.flush()


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
    ("infusion setup", infusion_setup_create),
    ("infusion history", infusion_history_create),
    ("infusion live", infusion_live_create),
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
