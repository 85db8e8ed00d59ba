"""The public site (pages, self-check, consultation request) and the front-desk inbox."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.accounts.roles import Perm
from clinic.core.forms import apply_service_errors
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required, user_can
from clinic.core.selectors import clinic_setting_value
from clinic.core.validators import age_on
from clinic.intake import antispam, selectors
from clinic.intake.forms import (
    CloseForm,
    ConsultationRequestForm,
    ContactAttemptForm,
    ConvertForm,
    InboxFilterForm,
    SelfCheckForm,
)
from clinic.intake.models import RequestStatus
from clinic.intake.selfcheck import evaluate_self_check, public_explanations, questions
from clinic.intake.services import (
    consultation_request_close,
    consultation_request_convert,
    consultation_request_opened,
    consultation_request_submit,
    contact_attempt_log,
)
from clinic.scheduling.forms import consultation_slots, data_with_pick, picked_label
from clinic.scheduling.selectors import clinic_today

URGENT_SESSION_KEY = "intake_request_urgent"
CONVERT_SUBMIT = "Create patient and book consultation"
RATE_LIMITED = (
    "We have received several requests from your connection in the last hour, so we cannot take "
    "another one online right now. Please call us, or try again in an hour."
)

# --- Public pages ---------------------------------------------------------------------------


def _page(template: str, nav: str):
    def view(request):
        return render(request, f"intake/public/{template}.html", {"public_nav": nav})

    view.__name__ = f"{nav}_page"
    return view


home = _page("home", "home")
treatment = _page("treatment", "treatment")
mood = _page("mood", "mood")
pain = _page("pain", "pain")
visit = _page("visit", "visit")
faq = _page("faq", "faq")


def self_check(request):
    """The candidacy self-check; the answers are evaluated, shown, and not stored."""
    clinics = selectors.public_clinics()
    minimum_age = selectors.public_minimum_age(clinics)
    form = SelfCheckForm(request.POST or None, questions=questions(minimum_age=minimum_age))
    if request.method == "POST" and form.is_valid():
        answers = {code: value for code, value in form.cleaned_data.items()}
        result = evaluate_self_check(answers, minimum_age=minimum_age)
        request_form = ConsultationRequestForm(
            clinics=clinics, initial={"self_check": antispam.self_check_token(answers)}
        )
        return render(request, "intake/public/self_check_result.html", {
            "public_nav": "self_check",
            "result": result,
            "crisis": result.crisis,
            "explanations": public_explanations(result),
            "form": request_form,
            "clinics": clinics,
            "minimum_age": minimum_age,
        })
    return render(request, "intake/public/self_check.html", {
        "public_nav": "self_check",
        "form": form,
        # A danger answer sent with other questions unanswered still shows crisis help first.
        "crisis": form.is_bound and form.any_danger_checked(),
    })


def consultation_request(request):
    """The free-consultation request form, with honeypot, minimum fill time and rate limit."""
    clinics = selectors.public_clinics()
    form = ConsultationRequestForm(request.POST or None, clinics=clinics)
    if request.method == "POST":
        address = request.META.get("REMOTE_ADDR", "")
        if form.honeypot_filled:
            # A bot: look like success, keep nothing.
            antispam.rate_limit_count(address=address)
            return redirect("intake:request_done")
        if form.is_valid():
            data = form.cleaned_data
            clinic = data["clinic"]
            limit = clinic_setting_value(clinic, "public_request_rate_limit_per_hour")
            if antispam.rate_limit_exceeded(address=address, limit=limit):
                return render(request, "intake/public/request_limited.html", {
                    "message": RATE_LIMITED, "clinic": clinic, "crisis": False,
                }, status=429)
            try:
                request_obj = consultation_request_submit(
                    clinic=clinic, given_name=data["given_name"], family_name=data["family_name"],
                    email=data["email"], phone=data["phone"], date_of_birth=data["date_of_birth"],
                    preferred_contact=data["preferred_contact"], interest=data["interest"],
                    message=data["message"], referred_by=data["referred_by"],
                    self_check_answers=form.self_check_answers,
                    submission_key=data["submission_key"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                antispam.rate_limit_count(address=address)
                request.session[URGENT_SESSION_KEY] = request_obj.is_urgent
                return redirect("intake:request_done")
    crisis = False
    if form.is_bound and getattr(form, "self_check_answers", None):
        crisis = evaluate_self_check(form.self_check_answers).crisis
    return render(request, "intake/public/request.html", {
        "public_nav": "request", "form": form, "clinics": clinics, "crisis": crisis,
        "has_self_check": bool(form.data.get("self_check")) if form.is_bound else False,
    })


def request_done(request):
    urgent = bool(request.session.pop(URGENT_SESSION_KEY, False))
    return render(request, "intake/public/request_done.html", {
        "public_nav": "request", "crisis": urgent, "urgent": urgent,
    })


# --- Front-desk inbox -----------------------------------------------------------------------


def _get_request(request, public_id):
    request_obj = selectors.consultation_request_detail(clinic=request.clinic, public_id=public_id)
    if request_obj is None:
        raise Http404("No such request.")
    return request_obj


@permission_required(Perm.INBOX_VIEW)
def inbox(request):
    form = InboxFilterForm(request.GET or None)
    status, urgent_only = "open", False
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or "open"
        urgent_only = form.cleaned_data["urgent"]
    requests = selectors.consultation_request_list(
        clinic=request.clinic, status=status, urgent_only=urgent_only
    )
    counts = selectors.inbox_counts(clinic=request.clinic)
    return render(request, "intake/inbox.html", {
        "nav": "inbox",
        "form": form if form.is_bound else InboxFilterForm(initial={"status": "open"}),
        "status": status,
        "counts": counts,
        **paginate(request, requests),
    })


def _detail_context(request, request_obj, **forms) -> dict:
    can_work = user_can(request, Perm.INBOX_WORK)
    is_open = request_obj.status in (RequestStatus.NEW, RequestStatus.CONTACTED)
    context = {
        "nav": "inbox",
        "req": request_obj,
        "age": age_on(request_obj.date_of_birth, clinic_today(request.clinic))
        if request_obj.date_of_birth else None,
        "attempts": list(selectors.contact_attempts_for(request_obj)),
        "consultation": selectors.consultation_for(request_obj),
        "can_work": can_work and is_open,
        "question_list": [
            (q, request_obj.self_check_answers.get(q.code))
            for q in questions(minimum_age=clinic_setting_value(
                request.clinic, "minimum_patient_age_years"))
            if q.code in request_obj.self_check_answers
        ],
    }
    if context["can_work"]:
        context["contact_form"] = forms.get("contact_form") or ContactAttemptForm(
            initial={"method": request_obj.preferred_contact}
        )
        context["convert_form"] = forms.get("convert_form") or ConvertForm(
            clinic=request.clinic, request_obj=request_obj
        )
        context["close_form"] = forms.get("close_form") or CloseForm()
        # The consultation is booked by the same rules as any other: offer the next free times.
        context.update(consultation_slots(clinic=request.clinic, form=context["convert_form"]))
        context["submit_label"] = CONVERT_SUBMIT
        context["picked"] = forms.get("picked", "")
    return context


@permission_required(Perm.INBOX_VIEW)
def inbox_detail(request, public_id):
    request_obj = _get_request(request, public_id)
    consultation_request_opened(request_obj=request_obj, opened_by=request.user)
    return render(request, "intake/inbox_detail.html", _detail_context(request, request_obj))


def _not_open(request, request_obj, exc: ValidationError):
    messages.info(request, " ".join(exc.messages))
    return redirect("intake:inbox_detail", public_id=request_obj.public_id)


@require_POST
@permission_required(Perm.INBOX_WORK)
def inbox_contact(request, public_id):
    request_obj = _get_request(request, public_id)
    form = ContactAttemptForm(request.POST)
    if form.is_valid():
        try:
            contact_attempt_log(request_obj=request_obj, made_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _not_open(request, request_obj, exc)
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Contact attempt recorded.")
            return redirect("intake:inbox_detail", public_id=request_obj.public_id)
    return render(request, "intake/inbox_detail.html",
                  _detail_context(request, request_obj, contact_form=form))


@require_POST
@permission_required(Perm.INBOX_WORK)
def inbox_convert(request, public_id):
    request_obj = _get_request(request, public_id)
    if "pick" in request.POST or request.POST.get("action") == "find":
        # A free time picked (or asked for) without script: fill the form in, register nobody yet.
        picked = "pick" in request.POST
        data = data_with_pick(request.POST, request.POST["pick"]) if picked else request.POST
        form = ConvertForm(data, clinic=request.clinic, request_obj=request_obj)
        form.is_valid()
        context = _detail_context(
            request, request_obj, convert_form=form, picked=picked_label(form) if picked else ""
        )
        return render(request, "intake/inbox_detail.html", context)
    form = ConvertForm(request.POST, clinic=request.clinic, request_obj=request_obj)
    if form.is_valid():
        data = form.cleaned_data
        try:
            patient, appointment = consultation_request_convert(
                request_obj=request_obj, converted_by=request.user, starts_at=data["starts_at"],
                room=data["room"], clinician=data["clinician"],
                patient_fields={
                    "given_name": data["given_name"], "family_name": data["family_name"],
                    "date_of_birth": data["date_of_birth"], "sex_at_birth": data["sex_at_birth"],
                },
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _not_open(request, request_obj, exc)
            apply_service_errors(form, exc, {"starts_at": "start_time"})
        else:
            local = appointment.starts_at.astimezone(request.clinic.tzinfo)
            messages.success(
                request,
                f"{patient.full_name} registered as {patient.record_number}; consultation booked "
                f"for {local:%a %d %b %Y at %H:%M}.",
            )
            return redirect("intake:inbox_detail", public_id=request_obj.public_id)
    return render(request, "intake/inbox_detail.html",
                  _detail_context(request, request_obj, convert_form=form))


@require_POST
@permission_required(Perm.INBOX_WORK)
def inbox_close(request, public_id):
    request_obj = _get_request(request, public_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            consultation_request_close(
                request_obj=request_obj, closed_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _not_open(request, request_obj, exc)
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Request closed.")
            return redirect("intake:inbox")
    return render(request, "intake/inbox_detail.html",
                  _detail_context(request, request_obj, close_form=form))
