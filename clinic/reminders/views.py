"""Staff: messages and jobs, retry, an appointment's preparation and phone confirmation.
Public: the patient's confirmation link (no sign-in; the token is the credential)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.accounts.roles import Perm
from clinic.core.forms import apply_service_errors
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required, user_can
from clinic.reminders import selectors
from clinic.reminders.content import MEDICATION_TEXT, fasting_lines, visit_when
from clinic.reminders.forms import MessageFilterForm, PreparationConfirmForm, StaffPhoneConfirmForm
from clinic.reminders.jobs import job_retry_now
from clinic.reminders.models import ConfirmationSource, Job
from clinic.reminders.services import preparation_confirm
from clinic.scheduling.models import Appointment

JOB_QUEUED_AGAIN = "Job {id} is queued to run again now."
PHONE_CONFIRMATION_SAVED = "Phone confirmation saved."
ATTENTION_PREVIEW = 5


def _private(response):
    # The page carries the visit and a credential in its URL: no caching, no indexing. The site's
    # Referrer-Policy (same-origin) already keeps the URL from other sites; "no-referrer" would make
    # the browser send "Origin: null" with the form, which Django's CSRF check refuses.
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- Staff -----------------------------------------------------------------------------------


@permission_required(Perm.APPOINTMENT_BOOK)
def message_list(request):
    """Recent reminder messages with their status and the visit's confirmation, and the jobs that
    failed or gave up."""
    form = MessageFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    attention = selectors.jobs_needing_attention(clinic=request.clinic)
    context = {
        "nav": "messages",
        "form": form,
        "attention": list(attention[:ATTENTION_PREVIEW]),
        "attention_count": attention.count(),
        **paginate(request, selectors.messages_list(clinic=request.clinic, status=status)),
    }
    return render(request, "reminders/messages.html", context)


@permission_required(Perm.APPOINTMENT_BOOK)
def job_list(request):
    """Every job of this clinic that failed (retrying) or gave up, with its redacted error."""
    context = {
        "nav": "messages",
        **paginate(request, selectors.jobs_needing_attention(clinic=request.clinic)),
    }
    return render(request, "reminders/jobs.html", context)


@permission_required(Perm.APPOINTMENT_BOOK)
@require_POST
def job_retry(request, job_id: int):
    job = get_object_or_404(Job, pk=job_id, clinic=request.clinic)
    try:
        job_retry_now(job=job, retried_by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, JOB_QUEUED_AGAIN.format(id=job.pk))
    next_url = request.POST.get("next", "")
    allowed = {reverse("reminders:messages"), reverse("reminders:jobs")}
    return redirect(next_url if next_url in allowed else reverse("reminders:messages"))


def _appointment(request, appointment_id: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("patient", "room", "clinic"),
        pk=appointment_id,
        clinic=request.clinic,
    )


@permission_required(Perm.APPOINTMENT_VIEW)
def preparation_detail(request, appointment_id: int):
    """An appointment's preparation: the latest confirmation, its earlier versions, the messages."""
    appointment = _appointment(request, appointment_id)
    confirmation = selectors.preparation_for_appointment(appointment=appointment)
    rules = selectors.preparation_rules(clinic=request.clinic)
    context = {
        "nav": "appointments",
        "appointment": appointment,
        "confirmation": confirmation,
        "fasting": selectors.preparation_fasting_check(confirmation=confirmation, rules=rules)
        if confirmation
        else None,
        "versions": selectors.preparation_versions(confirmation=confirmation)
        if confirmation
        else [],
        "appointment_messages": list(
            selectors.messages_for_appointment(appointment=appointment)[:25]
        ),
        "rules": rules,
        "can_record": user_can(request, Perm.APPOINTMENT_BOOK),
    }
    return render(request, "reminders/preparation.html", context)


@permission_required(Perm.APPOINTMENT_BOOK)
def preparation_phone(request, appointment_id: int):
    """The front desk records the patient's answers given on the phone."""
    appointment = _appointment(request, appointment_id)
    confirmation = selectors.preparation_for_appointment(appointment=appointment)
    form = StaffPhoneConfirmForm(
        request.POST or None, appointment=appointment, confirmation=confirmation
    )
    if request.method == "POST" and form.is_valid():
        try:
            preparation_confirm(
                appointment=appointment,
                source=ConfirmationSource.STAFF_PHONE,
                recorded_by=request.user,
                **form.answers(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, PHONE_CONFIRMATION_SAVED)
            return redirect("reminders:preparation", appointment_id=appointment.pk)
    return render(
        request,
        "reminders/preparation_phone.html",
        {
            "nav": "appointments",
            "appointment": appointment,
            "form": form,
        },
    )


# --- Public: the patient's link --------------------------------------------------------------


def _link_invalid(request):
    return _private(render(request, "reminders/public/link_invalid.html", status=404))


def confirm(request, token: str):
    """The patient confirms fasting, driver and medication changes from the reminder's link."""
    appointment = selectors.appointment_for_token(raw_token=token)
    if appointment is None:
        return _link_invalid(request)
    with timezone.override(appointment.clinic.tzinfo):
        confirmation = selectors.preparation_for_appointment(appointment=appointment)
        form = PreparationConfirmForm(
            request.POST or None, appointment=appointment, confirmation=confirmation
        )
        if request.method == "POST" and form.is_valid():
            try:
                preparation_confirm(
                    appointment=appointment,
                    source=ConfirmationSource.PATIENT_LINK,
                    **form.answers(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect("reminders:confirm_done", token=token)
        visit = selectors.visit_for_appointment(appointment=appointment)
        rules = selectors.preparation_rules(clinic=appointment.clinic)
        return _private(
            render(
                request,
                "reminders/public/confirm.html",
                {
                    "visit": visit,
                    "when": visit_when(visit),
                    "rules": rules,
                    "fasting_lines": fasting_lines(visit=visit, rules=rules),
                    "medication_text": MEDICATION_TEXT,
                    "form": form,
                    "confirmation": confirmation,
                },
            )
        )


def confirm_done(request, token: str):
    appointment = selectors.appointment_for_token(raw_token=token)
    if appointment is None:
        return _link_invalid(request)
    confirmation = selectors.preparation_for_appointment(appointment=appointment)
    if confirmation is None:
        return redirect("reminders:confirm", token=token)
    visit = selectors.visit_for_appointment(appointment=appointment)
    rules = selectors.preparation_rules(clinic=appointment.clinic)
    with timezone.override(appointment.clinic.tzinfo):
        return _private(
            render(
                request,
                "reminders/public/confirm_done.html",
                {
                    "token": token,
                    "visit": visit,
                    "when": visit_when(visit),
                    "confirmation": confirmation,
                    "fasting": selectors.preparation_fasting_check(
                        confirmation=confirmation, rules=rules
                    ),
                    "rules": rules,
                },
            )
        )
