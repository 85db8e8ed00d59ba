"""Reads of the patient registry: the search box, the chart and the field-level history."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from clinic.core.display import display_quantity
from clinic.core.models import Clinic
from clinic.core.phones import clinic_phone_region, phone_display
from clinic.core.validators import age_on
from clinic.patients.body import body_mass_index
from clinic.patients.models import (
    NAME_SEARCH_FIELDS,
    Allergy,
    BodyMeasurement,
    Diagnosis,
    DiagnosisStatus,
    Medication,
    Patient,
    name_search_key,
)
from clinic.patients.timeline import TIMELINE_LIMIT

CHART_MEASUREMENTS_SHOWN = 20
# Where patient_chart leaves the rows it loaded on the patient (Prefetch to_attr), for the
# timeline sources to reuse: relation -> attribute.
CHART_PREFETCH = {
    "measurements": "chart_measurements",
    "diagnoses": "chart_diagnoses",
    "medications": "chart_medications",
    "allergies": "chart_allergies",
}

_MRN = re.compile(r"^(?:MRN)?[-\s]?0*(\d{1,9})$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _parse_date(text: str) -> dt.date | None:
    """YYYY-MM-DD or MM/DD/YYYY, else None (also None for impossible dates such as 02/30)."""
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _US_DATE.match(text):
        month, day, year = (int(g) for g in match.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _prefix_range(prefix: str) -> tuple[str, str]:
    # A prefix match written as a range, key >= "smi" AND < "smj", so the (clinic, stored search
    # key) indexes serve it on SQLite and PostgreSQL.
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


_SEARCH_COLUMNS = {"family": "family_name_search", "given": "given_name_search"}


def _name_prefix(column: str, prefix: str) -> Q:
    column = _SEARCH_COLUMNS[column]
    low, high = _prefix_range(prefix)
    return Q(**{f"{column}__gte": low, f"{column}__lt": high})


def patient_search(*, clinic: Clinic, query: str) -> QuerySet[Patient]:
    """Patients of `clinic` matching one search box, best index for each form of query.

    - "MRN-001234", "mrn 1234" or "1234": the record number (unique index).
    - "1980-04-02" or "04/02/1980": the date of birth (clinic, date_of_birth).
    - "Smi": a case- and accent-insensitive prefix of the family or the given name
      ("avila" and "ÁVILA" find "Ávila"), compared on the stored name_search_key() columns.
    - "Smith, Jo": family name prefix and given name prefix; "Jo Smith" either way round.
    An empty query lists every patient in name order.
    """
    patients = Patient.objects.filter(clinic=clinic)
    text = " ".join((query or "").split())
    if not text:
        return patients.order_by("family_name", "given_name", "id")

    if match := _MRN.match(text):
        return patients.filter(record_number=f"MRN-{int(match.group(1)):06d}").order_by("id")

    if (date := _parse_date(text)) is not None:
        # Ordered as the (clinic, date_of_birth) index already is, so that index is chosen.
        return patients.filter(date_of_birth=date).order_by("date_of_birth", "id")

    # Built from the bare table: a separate top-level clinic filter would tempt SQLite into the
    # (clinic, family_name, given_name) index (to skip the sort) and a scan of the whole clinic.
    named = Patient.objects
    lowered = " ".join(name_search_key(text).split())
    if not lowered:  # only combining marks, which the key drops
        return patients.none()
    in_clinic = Q(clinic=clinic)
    if "," in lowered:
        family, _, given = (part.strip() for part in lowered.partition(","))
        if not family and not given:
            return patients.none()
        condition = in_clinic
        if family:
            condition &= _name_prefix("family", family)
        if given:
            condition &= _name_prefix("given", given)
    else:
        # Each OR branch repeats the clinic so each can use its own index (a multi-index OR).
        condition = (in_clinic & _name_prefix("family", lowered)) | (
            in_clinic & _name_prefix("given", lowered)
        )
        first, _, rest = lowered.partition(" ")
        if rest:
            condition |= in_clinic & _name_prefix("given", first) & _name_prefix("family", rest)
            condition |= in_clinic & _name_prefix("family", first) & _name_prefix("given", rest)
    return named.filter(condition).order_by("family_name", "given_name", "id")


def latest_measurement(
    *, patient: Patient, with_weight: bool = False, with_height: bool = False
) -> BodyMeasurement | None:
    """The patient's most recent measurement (optionally the latest that has a weight/height)."""
    measurements = BodyMeasurement.objects.filter(patient=patient)
    if with_weight:
        measurements = measurements.filter(weight_kg__isnull=False)
    if with_height:
        measurements = measurements.filter(height_cm__isnull=False)
    return measurements.order_by("-measured_at", "-id").first()


