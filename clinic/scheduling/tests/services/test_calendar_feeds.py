"""Calendar feed tokens and what each feed carries (initials + record number only for staff)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.models import Membership
from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.scheduling.models import AppointmentKind, CalendarFeedToken
from clinic.scheduling.selectors import feed_events, feed_token_lookup, token_hash
from clinic.scheduling.services import (
    FEED_ALREADY_REVOKED,
    FEED_OWNER_OTHER_CLINIC,
    FEED_OWNER_REQUIRED,
    appointment_book,
    calendar_feed_fetched,
    calendar_feed_token_create,
    calendar_feed_token_revoke,
    staff_shift_create,
)
from clinic.scheduling.settings import DEFAULT_PREPARATION_TEXT


@pytest.fixture
def booked(clinic, staff, patient, make_patient, chairs, consult_room, next_open_day, at):
    desk = staff[Role.FRONT_DESK]
    infusion = appointment_book(
        patient=patient,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=at(next_open_day, "09:00"),
        ends_at=at(next_open_day, "11:00"),
        booked_by=desk,
        room=chairs[0],
    )
    other = make_patient(clinic, desk, given_name="Quinn", family_name="Ortega")
    consult = appointment_book(
        patient=other,
        kind=AppointmentKind.CONSULTATION,
        starts_at=at(next_open_day, "13:00"),
        ends_at=at(next_open_day, "14:00"),
        booked_by=desk,
        room=consult_room,
        clinician=staff[Role.PHYSICIAN],
    )
    shift = staff_shift_create(
        clinic=clinic,
        user=staff[Role.NURSE],
        starts_at=at(next_open_day, "07:30"),
        ends_at=at(next_open_day, "16:00"),
        created_by=desk,
    )
    return {"infusion": infusion, "consult": consult, "shift": shift, "other": other}


def test_the_secret_is_returned_once_and_only_its_hash_is_stored(clinic, staff):
    nurse = staff[Role.NURSE]
    token, raw = calendar_feed_token_create(clinic=clinic, created_by=nurse, user=nurse, label="Phone")
    assert len(raw) >= 43  # 32 random bytes, URL-safe base64
    assert token.token_hash == token_hash(raw) and raw not in token.token_hash
    assert feed_token_lookup(raw=raw) == token
    assert feed_token_lookup(raw=raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    event = AuditEvent.objects.get(object_type="scheduling.CalendarFeedToken")
    assert "token_hash" not in event.changes["after"]


def test_a_revoked_token_or_a_departed_user_finds_no_feed(clinic, staff):
    nurse = staff[Role.NURSE]
    token, raw = calendar_feed_token_create(clinic=clinic, created_by=nurse, user=nurse)
    Membership.objects.filter(user=nurse, clinic=clinic).update(is_active=False)
    assert feed_token_lookup(raw=raw) is None
    Membership.objects.filter(user=nurse, clinic=clinic).update(is_active=True)
    calendar_feed_token_revoke(token=token, revoked_by=nurse)
    assert feed_token_lookup(raw=raw) is None
    with pytest.raises(ValidationError, match=FEED_ALREADY_REVOKED):
        calendar_feed_token_revoke(token=token, revoked_by=nurse)


def test_owner_refusals(clinic, other_clinic, staff, patient, make_user):
    with pytest.raises(ValidationError, match=FEED_OWNER_REQUIRED):
        calendar_feed_token_create(clinic=clinic, created_by=staff[Role.ADMIN])
    with pytest.raises(ValidationError, match=FEED_OWNER_REQUIRED):
        calendar_feed_token_create(
            clinic=clinic, created_by=staff[Role.ADMIN], user=staff[Role.NURSE], patient=patient
        )
    with pytest.raises(ValidationError, match=FEED_OWNER_OTHER_CLINIC):
        calendar_feed_token_create(clinic=other_clinic, created_by=staff[Role.ADMIN], patient=patient)
    outsider = make_user(Role.NURSE, other_clinic)
    with pytest.raises(ValidationError, match=FEED_OWNER_OTHER_CLINIC):
        calendar_feed_token_create(clinic=clinic, created_by=outsider, user=outsider)


def test_a_nurse_feed_has_every_chair_visit_with_initials_and_record_number_and_the_shift(
    clinic, staff, patient, booked
):
    nurse = staff[Role.NURSE]
    token, _ = calendar_feed_token_create(clinic=clinic, created_by=nurse, user=nurse)
    events = feed_events(token=token)
    summaries = [e.summary for e in events]
    initials = f"{patient.given_name[0]}.{patient.family_name[0]}."
    assert summaries == [
        f"Shift at {clinic.name} (Nurse)",
        f"Mood infusion — {initials} ({patient.record_number})",
    ]
    assert all(patient.given_name not in e.summary + e.description for e in events)
    assert events[1].location == "Chair 1"
    assert events[1].uid == f"appointment-{booked['infusion'].pk}@harbor.ketaclinic"


def test_a_physician_feed_has_their_own_visits_only(clinic, staff, booked):
    physician = staff[Role.PHYSICIAN]
    token, _ = calendar_feed_token_create(clinic=clinic, created_by=physician, user=physician)
    other = booked["other"]
    assert [e.summary for e in feed_events(token=token)] == [f"Consultation — Q.O. ({other.record_number})"]


def test_a_patient_feed_has_their_visits_with_the_preparation_text(clinic, staff, patient, booked):
    token, _ = calendar_feed_token_create(clinic=clinic, created_by=staff[Role.FRONT_DESK], patient=patient)
    (event,) = feed_events(token=token)
    assert event.summary == f"Mood infusion at {clinic.name}"
    assert event.description == DEFAULT_PREPARATION_TEXT
    assert event.location == clinic.name


def test_reading_a_feed_is_audited_at_most_hourly(clinic, staff, patient):
    token, _ = calendar_feed_token_create(clinic=clinic, created_by=staff[Role.FRONT_DESK], patient=patient)
    now = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
    for minutes in (0, 10, 59, 61):
        calendar_feed_fetched(
            token=CalendarFeedToken.objects.get(pk=token.pk), now=now + dt.timedelta(minutes=minutes)
        )
    reads = AuditEvent.objects.filter(action=AuditAction.EXPORT, patient_id=patient.pk)
    assert reads.count() == 2
    assert CalendarFeedToken.objects.get(pk=token.pk).last_used_at == now + dt.timedelta(minutes=61)
