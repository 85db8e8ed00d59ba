"""The patients app's own timeline sources, and the appointments source (read-only).

Registered in PatientsConfig.ready(). Each source is one query bounded by TIMELINE_LIMIT, or none
when selectors.patient_chart has already loaded the rows onto the patient.
"""

from clinic.core.display import display_quantity
from clinic.patients.drug_classes import drug_class_label
from clinic.patients.models import Allergy, BodyMeasurement, Diagnosis, Medication
from clinic.patients.selectors import CHART_PREFETCH
from clinic.patients.timeline import TIMELINE_LIMIT, TimelineEntry, start_of_day


def _rows(patient, relation: str, queryset, *, newest_first):
    """Rows of `relation` newest first, at most TIMELINE_LIMIT: those patient_chart already loaded
    onto the patient if any, else from `queryset` (already ordered and sliced)."""
    cached = getattr(patient, CHART_PREFETCH[relation], None)
    if cached is None:
        return list(queryset)
    return sorted(cached, key=newest_first, reverse=True)[:TIMELINE_LIMIT]


def registered_entries(patient) -> list[TimelineEntry]:
    return [TimelineEntry(
        occurred_at=patient.created_at, kind="registered", title="Registered",
        detail=f"Record number {patient.record_number}",
    )]


def measurement_entries(patient) -> list[TimelineEntry]:
    rows = _rows(
        patient, "measurements",
        BodyMeasurement.objects.filter(patient=patient).select_related("recorded_by")
        .order_by("-measured_at", "-id")[:TIMELINE_LIMIT],
        newest_first=lambda m: (m.measured_at, m.pk),
    )
    entries = []
    for m in rows:
        parts = []
        if m.weight_kg is not None:
            parts.append(f"weight {display_quantity(m.weight_kg, 'kg')}")
        if m.height_cm is not None:
            parts.append(f"height {display_quantity(m.height_cm, 'cm')}")
        entries.append(TimelineEntry(
            occurred_at=m.measured_at, kind="measurement",
            title="Measured: " + ", ".join(parts), detail=f"by {m.recorded_by.signature_name}",
        ))
    return entries


def diagnosis_entries(patient) -> list[TimelineEntry]:
    rows = _rows(
        patient, "diagnoses",
        Diagnosis.objects.filter(patient=patient).select_related("noted_by")
        .order_by("-created_at", "-id")[:TIMELINE_LIMIT],
        newest_first=lambda d: (d.created_at, d.pk),
    )
    return [
        TimelineEntry(
            occurred_at=d.created_at, kind="diagnosis",
            title=f"Diagnosis {d.icd10_code} {d.description}",
            detail=f"{d.get_status_display()}, noted by {d.noted_by.signature_name}"
            + (f"; onset {d.onset_date:%Y-%m-%d}" if d.onset_date else ""),
        )
        for d in rows
    ]


def medication_entries(patient) -> list[TimelineEntry]:
    tz = patient.clinic.tzinfo
    rows = _rows(
        patient, "medications",
        Medication.objects.filter(patient=patient).order_by("-created_at", "-id")[:TIMELINE_LIMIT],
        newest_first=lambda m: (m.created_at, m.pk),
    )
    entries = []
    for m in rows:
        label = f"{m.name} {m.dose}".strip()
        tag = drug_class_label(m.drug_class)
        if m.started_on:
            started = TimelineEntry(
                occurred_at=start_of_day(m.started_on, tz), kind="medication_started",
                title=f"Started {label}", detail=tag, date_only=True,
            )
        else:
            started = TimelineEntry(
                occurred_at=m.created_at, kind="medication_started",
                title=f"Medication recorded: {label}", detail=tag,
            )
        entries.append(started)
        if m.stopped_on:
            entries.append(TimelineEntry(
                occurred_at=start_of_day(m.stopped_on, tz), kind="medication_stopped",
                title=f"Stopped {label}", detail=tag, date_only=True,
            ))
    return entries


def allergy_entries(patient) -> list[TimelineEntry]:
    rows = _rows(
        patient, "allergies",
        Allergy.objects.filter(patient=patient).order_by("-created_at", "-id")[:TIMELINE_LIMIT],
        newest_first=lambda a: (a.created_at, a.pk),
    )
    return [
        TimelineEntry(
            occurred_at=a.created_at, kind="allergy",
            title=f"Allergy recorded: {a.substance}",
            detail=", ".join(
                p for p in (a.get_severity_display(), a.reaction,
                            "" if a.is_active else "no longer active") if p
            ),
        )
        for a in rows
    ]


def appointment_entries(patient) -> list[TimelineEntry]:
    from clinic.scheduling.models import Appointment

    rows = (
        Appointment.objects.filter(patient=patient).select_related("room", "clinician")
        .order_by("-starts_at")[:TIMELINE_LIMIT]
    )
    entries = []
    for a in rows:
        details = [a.get_status_display()]
        if a.room:
            details.append(str(a.room))
        if a.clinician:
            details.append(a.clinician.signature_name)
        entries.append(TimelineEntry(
            occurred_at=a.starts_at, kind="appointment", title=a.get_kind_display(),
            detail=", ".join(details),
        ))
    return entries


PATIENT_SOURCES = (
    registered_entries, measurement_entries, diagnosis_entries, medication_entries,
    allergy_entries, appointment_entries,
)
