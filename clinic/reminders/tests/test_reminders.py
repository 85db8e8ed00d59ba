"""Scheduling reminders and sending them by e-mail and SMS through the job runner."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.reminders import sms
from clinic.reminders.content import CONFIRM_LINK_PLACEHOLDER
from clinic.reminders.jobs import jobs_run
from clinic.reminders.models import (
    Channel,
    Job,
    JobStatus,
    MessagePurpose,
    MessageStatus,
    OutboundMessage,
    PreparationConfirmationToken,
)
from clinic.reminders.selectors import appointment_for_token, appointment_slot
from clinic.reminders.services import (
    NO_CONTACT,
    REMINDER_TASK,
    reminder_deliver,
    reminders_schedule_due,
    reminders_schedule_for_appointment,
)
from clinic.scheduling.models import Appointment, AppointmentKind, AppointmentStatus

from .conftest import FAILING_SMS, LOCMEM_SMS

LINK = re.compile(r"https://clinic\.example/reminders/confirm/([\w-]+)/")


def set_setting(clinic, staff, key, value):
    clinic_setting_set_without_cosign(
        clinic=clinic, key=key, raw_value=value, set_by=staff[Role.ADMIN], reason="test"
    )


def run_due_jobs():
    return jobs_run(worker_id="test")


def test_an_infusion_gets_one_reminder_48_hours_before(infusion):
    jobs = reminders_schedule_for_appointment(appointment=infusion)
    assert len(jobs) == 1
    job = jobs[0]
    assert job.name == REMINDER_TASK and job.clinic_id == infusion.clinic_id
    assert job.args == {
        "appointment_id": infusion.pk,
        "reminder": "first",
        "slot": appointment_slot(infusion),
    }
    assert job.run_after == infusion.starts_at - dt.timedelta(hours=48)
    # and only once, however often it is asked
    assert reminders_schedule_for_appointment(appointment=infusion)[0].pk == job.pk
    assert Job.objects.count() == 1


def test_inside_the_window_the_reminder_goes_at_once(patient, book_infusion, in_days):
    appointment = book_infusion(patient, in_days(1))
    now = timezone.now()
    job = reminders_schedule_for_appointment(appointment=appointment, now=now)[0]
    assert job.run_after == now


@pytest.mark.parametrize("kind", [AppointmentKind.PAIN_INFUSION, AppointmentKind.BOOSTER])
def test_every_infusion_kind_is_reminded(patient, book_infusion, in_days, kind):
    assert reminders_schedule_for_appointment(
        appointment=book_infusion(patient, in_days(3), kind=kind)
    )


def test_consultations_cancelled_and_past_visits_are_not_reminded(patient, book_infusion, in_days):
    consult = book_infusion(patient, in_days(3, "13:00"), kind=AppointmentKind.CONSULTATION)
    assert reminders_schedule_for_appointment(appointment=consult) == []
    cancelled = book_infusion(patient, in_days(4))
    Appointment.objects.filter(pk=cancelled.pk).update(status=AppointmentStatus.CANCELLED)
    cancelled.refresh_from_db()
    assert reminders_schedule_for_appointment(appointment=cancelled) == []
    past = book_infusion(patient, in_days(-1))
    assert reminders_schedule_for_appointment(appointment=past) == []


def test_second_reminder(clinic, staff, patient, book_infusion, in_days):
    set_setting(clinic, staff, "second_reminder_hours_before", 24)
    appointment = book_infusion(patient, in_days(4))
    first, second = reminders_schedule_for_appointment(appointment=appointment)
    assert second.args["reminder"] == "second"
    assert second.run_after == appointment.starts_at - dt.timedelta(hours=24)
    # booked inside the second window: one reminder, now
    soon = book_infusion(patient, timezone.now().replace(microsecond=0) + dt.timedelta(hours=20))
    assert len(reminders_schedule_for_appointment(appointment=soon)) == 1


def test_sweep_covers_appointments_booked_by_any_path_and_is_idempotent(
    clinic, other_clinic, make_user, make_patient, patient, book_infusion, in_days
):
    # given infusions booked without scheduling reminders (another path), one beyond the window
    soon = book_infusion(patient, in_days(2))
    far = book_infusion(patient, in_days(20))
    desk = make_user(Role.FRONT_DESK, other_clinic)
    elsewhere = book_infusion(make_patient(other_clinic, desk), in_days(2, "11:00"))
    # when the sweep runs twice
    assert reminders_schedule_due() == 2
    assert reminders_schedule_due() == 0
    # then each near infusion has its reminder once
    queued = {job.args["appointment_id"] for job in Job.objects.all()}
    assert queued == {soon.pk, elsewhere.pk} and far.pk not in queued


def test_schedule_reminders_command(patient, book_infusion, in_days):
    book_infusion(patient, in_days(2))
    out = StringIO()
    call_command("schedule_reminders", stdout=out)
    assert out.getvalue().strip() == "Queued 1 new reminder job."


def test_the_job_sends_an_email_and_a_text_with_a_working_link(patient, infusion):
    # given a reminder that is due
    job = reminders_schedule_for_appointment(appointment=infusion)[0]
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    # when the worker runs
    assert run_due_jobs() == 1
    # then one e-mail and one text went out
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [patient.email]
    assert "how to prepare" in email.subject
    assert "Chair 1" in email.body and "no solid food after 03:00" in email.body
    assert CONFIRM_LINK_PLACEHOLDER not in email.body
    text = sms.outbox[0]
    assert text.to == patient.phone and "No solid food after 03:00" in text.body
    # and the messages are recorded as sent, with the placeholder (not the credential) stored
    messages = OutboundMessage.objects.order_by("channel")
    assert [(m.channel, m.status, m.attempts) for m in messages] == [
        (Channel.EMAIL, MessageStatus.SENT, 1),
        (Channel.SMS, MessageStatus.SENT, 1),
    ]
    assert all(m.job_id == job.pk and m.purpose == MessagePurpose.REMINDER_FIRST for m in messages)
    assert all(CONFIRM_LINK_PLACEHOLDER in m.body for m in messages)
    assert messages[0].provider_id == email.extra_headers["Message-ID"]
    assert messages[1].provider_id == text.provider_id
    # and each link opens this appointment
    for body in (email.body, text.body):
        token = LINK.search(body).group(1)
        assert appointment_for_token(raw_token=token) == infusion
    assert PreparationConfirmationToken.objects.filter(appointment=infusion).count() == 2
    # and it is audited without the address or content
    events = AuditEvent.objects.filter(
        object_type="reminders.OutboundMessage", patient_id=patient.pk
    )
    assert events.count() == 4
    assert patient.email not in str(list(events.values_list("changes", flat=True)))


def test_a_failing_sms_provider_is_retried_and_visible(settings, patient, infusion):
    # given the SMS provider is down
    settings.KETACLINIC_SMS_BACKEND = FAILING_SMS
    job = reminders_schedule_for_appointment(appointment=infusion)[0]
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    # when the job runs
    run_due_jobs()
    # then the e-mail went, the text failed, and the job waits to retry with a redacted error
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert "1 of 2 reminder messages could not be sent" in job.last_error
    assert patient.phone not in job.last_error
    text = OutboundMessage.objects.get(channel=Channel.SMS)
    assert (
        text.status == MessageStatus.FAILED and "SmsSendError" in text.error and text.attempts == 1
    )
    assert len(mail.outbox) == 1
    # when the provider is back and the retry runs
    settings.KETACLINIC_SMS_BACKEND = LOCMEM_SMS
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    run_due_jobs()
    # then only the text is sent; the e-mail is not repeated
    job.refresh_from_db()
    text.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert text.status == MessageStatus.SENT and text.attempts == 2 and text.error == ""
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1


def test_a_failing_mail_server_is_recorded(monkeypatch, patient, infusion):
    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError(f"SMTP refused {patient.email}")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    job = reminders_schedule_for_appointment(appointment=infusion)[0]
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    run_due_jobs()
    email = OutboundMessage.objects.get(channel=Channel.EMAIL)
    assert email.status == MessageStatus.FAILED
    assert email.error == "ConnectionRefusedError: SMTP refused [address]"
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_cancelled_after_queueing_is_not_reminded(infusion):
    job = reminders_schedule_for_appointment(appointment=infusion)[0]
    Appointment.objects.filter(pk=infusion.pk).update(status=AppointmentStatus.CANCELLED)
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    run_due_jobs()
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert OutboundMessage.objects.count() == 0 and mail.outbox == []


def test_a_moved_visit_skips_the_old_reminder_and_gets_a_new_one(infusion, in_days):
    old = reminders_schedule_for_appointment(appointment=infusion)[0]
    Appointment.objects.filter(pk=infusion.pk).update(
        starts_at=in_days(5), ends_at=in_days(5) + dt.timedelta(hours=2)
    )
    infusion.refresh_from_db()
    assert reminder_deliver(**old.args) == "skipped: the visit moved since this reminder was queued"
    new = reminders_schedule_for_appointment(appointment=infusion)[0]
    assert new.pk != old.pk and new.run_after == infusion.starts_at - dt.timedelta(hours=48)


def test_patient_without_contact_details_gives_up_at_once_with_a_reason(
    clinic, staff, make_patient, book_infusion, in_days
):
    patient = make_patient(clinic, staff[Role.FRONT_DESK], email="", phone="")
    job = reminders_schedule_for_appointment(appointment=book_infusion(patient, in_days(1)))[0]
    run_due_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.DEAD and NO_CONTACT in job.last_error


def test_channel_setting_limits_the_channels(clinic, staff, infusion):
    set_setting(clinic, staff, "reminder_channels", "email")
    reminders_schedule_for_appointment(appointment=infusion)
    Job.objects.update(run_after=timezone.now())
    run_due_jobs()
    assert len(mail.outbox) == 1 and sms.outbox == []


def test_fasting_settings_change_the_text(clinic, staff, infusion):
    set_setting(clinic, staff, "fasting_solids_hours", 8)
    set_setting(clinic, staff, "no_driving_hours", 36)
    reminders_schedule_for_appointment(appointment=infusion)
    Job.objects.update(run_after=timezone.now())
    run_due_jobs()
    body = mail.outbox[0].body
    assert "no solid food after 01:00 (a light meal is fine up to 8 hours" in body
    assert "Fried or fatty" not in body  # 8 h is no longer longer than the light-meal time
    assert "for 36 hours after the infusion" in body


def test_run_jobs_sweeps_and_sends_what_any_booking_path_left_unscheduled(
    patient, book_infusion, in_days
):
    # given an infusion tomorrow booked without scheduling its reminder
    book_infusion(patient, in_days(1))
    # when one worker pass runs (its sweep queues the reminder, then runs it)
    out = StringIO()
    call_command("run_jobs", "--once", stdout=out)
    # then the reminder went out
    assert out.getvalue().strip() == "Ran 1 job."
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1


def test_the_chart_timeline_shows_reminders_and_confirmations(patient, infusion):
    from clinic.patients.timeline import patient_timeline
    from clinic.reminders.models import ConfirmationSource
    from clinic.reminders.services import preparation_confirm

    reminders_schedule_for_appointment(appointment=infusion)
    Job.objects.update(run_after=timezone.now())
    run_due_jobs()
    preparation_confirm(
        appointment=infusion,
        source=ConfirmationSource.PATIENT_LINK,
        last_solid_food_at=infusion.starts_at - dt.timedelta(hours=8),
        last_clear_liquid_at=infusion.starts_at - dt.timedelta(hours=3),
        driver_name="Marta",
        driver_phone="6175550143",
        medication_changes="none",
        no_driving_understood=True,
    )
    titles = [entry.title for entry in patient_timeline(patient=patient)]
    assert "Preparation confirmed" in titles
    assert (
        "Visit reminder sent by e-mail" in titles
        and "Visit reminder sent by text message" in titles
    )
