"""Confirmation links and the preparation confirmation service."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.core.phones import PHONE_NOT_VALID, phone_hint
from clinic.reminders.models import (
    ConfirmationSource,
    PreparationConfirmation,
    PreparationConfirmationToken,
    TokenPurpose,
)
from clinic.reminders.selectors import appointment_for_token, preparation_for_appointment
from clinic.reminders.services import (
    DRIVER_NAME_REQUIRED,
    LIQUIDS_AFTER_START,
    MEDICATION_CHANGES_REQUIRED,
    MEDICATION_DETAIL_REQUIRED,
    NO_DRIVING_REQUIRED,
    SOLIDS_AFTER_START,
    TIME_TOO_EARLY,
    VISIT_NOT_OPEN,
    preparation_confirm,
    preparation_token_issue,
)
from clinic.reminders.tokens import token_hash
from clinic.scheduling.models import Appointment, AppointmentStatus


def answers(appointment, **overrides):
    start = appointment.starts_at
    values = {
        "last_solid_food_at": start - dt.timedelta(hours=7),
        "last_clear_liquid_at": start - dt.timedelta(hours=3),
        "driver_name": "Marta Delgado",
        "driver_phone": "(617) 555-0143",
        "medication_changes": "none",
        "medication_changes_detail": "",
        "pregnancy_status": "not_pregnant",
        "no_driving_understood": True,
    }
    values.update(overrides)
    return values


def confirm(appointment, **overrides):
    source = overrides.pop("source", ConfirmationSource.PATIENT_LINK)
    recorded_by = overrides.pop("recorded_by", None)
    submission_key = overrides.pop("submission_key", None)
    return preparation_confirm(
        appointment=appointment,
        source=source,
        recorded_by=recorded_by,
        submission_key=submission_key,
        **answers(appointment, **overrides),
    )


# --- Tokens --------------------------------------------------------------------------------------


def test_a_token_opens_its_appointment_and_only_its_hash_is_stored(infusion):
    raw = preparation_token_issue(appointment=infusion)
    assert len(raw) >= 43
    row = PreparationConfirmationToken.objects.get()
    assert row.token_hash == token_hash(raw) and raw not in row.token_hash
    assert row.expires_at == infusion.ends_at
    assert appointment_for_token(raw_token=raw) == infusion


def test_a_tampered_token_opens_nothing(infusion):
    raw = preparation_token_issue(appointment=infusion)
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    for bad in (tampered, raw[:-1], raw + "x", "", "x" * 500):
        assert appointment_for_token(raw_token=bad) is None


def test_a_token_expires_when_the_visit_ends(infusion):
    raw = preparation_token_issue(appointment=infusion)
    assert (
        appointment_for_token(raw_token=raw, now=infusion.ends_at - dt.timedelta(minutes=1))
        == infusion
    )
    assert appointment_for_token(raw_token=raw, now=infusion.ends_at) is None


def test_a_token_stops_working_when_the_visit_is_cancelled(infusion):
    raw = preparation_token_issue(appointment=infusion)
    Appointment.objects.filter(pk=infusion.pk).update(status=AppointmentStatus.CANCELLED)
    assert appointment_for_token(raw_token=raw) is None


def test_a_token_moved_to_a_longer_visit_still_expires_at_its_own_time(infusion):
    raw = preparation_token_issue(appointment=infusion)
    Appointment.objects.filter(pk=infusion.pk).update(
        ends_at=infusion.ends_at + dt.timedelta(days=3)
    )
    assert (
        appointment_for_token(raw_token=raw, now=infusion.ends_at + dt.timedelta(hours=1)) is None
    )


def test_tokens_of_two_appointments_open_their_own(patient, infusion, book_infusion, in_days):
    other = book_infusion(patient, in_days(6))
    mine, theirs = (preparation_token_issue(appointment=a) for a in (infusion, other))
    assert appointment_for_token(raw_token=mine) == infusion
    assert appointment_for_token(raw_token=theirs) == other


def test_a_token_for_another_purpose_is_refused(infusion):
    raw = preparation_token_issue(appointment=infusion)
    PreparationConfirmationToken.objects.update(purpose="something_else")
    assert appointment_for_token(raw_token=raw) is None
    assert TokenPurpose.PREPARATION_CONFIRM == "preparation_confirm"


# --- The confirmation -------------------------------------------------------------------------


def test_patient_confirmation_is_stored_normalized_and_audited_as_via_patient_link(
    patient, infusion
):
    confirmation = confirm(infusion)
    assert confirmation.driver_phone == "+16175550143"
    assert (
        confirmation.source == ConfirmationSource.PATIENT_LINK and confirmation.recorded_by is None
    )
    assert confirmation.patient == patient and confirmation.revision == 1
    event = AuditEvent.objects.get(object_type="reminders.PreparationConfirmation")
    assert event.actor is None and event.patient_id == patient.pk
    assert event.summary == "Preparation confirmed via patient link"
    assert preparation_for_appointment(appointment=infusion) == confirmation


def test_resubmission_updates_keeps_history_and_the_selector_reads_the_latest(infusion):
    confirm(infusion)
    later = confirm(
        infusion,
        driver_name="Luis Delgado",
        medication_changes="changed",
        medication_changes_detail="Started sertraline 50 mg",
    )
    assert PreparationConfirmation.objects.count() == 1
    latest = preparation_for_appointment(appointment=infusion)
    assert latest.driver_name == "Luis Delgado" and latest.revision == 2
    assert [h.driver_name for h in latest.history.order_by("history_date")] == [
        "Marta Delgado",
        "Luis Delgado",
    ]
    update = AuditEvent.objects.filter(object_type="reminders.PreparationConfirmation").first()
    assert update.action == "update" and "revision 2" in update.summary
    assert update.changes["diff"]["driver_name"] == ["Marta Delgado", "Luis Delgado"]
    assert later.pk == latest.pk


def test_an_identical_resubmission_and_a_double_submit_change_nothing(infusion):
    key = uuid.uuid4()
    first = confirm(infusion, submission_key=key)
    again = confirm(infusion, submission_key=key, driver_name="Someone Else")
    assert again.pk == first.pk
    same = confirm(infusion)
    assert same.revision == 1
    assert PreparationConfirmation.objects.get().driver_name == "Marta Delgado"
    assert AuditEvent.objects.filter(object_type="reminders.PreparationConfirmation").count() == 1


def test_staff_phone_confirmation_names_the_staff_member(staff, infusion):
    desk = staff[Role.FRONT_DESK]
    confirmation = confirm(infusion, source=ConfirmationSource.STAFF_PHONE, recorded_by=desk)
    assert confirmation.recorded_by == desk
    event = AuditEvent.objects.get(object_type="reminders.PreparationConfirmation")
    assert event.actor == desk and event.summary == "Preparation confirmed by phone (staff)"
    with pytest.raises(ValueError):
        confirm(infusion, source=ConfirmationSource.STAFF_PHONE, recorded_by=None)


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"last_solid_food_at": "after"}, "last_solid_food_at", SOLIDS_AFTER_START),
        ({"last_clear_liquid_at": "after"}, "last_clear_liquid_at", LIQUIDS_AFTER_START),
        ({"last_solid_food_at": "long_before"}, "last_solid_food_at", TIME_TOO_EARLY),
        ({"driver_name": "  "}, "driver_name", DRIVER_NAME_REQUIRED),
        (
            {"driver_phone": "12345"},
            "driver_phone",
            PHONE_NOT_VALID.format(country="the United States", hint=phone_hint("US")),
        ),
        ({"medication_changes": ""}, "medication_changes", MEDICATION_CHANGES_REQUIRED),
        (
            {"medication_changes": "changed"},
            "medication_changes_detail",
            MEDICATION_DETAIL_REQUIRED,
        ),
        (
            {"no_driving_understood": False},
            "no_driving_understood",
            NO_DRIVING_REQUIRED.format(hours=24),
        ),
    ],
)
def test_validation_names_the_field_and_saves_nothing(infusion, overrides, field, message):
    moments = {
        "after": infusion.starts_at + dt.timedelta(minutes=1),
        "long_before": infusion.starts_at - dt.timedelta(days=4),
    }
    overrides = {k: moments.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    with pytest.raises(ValidationError) as exc:
        confirm(infusion, **overrides)
    assert exc.value.message_dict[field] == [message]
    assert PreparationConfirmation.objects.count() == 0


def test_detail_is_dropped_when_nothing_changed(infusion):
    confirmation = confirm(infusion, medication_changes_detail="left over text")
    assert confirmation.medication_changes_detail == ""


def test_a_visit_that_ended_or_was_cancelled_cannot_be_confirmed(infusion):
    with pytest.raises(ValidationError) as exc:
        preparation_confirm(
            appointment=infusion,
            source=ConfirmationSource.PATIENT_LINK,
            now=infusion.ends_at,
            **answers(infusion),
        )
    assert exc.value.messages == [VISIT_NOT_OPEN]
    Appointment.objects.filter(pk=infusion.pk).update(status=AppointmentStatus.CANCELLED)
    infusion.refresh_from_db()
    with pytest.raises(ValidationError):
        confirm(infusion)


def test_no_confirmation_yet(infusion):
    assert preparation_for_appointment(appointment=infusion) is None
    assert timezone.now() < infusion.starts_at
