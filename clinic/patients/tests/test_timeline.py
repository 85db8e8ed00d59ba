import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.patients import timeline
from clinic.patients.services import measurement_record, medication_add, medication_stop
from clinic.patients.timeline import (
    TimelineEntry,
    patient_timeline,
    register_timeline_source,
    timeline_sources,
)
from clinic.patients.timeline_sources import PATIENT_SOURCES
from clinic.scheduling.models import AppointmentKind
from clinic.scheduling.services import appointment_book

pytestmark = pytest.mark.django_db


def test_the_apps_sources_are_registered_once():
    sources = timeline_sources()
    for source in PATIENT_SOURCES:
        assert sources.count(source) == 1
    register_timeline_source(PATIENT_SOURCES[0])
    assert timeline_sources().count(PATIENT_SOURCES[0]) == 1


def test_timeline_merges_sources_newest_first(full_chart, staff):
    nurse = staff[Role.NURSE]
    now = timezone.now()
    appointment_book(
        patient=full_chart, kind=AppointmentKind.MOOD_INFUSION, booked_by=staff[Role.FRONT_DESK],
        starts_at=now + dt.timedelta(days=2), ends_at=now + dt.timedelta(days=2, hours=2),
    )
    medication = medication_add(patient=full_chart, recorded_by=nurse, name="Bupropion",
                                drug_class="other", started_on=dt.date(2021, 5, 1))
    medication_stop(medication=medication, stopped_by=nurse, stopped_on=dt.date(2022, 5, 1))

    entries = patient_timeline(patient=full_chart)

    kinds = [e.kind for e in entries]
    assert kinds[0] == "appointment"  # booked in the future, so newest
    assert {"registered", "measurement", "diagnosis", "medication_started",
            "medication_stopped", "allergy"} <= set(kinds)
    assert kinds[-1] == "medication_started"  # started 2021
    assert [e.occurred_at for e in entries] == sorted((e.occurred_at for e in entries),
                                                      reverse=True)
    assert any(e.title == "Measured: weight 70 kg, height 175 cm" for e in entries)


def test_timeline_is_limited_and_queries_do_not_grow(patient, staff,
                                                      django_assert_max_num_queries):
    nurse = staff[Role.NURSE]
    for hours in range(1, 8):
        measurement_record(patient=patient, recorded_by=nurse,
                           measured_at=timezone.now() - dt.timedelta(hours=hours),
                           weight_kg=Decimal("70") + hours)
    assert len(patient_timeline(patient=patient, limit=5)) == 5
    with django_assert_max_num_queries(len(timeline_sources()) + 1):
        patient_timeline(patient=patient)


def test_other_apps_can_add_a_source(patient, monkeypatch):
    monkeypatch.setattr(timeline, "_SOURCES", list(timeline._SOURCES))

    @register_timeline_source
    def infusions(p):
        return [TimelineEntry(occurred_at=timezone.now() + dt.timedelta(days=365),
                              kind="infusion", title="Infusion 1 of 6", url="/x/")]

    assert patient_timeline(patient=patient)[0].title == "Infusion 1 of 6"


def test_timeline_reuses_the_rows_the_chart_loaded(full_chart, django_assert_max_num_queries):
    from clinic.patients.models import Patient
    from clinic.patients.selectors import patient_chart

    plain = patient_timeline(patient=Patient.objects.get(pk=full_chart.pk))
    patient = Patient.objects.select_related("clinic").get(pk=full_chart.pk)
    patient_chart(patient=patient)

    # the four clinical-list sources read no rows again
    with django_assert_max_num_queries(len(timeline_sources()) - 4):
        reused = patient_timeline(patient=patient)
    assert reused == plain