@dataclass(frozen=True)
class BodySummary:
    """The latest weight and the latest height (which may come from different days) and BMI."""

    weight: BodyMeasurement | None
    height: BodyMeasurement | None

    @property
    def weight_kg(self) -> Decimal | None:
        return self.weight.weight_kg if self.weight else None

    @property
    def height_cm(self) -> Decimal | None:
        return self.height.height_cm if self.height else None

    @property
    def bmi(self) -> Decimal | None:
        if self.weight_kg is None or self.height_cm is None:
            return None
        return body_mass_index(weight_kg=self.weight_kg, height_cm=self.height_cm)


def body_summary(*, patient: Patient) -> BodySummary:
    return BodySummary(
        weight=latest_measurement(patient=patient, with_weight=True),
        height=latest_measurement(patient=patient, with_height=True),
    )


@dataclass
class PatientChart:
    patient: Patient
    age: int
    body: BodySummary
    measurements: list[BodyMeasurement]
    more_measurements: bool  # older ones exist beyond CHART_MEASUREMENTS_SHOWN
    diagnoses: list[Diagnosis]
    medications_current: list[Medication]
    medications_past: list[Medication]
    allergies: list[Allergy]
    allergies_inactive: list[Allergy] = field(default_factory=list)


def _body_from(measurements: list[BodyMeasurement], patient: Patient, complete: bool) -> BodySummary:
    """The latest weight and height from rows already loaded (newest first); a query only when
    one of them is missing and older rows were not loaded."""
    weight = next((m for m in measurements if m.weight_kg is not None), None)
    height = next((m for m in measurements if m.height_cm is not None), None)
    if weight is None and not complete:
        weight = latest_measurement(patient=patient, with_weight=True)
    if height is None and not complete:
        height = latest_measurement(patient=patient, with_height=True)
    return BodySummary(weight=weight, height=height)


def patient_chart(*, patient: Patient) -> PatientChart:
    """Everything the chart shows except the timeline, in a fixed number of queries.

    The clinical lists are prefetched onto the patient (attributes named in CHART_PREFETCH), where
    this app's timeline sources find them, so the chart does not read the same rows twice.
    """
    today = timezone.now().astimezone(patient.clinic.tzinfo).date()
    prefetch_related_objects(
        [patient],
        Prefetch(
            "measurements",
            queryset=BodyMeasurement.objects.select_related("recorded_by").order_by("-measured_at", "-id")[
                :TIMELINE_LIMIT
            ],
            to_attr=CHART_PREFETCH["measurements"],
        ),
        Prefetch(
            "diagnoses",
            queryset=Diagnosis.objects.select_related("noted_by").order_by("-created_at", "-id"),
            to_attr=CHART_PREFETCH["diagnoses"],
        ),
        Prefetch(
            "medications",
            queryset=Medication.objects.select_related("recorded_by").order_by("-is_active", "name", "id"),
            to_attr=CHART_PREFETCH["medications"],
        ),
        Prefetch(
            "allergies",
            queryset=Allergy.objects.select_related("recorded_by").order_by("substance", "id"),
            to_attr=CHART_PREFETCH["allergies"],
        ),
    )
    rows = getattr(patient, CHART_PREFETCH["measurements"])
    # Active diagnoses first, then resolved and ruled out, newest first within each.
    rank = {DiagnosisStatus.ACTIVE: 0, DiagnosisStatus.RESOLVED: 1, DiagnosisStatus.RULED_OUT: 2}
    diagnoses = sorted(getattr(patient, CHART_PREFETCH["diagnoses"]), key=lambda d: rank.get(d.status, 9))
    medications = getattr(patient, CHART_PREFETCH["medications"])
    allergies = getattr(patient, CHART_PREFETCH["allergies"])
    return PatientChart(
        patient=patient,
        age=age_on(patient.date_of_birth, today),
        body=_body_from(rows, patient, complete=len(rows) < TIMELINE_LIMIT),
        measurements=rows[:CHART_MEASUREMENTS_SHOWN],
        more_measurements=len(rows) > CHART_MEASUREMENTS_SHOWN,
        diagnoses=diagnoses,
        medications_current=[m for m in medications if m.is_active],
        medications_past=[m for m in medications if not m.is_active],
        allergies=[a for a in allergies if a.is_active],
        allergies_inactive=[a for a in allergies if not a.is_active],
    )


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryChange:
    """One saved version of the patient or one of their clinical records, against the one before."""

    at: dt.datetime
    user: object  # accounts.User or None
    record: str  # "Patient details", "Allergy: Penicillin" ...
    action: str  # "created" | "changed" | "deleted"
    changes: tuple[FieldChange, ...]


# Who recorded a row is the version's author already; ids and tenancy are not for reading.
_HISTORY_HIDDEN = {
    "id",
    "clinic",
    "patient",
    "created_at",
    "updated_at",
    "recorded_by",
    "noted_by",
    *NAME_SEARCH_FIELDS.values(),
}
_RECORD_LABELS = {
    Patient: lambda h: "Patient details",
    BodyMeasurement: lambda h: "Measurement",
    Diagnosis: lambda h: f"Diagnosis {h.icd10_code}",
    Medication: lambda h: f"Medication: {h.name}",
    Allergy: lambda h: f"Allergy: {h.substance}",
}
_HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
_HISTORY_LABELS = {
    "weight_kg": "Weight (kg)",
    "height_cm": "Height (cm)",
    "icd10_code": "ICD-10-CM code",
    "user": "Portal account",
    "email": "E-mail",
}


# Fields shown by the one display rule of their quantity (clinic/core/display.py).
_HISTORY_QUANTITIES = {"weight_kg": "kg", "height_cm": "cm"}


def _display(model_field, value, *, region: str) -> str:
    if value is None or value == "":
        return "—"
    if model_field.name.endswith("phone"):
        return phone_display(value, region=region)
    if model_field.name in _HISTORY_QUANTITIES:
        return display_quantity(value, _HISTORY_QUANTITIES[model_field.name])
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if model_field.is_relation:
        return "linked"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _tracked_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if f.name not in _HISTORY_HIDDEN]


def patient_history(*, patient: Patient) -> list[HistoryChange]:
    """Field-level history (django-simple-history) of the patient and their clinical lists.

    Newest first; each version is compared with the previous version of the same record.
    One query per model, whatever the number of versions.
    """
    sources = [
        (Patient, Patient.history.filter(id=patient.pk)),
        (BodyMeasurement, BodyMeasurement.history.filter(patient_id=patient.pk)),
        (Diagnosis, Diagnosis.history.filter(patient_id=patient.pk)),
        (Medication, Medication.history.filter(patient_id=patient.pk)),
        (Allergy, Allergy.history.filter(patient_id=patient.pk)),
    ]
    result: list[HistoryChange] = []
    region = clinic_phone_region(patient.clinic)
    for model, versions in sources:
        fields = _tracked_fields(model)
        label = _RECORD_LABELS[model]
        previous_by_id: dict[int, object] = {}
        for version in versions.select_related("history_user").order_by("history_date", "history_id"):
            before = previous_by_id.get(version.id)
            changes = []
            for model_field in fields:
                new = getattr(version, model_field.attname)
                old = getattr(before, model_field.attname) if before is not None else None
                if before is None and (new is None or new == ""):
                    continue
                if before is not None and old == new:
                    continue
                changes.append(
                    FieldChange(
                        label=_HISTORY_LABELS.get(
                            model_field.name, str(model_field.verbose_name).capitalize()
                        ),
                        old=_display(model_field, old, region=region) if before is not None else "",
                        new=_display(model_field, new, region=region),
                    )
                )
            previous_by_id[version.id] = version
            if before is not None and not changes and version.history_type == "~":
                continue  # a save that changed nothing the user can see
            result.append(
                HistoryChange(
                    at=version.history_date,
                    user=version.history_user,
                    record=label(version),
                    action=_HISTORY_ACTIONS.get(version.history_type, version.history_type),
                    changes=tuple(changes),
                )
            )
    result.sort(key=lambda change: change.at, reverse=True)
    return result
