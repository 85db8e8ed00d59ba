"""Scheduling screens: the day list, the chair day view and the week, booking a consultation, the
series booking flow (preferences → proposal → adjust → book), moving and cancelling, the clinic's
hours, visit types, chairs and shifts, and the calendar feeds. Thin: forms parse, services decide.

Permissions: everyone on the staff sees the book (appointment.view); front desk and administrators
book, move and cancel (appointment.book) and keep the shift roster (appointment.book, because the
front desk plans chairs against the nurses on duty); administrators set hours, visit types and chairs
(settings.edit). Patients reach only their own calendar feed page (portal.use).
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.accounts.roles import Perm
from clinic.core.form_views import form_submit
from clinic.core.forms import apply_service_errors
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required
from clinic.patients.models import Patient
from clinic.scheduling import selectors
from clinic.scheduling.forms import (
    AppointmentTypeForm,
    ClosureForm,
    ConsultationBookForm,
    DayForm,
    FeedCreateForm,
    HoursForm,
    ReasonForm,
    RescheduleForm,
    RoomForm,
    SeriesMoveForm,
    SeriesPreferencesForm,
    SeriesStartForm,
    ShiftForm,
    SlotFormSet,
    WeekForm,
    consultation_slots,
    data_with_pick,
    picked_label,
    slots_after,
)
from clinic.scheduling.ics import render_calendar
from clinic.scheduling.models import (
    Appointment,
    AppointmentSeries,
    AppointmentType,
    CalendarFeedToken,
    ClinicClosure,
    Room,
    RoomKind,
    SeriesStatus,
    StaffShift,
)
from clinic.scheduling.planner import SeriesCheck
from clinic.scheduling.selectors import appointments_for_day, clinic_today
from clinic.scheduling.services import (
    appointment_cancel,
    appointment_reschedule,
    appointment_type_create,
    appointment_type_update,
    appointment_types_seed,
    calendar_feed_fetched,
    calendar_feed_token_create,
    calendar_feed_token_revoke,
    clinic_closure_add,
    clinic_closure_remove,
    clinic_week_hours_set,
    consultation_book,
    room_create,
    room_set_active,
    series_book,
    series_cancel,
    series_check,
    series_move,
    series_propose,
    staff_shift_create,
    staff_shift_remove,
)

BAD_DATE = "That date could not be read; showing today instead."


def day_list_url(day: dt.date) -> str:
    return f"{reverse('scheduling:list')}?date={day.isoformat()}"


@permission_required(Perm.APPOINTMENT_VIEW)
def appointment_list(request):
    """One day of the clinic's appointments (the clinic's local day), with day-to-day navigation."""
    today = clinic_today(request.clinic)
    form = DayForm(request.GET or None)
    day = today
    if request.GET.get("date"):
        if form.is_valid() and form.cleaned_data["date"]:
            day = form.cleaned_data["date"]
        else:
            messages.warning(request, BAD_DATE)
    appointments = appointments_for_day(clinic=request.clinic, day=day)
    context = {
        "nav": "appointments",
        "day": day,
        "today": today,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "form": DayForm(initial={"date": day}),
        "now": timezone.now(),
        "movable_statuses": selectors.MOVABLE_STATUSES,
        **paginate(request, appointments),
    }
    return render(request, "scheduling/list.html", context)


@permission_required(Perm.APPOINTMENT_BOOK)
def consultation_book_view(request, patient_id: int | None = None):
    """Book a consultation for a patient already registered at this clinic.

    The next free times are offered as buttons; a refused time (closed, after hours, the physician
    busy or off shift) is named on its field with the next free times after it.
    """
    patient = None
    if patient_id is not None:
        patient = get_object_or_404(Patient, pk=patient_id, clinic=request.clinic)
    picked = request.method == "POST" and "pick" in request.POST
    finding = request.method == "POST" and request.POST.get("action") == "find"
    data = data_with_pick(request.POST, request.POST["pick"]) if picked else (request.POST or None)
    form = ConsultationBookForm(data, clinic=request.clinic, patient=patient)

    def local_start(appointment: Appointment) -> dt.datetime:
        return appointment.starts_at.astimezone(request.clinic.tzinfo)

    if picked or finding:
        form.is_valid()  # fill cleaned_data for the panel; nothing is booked
    else:
        done = form_submit(
            request, form,
            lambda data: consultation_book(
                patient=form.patient, starts_at=data["starts_at"], booked_by=request.user,
                room=data["room"], clinician=data["clinician"], notes=data["notes"],
                submission_key=data["submission_key"],
            ),
            success=lambda appointment: (
                f"Consultation booked for {form.patient.record_number} "
                f"on {local_start(appointment):%a %d %b %Y at %H:%M}."
            ),
            redirect_to=lambda appointment: day_list_url(local_start(appointment).date()),
            field_map={"starts_at": "start_time"},
        )
        if done:
            return done
    return render(
        request, "scheduling/book.html",
        {
            "nav": "appointments", "form": form, "patient": patient,
            "picked": picked_label(form) if picked else "", "submit_label": "Book consultation",
            **consultation_slots(clinic=request.clinic, form=form, patient=form.patient),
        },
    )


# --- chair day view and week ----------------------------------------------------------------------

SERIES_BOOKED = "Series of {count} visits booked for {mrn}."
SERIES_MOVED = "Every remaining visit moved."
SERIES_CANCELLED = "Series cancelled; visits still to come are cancelled."
VISIT_MOVED = "Visit moved to {when}."
VISIT_CANCELLED = "Visit cancelled."
CHECK_OK = "Every visit fits: chairs free, inside opening hours, within nurse capacity, spaced correctly."
HOURS_SAVED = "Opening hours saved."
FEED_CREATED = "Feed created. Copy the address now: it is shown only once."
FEED_REVOKED = "Feed address revoked; calendars using it stop updating."


def _posted(request):
    """The submitted data on a POST (even an empty one, so an empty form shows its errors)."""
    return request.POST if request.method == "POST" else None


def _day_from(request, field: str, default: dt.date) -> dt.date:
    raw = request.GET.get(field)
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        messages.warning(request, BAD_DATE)
        return default


@permission_required(Perm.APPOINTMENT_VIEW)
def day_view(request):
    """One local day of the clinic's chairs: rows are time steps, columns are chairs."""
    today = clinic_today(request.clinic)
    day = _day_from(request, "date", today)
    view = selectors.day_view(clinic=request.clinic, day=day)
    context = {
        "nav": "appointments", "tab": "day", "view": view, "day": day, "today": today,
        "previous_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
        "week_start": selectors.week_start_of(day), "form": DayForm(initial={"date": day}),
    }
    return render(request, "scheduling/day.html", context)


@permission_required(Perm.APPOINTMENT_VIEW)
def week_view(request):
    """Monday to Sunday: each day's visits (time, chair, patient, type) and who is on duty."""
    today = clinic_today(request.clinic)
    start = selectors.week_start_of(_day_from(request, "start", today))
    view = selectors.week_view(clinic=request.clinic, week_start=start)
    context = {
        "nav": "appointments", "tab": "week", "view": view, "today": today,
        "previous_week": start - dt.timedelta(days=7), "next_week": start + dt.timedelta(days=7),
        "this_week": selectors.week_start_of(today), "form": WeekForm(initial={"start": start}),
    }
    return render(request, "scheduling/week.html", context)


# --- series booking -------------------------------------------------------------------------------


@permission_required(Perm.APPOINTMENT_BOOK)
def series_start(request):
    """Choose the patient (by record number) whose series is to be booked."""
    form = SeriesStartForm(_posted(request), clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        return redirect("scheduling:series_new", patient_id=form.patient.pk)
    return render(request, "scheduling/series_start.html", {"nav": "appointments", "form": form})


def _slot_rows(formset, chair_minutes: int, tz) -> list[dict]:
    rows = []
    for index, form in enumerate(formset.forms, start=1):
        end = None
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("starts_at") and chair_minutes:
            end = (data["starts_at"] + dt.timedelta(minutes=chair_minutes)).astimezone(tz)
        elif form.initial.get("ends_at"):
            end = form.initial["ends_at"]
        rows.append({"n": index, "form": form, "end": end})
    return rows


@permission_required(Perm.APPOINTMENT_BOOK)
def series_new(request, patient_id: int):
    """Book a whole series: preferences → the planner's proposal → adjust any visit → book at once."""
    clinic = request.clinic
    tz = clinic.tzinfo
    patient = get_object_or_404(Patient, pk=patient_id, clinic=clinic)
    courses = selectors.bookable_courses(patient=patient)
    initial_course = None
    wanted = request.GET.get("course", "")
    if wanted.isdigit():
        initial_course = courses.filter(pk=int(wanted)).first()
    if initial_course is None:
        initial_course = courses.first()
    today = clinic_today(clinic)
    prefs = SeriesPreferencesForm(
        _posted(request), clinic=clinic, patient=patient, initial_course=initial_course,
        initial={"start_date": today + dt.timedelta(days=1), "weekdays": [0, 2, 4],
                 "preferred_time": dt.time(9, 0)},
    )
    action = request.POST.get("action", "propose")
    formset = None
    proposal = None
    check = None
    parameters = None
    if request.method == "POST" and prefs.is_valid():
        data = prefs.cleaned_data
        course, appointment_type = data["course"], data["appointment_type"]
        parameters = selectors.series_parameters(
            clinic=clinic, course=course, appointment_type=appointment_type
        )
        gap = data["min_gap_hours"] if data["min_gap_hours"] is not None else parameters.min_gap_hours
        window = data["window_days"] or parameters.window_days
        if action == "propose" or "slot-TOTAL_FORMS" not in request.POST:
            try:
                result = series_propose(
                    patient=patient, course=course, appointment_type=appointment_type,
                    count=data["count"], start_date=data["start_date"],
                    preferred_weekdays=data["weekdays"], preferred_times=data["preferred_times"],
                    window_days=data["window_days"], min_gap_hours=data["min_gap_hours"],
                )
            except ValidationError as exc:
                apply_service_errors(prefs, exc)
            else:
                proposal, parameters = result.proposal, result.parameters
                formset = SlotFormSet(
                    prefix="slot", clinic=clinic,
                    initial=[{
                        "date": slot.start.astimezone(tz).date(),
                        "start_time": slot.start.astimezone(tz).time(),
                        "chair": slot.chair_id,
                        "ends_at": slot.end.astimezone(tz),
                    } for slot in proposal.slots],
                )
        else:
            formset = SlotFormSet(request.POST, prefix="slot", clinic=clinic)
            if formset.is_valid():
                length = dt.timedelta(minutes=parameters.chair_minutes)
                slots = [
                    (f.cleaned_data["starts_at"], f.cleaned_data["starts_at"] + length,
                     f.cleaned_data["chair"].pk)
                    for f in formset.forms
                ]
                if action == "book":
                    try:
                        series = series_book(
                            patient=patient, course=course, slots=slots, booked_by=request.user,
                            submission_key=data["submission_key"], appointment_type=appointment_type,
                            min_gap_hours=gap, window_days=window,
                        )
                    except ValidationError as exc:
                        check = SeriesCheck(errors=exc.messages)
                    else:
                        messages.success(request, SERIES_BOOKED.format(
                            count=len(slots), mrn=patient.record_number))
                        return redirect("scheduling:series_detail", series_id=series.pk)
                else:
                    check = series_check(
                        patient=patient, slots=slots, course=course, appointment_type=appointment_type,
                        min_gap_hours=gap, start_date=data["start_date"], window_days=window,
                    )
    if formset is None and request.method == "POST" and "slot-TOTAL_FORMS" in request.POST:
        # The preferences need correcting: keep the visits as the front desk adjusted them.
        formset = SlotFormSet(request.POST, prefix="slot", clinic=clinic)
        formset.is_valid()
    chair_minutes = parameters.chair_minutes if parameters else 0
    context = {
        "nav": "appointments", "patient": patient, "prefs": prefs, "formset": formset,
        "rows": _slot_rows(formset, chair_minutes, tz) if formset is not None else [],
        "proposal": proposal, "check": check, "check_ok": CHECK_OK, "parameters": parameters,
        "has_courses": courses.exists(), "series_list": selectors.series_for_patient(patient=patient)[:5],
    }
    return render(request, "scheduling/series_new.html", context)


def _series_url(series: AppointmentSeries) -> str:
    return reverse("scheduling:series_detail", kwargs={"series_id": series.pk})


def _series_or_404(request, series_id: int) -> AppointmentSeries:
    try:
        return selectors.series_detail(clinic=request.clinic, series_id=series_id)
    except AppointmentSeries.DoesNotExist as exc:
        raise Http404("No such series.") from exc


@permission_required(Perm.APPOINTMENT_VIEW)
def series_detail(request, series_id: int):
    series = _series_or_404(request, series_id)
    now = timezone.now()
    visits = selectors.series_visits(series=series)
    context = {
        "nav": "appointments", "series": series, "visits": visits, "now": now,
        "is_active": series.status == SeriesStatus.ACTIVE,
        "movable": [v.pk for v in visits if v.status in selectors.MOVABLE_STATUSES and v.starts_at > now],
    }
    return render(request, "scheduling/series_detail.html", context)


@permission_required(Perm.APPOINTMENT_BOOK)
def series_move_view(request, series_id: int):
    series = _series_or_404(request, series_id)
    form = SeriesMoveForm(_posted(request), clinic=request.clinic)
    done = form_submit(
        request, form,
        lambda data: series_move(series=series, moved_by=request.user, reason=data["reason"],
                                 shift_by=data["shift_by"], new_first_start=data["new_first_start"]),
        success=SERIES_MOVED, redirect_to=_series_url(series),
        field_map={"shift": None, "starts_at": "new_time"},
    )
    if done:
        return done
    return render(request, "scheduling/series_move.html",
                  {"nav": "appointments", "series": series, "form": form})


@permission_required(Perm.APPOINTMENT_BOOK)
def series_cancel_view(request, series_id: int):
    series = _series_or_404(request, series_id)
    form = ReasonForm(_posted(request))
    done = form_submit(
        request, form,
        lambda data: series_cancel(series=series, cancelled_by=request.user, reason=data["reason"]),
        success=SERIES_CANCELLED, redirect_to=_series_url(series),
    )
    if done:
        return done
    return render(request, "scheduling/series_cancel.html",
                  {"nav": "appointments", "series": series, "form": form})


def _appointment_or_404(request, appointment_id: int) -> Appointment:
    try:
        return selectors.appointment_detail(clinic=request.clinic, appointment_id=appointment_id)
    except Appointment.DoesNotExist as exc:
        raise Http404("No such appointment.") from exc


def _after_change(appointment: Appointment, clinic) -> str:
    if appointment.series_id:
        return reverse("scheduling:series_detail", args=[appointment.series_id])
    day = appointment.starts_at.astimezone(clinic.tzinfo).date()
    return f"{reverse('scheduling:day')}?date={day.isoformat()}"


SLOTS_FOR_VISIT = "For this {minutes} min visit{who}{where}."


@permission_required(Perm.APPOINTMENT_BOOK)
def appointment_reschedule_view(request, appointment_id: int):
    """Move one visit. The next free times (the visit's length, its room kind, clinician and patient,
    and in a series its gap to the other visits) are offered as buttons, also after a refusal."""
    appointment = _appointment_or_404(request, appointment_id)
    clinic = request.clinic
    tz = clinic.tzinfo
    local = appointment.starts_at.astimezone(tz)
    room_kind = (
        appointment.room.kind if appointment.room_id
        else (appointment.appointment_type.room_kind if appointment.appointment_type_id else RoomKind.CONSULT)
    )
    picked = request.method == "POST" and "pick" in request.POST
    finding = request.method == "POST" and request.POST.get("action") == "find"
    data = data_with_pick(request.POST, request.POST["pick"]) if picked else _posted(request)
    form = RescheduleForm(
        data, clinic=clinic, room_kind=room_kind,
        initial={"date": local.date(), "start_time": local.time(), "room": appointment.room_id},
    )
    if picked or finding:
        form.is_valid()
    else:
        done = form_submit(
            request, form,
            lambda data: appointment_reschedule(
                appointment=appointment, starts_at=data["starts_at"], room=data["room"],
                moved_by=request.user, reason=data["reason"],
            ),
            success=lambda moved: VISIT_MOVED.format(
                when=moved.starts_at.astimezone(tz).strftime("%a %d %b %Y %H:%M")
            ),
            redirect_to=lambda moved: _after_change(moved, clinic),
            field_map={"starts_at": "start_time"},
        )
        if done:
            return done
    cleaned = getattr(form, "cleaned_data", None) or {}
    room = cleaned.get("room") or appointment.room
    minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    now = timezone.now()
    slots = selectors.next_free_slots(
        clinic=clinic, length_minutes=minutes, room_kind=room_kind,
        after=slots_after(form, now) if form.is_bound else now, room=room,
        clinician=appointment.clinician, patient=appointment.patient, exclude_ids=(appointment.pk,),
        active_minutes=appointment.active_minutes if room_kind == RoomKind.CHAIR else None,
        start_window=selectors.series_start_window(appointment=appointment), now=now,
    )
    slots_for = SLOTS_FOR_VISIT.format(
        minutes=minutes,
        who=f" with {appointment.clinician.signature_name}" if appointment.clinician_id else "",
        where=f" in {room.name} or another free {'chair' if room_kind == RoomKind.CHAIR else 'room'}"
        if room else "",
    )
    return render(request, "scheduling/appointment_reschedule.html", {
        "nav": "appointments", "appointment": appointment, "form": form, "slots": slots,
        "slots_for": slots_for, "picked": picked_label(form) if picked else "",
        "submit_label": "Move the visit",
    })


@permission_required(Perm.APPOINTMENT_BOOK)
def appointment_cancel_view(request, appointment_id: int):
    appointment = _appointment_or_404(request, appointment_id)
    form = ReasonForm(_posted(request))
    done = form_submit(
        request, form,
        lambda data: appointment_cancel(appointment=appointment, cancelled_by=request.user,
                                        reason=data["reason"]),
        success=VISIT_CANCELLED,
        redirect_to=lambda cancelled: _after_change(cancelled, request.clinic),
    )
    if done:
        return done
    return render(request, "scheduling/appointment_cancel.html",
                  {"nav": "appointments", "appointment": appointment, "form": form})


# --- administration -------------------------------------------------------------------------------


@permission_required(Perm.SETTINGS_EDIT)
def hours_view(request):
    """The weekly opening hours and the closed dates."""
    clinic = request.clinic
    rows = selectors.clinic_hours_rows(clinic=clinic)
    forms_by_day = []
    for row in rows:
        hours = row["hours"]
        initial = {"is_closed": hours is None, "opens": hours[0] if hours else None,
                   "closes": hours[1] if hours else None}
        form = HoursForm(_posted(request), prefix=f"d{row['weekday']}", initial=initial,
                         day_label=row["label"])
        forms_by_day.append((row, form))
    if request.method == "POST" and all(form.is_valid() for _, form in forms_by_day):
        week = {
            row["weekday"]: (form.cleaned_data["is_closed"], form.cleaned_data["opens"],
                             form.cleaned_data["closes"])
            for row, form in forms_by_day
        }
        try:
            clinic_week_hours_set(clinic=clinic, week=week, changed_by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, HOURS_SAVED)
            return redirect("scheduling:hours")
    context = {
        "nav": "settings", "days": forms_by_day, "closure_form": ClosureForm(),
        "closures": selectors.clinic_closures(clinic=clinic, start=clinic_today(clinic)),
    }
    return render(request, "scheduling/hours.html", context)


@require_POST
@permission_required(Perm.SETTINGS_EDIT)
def closure_add(request):
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            clinic_closure_add(clinic=request.clinic, date=form.cleaned_data["date"],
                               reason=form.cleaned_data["reason"], added_by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    if form.errors:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    else:
        messages.success(request, "Closed date added.")
    return redirect("scheduling:hours")


@require_POST
@permission_required(Perm.SETTINGS_EDIT)
def closure_remove(request, closure_id: int):
    closure = get_object_or_404(ClinicClosure, pk=closure_id, clinic=request.clinic)
    clinic_closure_remove(closure=closure, removed_by=request.user)
    messages.success(request, "Closed date removed.")
    return redirect("scheduling:hours")


@permission_required(Perm.SETTINGS_EDIT)
def types_view(request):
    """The clinic's visit types (chair time, infusion part, colour) and a form to add one."""
    clinic = request.clinic
    form = AppointmentTypeForm(_posted(request), initial={"is_active": True})
    done = form_submit(
        request, form,
        lambda data: appointment_type_create(clinic=clinic, created_by=request.user, **{
            k: v for k, v in data.items() if k != "is_active"}),
        success="Visit type added.", redirect_to="scheduling:types",
    )
    if done:
        return done
    context = {"nav": "settings", "form": form,
               "types": selectors.appointment_types(clinic=clinic, include_inactive=True)}
    return render(request, "scheduling/types.html", context)


@require_POST
@permission_required(Perm.SETTINGS_EDIT)
def types_seed(request):
    added = appointment_types_seed(clinic=request.clinic, seeded_by=request.user)
    messages.success(request, f"{len(added)} standard visit type(s) added.")
    return redirect("scheduling:types")


@permission_required(Perm.SETTINGS_EDIT)
def type_edit(request, type_id: int):
    appointment_type = get_object_or_404(AppointmentType, pk=type_id, clinic=request.clinic)
    initial = {name: getattr(appointment_type, name) for name in AppointmentTypeForm.base_fields}
    form = AppointmentTypeForm(_posted(request), initial=initial)
    done = form_submit(
        request, form,
        lambda data: appointment_type_update(appointment_type=appointment_type,
                                             updated_by=request.user, **data),
        success="Visit type saved.", redirect_to="scheduling:types",
    )
    if done:
        return done
    return render(request, "scheduling/type_edit.html",
                  {"nav": "settings", "form": form, "appointment_type": appointment_type})


@permission_required(Perm.SETTINGS_EDIT)
def rooms_view(request):
    """Infusion chairs and consultation rooms: add, take out of use, bring back."""
    form = RoomForm(_posted(request))
    done = form_submit(
        request, form,
        lambda data: room_create(clinic=request.clinic, name=data["name"], kind=data["kind"],
                                 created_by=request.user),
        success="Added.", redirect_to="scheduling:rooms",
    )
    if done:
        return done
    return render(request, "scheduling/rooms.html", {
        "nav": "settings", "form": form, "rooms": selectors.rooms_all(clinic=request.clinic)})


@require_POST
@permission_required(Perm.SETTINGS_EDIT)
def room_toggle(request, room_id: int):
    room = get_object_or_404(Room, pk=room_id, clinic=request.clinic)
    # The button posts the state it asks for, so a double click does not flip the room back.
    wanted = request.POST.get("is_active")
    is_active = wanted == "1" if wanted in ("0", "1") else not room.is_active
    room = room_set_active(room=room, is_active=is_active, changed_by=request.user)
    messages.success(request, f"{room.name} is {'in use' if room.is_active else 'out of use'}.")
    return redirect("scheduling:rooms")


@permission_required(Perm.APPOINTMENT_BOOK)
def shifts_view(request):
    """One week of the roster, and a form to put someone on duty."""
    clinic = request.clinic
    today = clinic_today(clinic)
    start = selectors.week_start_of(_day_from(request, "start", today))
    form = ShiftForm(_posted(request), clinic=clinic, initial={"date": today})

    def week_of(shift: StaffShift) -> str:
        week = selectors.week_start_of(shift.starts_at.astimezone(clinic.tzinfo).date())
        return f"{reverse('scheduling:shifts')}?start={week.isoformat()}"

    done = form_submit(
        request, form,
        lambda data: staff_shift_create(
            clinic=clinic, user=data["user"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            created_by=request.user, notes=data["notes"], submission_key=data["submission_key"],
        ),
        success="Shift added.", redirect_to=week_of,
        field_map={"starts_at": "start_time", "ends_at": "end_time"},
    )
    if done:
        return done
    range_start, _ = selectors.clinic_day_bounds(clinic, start)
    _, range_end = selectors.clinic_day_bounds(clinic, start + dt.timedelta(days=6))
    context = {
        "nav": "appointments", "form": form, "start": start,
        "previous_week": start - dt.timedelta(days=7), "next_week": start + dt.timedelta(days=7),
        "shifts": selectors.shifts_between(clinic=clinic, start=range_start, end=range_end),
    }
    return render(request, "scheduling/shifts.html", context)


@permission_required(Perm.APPOINTMENT_BOOK)
def shift_remove(request, shift_id: int):
    shift = get_object_or_404(StaffShift.objects.select_related("user"), pk=shift_id, clinic=request.clinic)
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        start = selectors.week_start_of(shift.starts_at.astimezone(request.clinic.tzinfo).date())
        staff_shift_remove(shift=shift, removed_by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "Shift removed.")
        return redirect(f"{reverse('scheduling:shifts')}?start={start.isoformat()}")
    return render(request, "scheduling/shift_remove.html",
                  {"nav": "appointments", "shift": shift, "form": form})


# --- calendar feeds -------------------------------------------------------------------------------


def _feed_url(request, raw: str) -> str:
    return request.build_absolute_uri(reverse("scheduling:feed", args=[raw]))


@permission_required(Perm.APPOINTMENT_VIEW)
def feeds_view(request):
    """The signed-in staff member's calendar feed addresses: create one, revoke any."""
    form = FeedCreateForm(_posted(request))
    new_url = None
    if request.method == "POST" and form.is_valid():
        _, raw = calendar_feed_token_create(clinic=request.clinic, created_by=request.user,
                                            user=request.user, label=form.cleaned_data["label"])
        new_url = _feed_url(request, raw)
        messages.success(request, FEED_CREATED)
        form = FeedCreateForm()
    context = {
        "nav": "appointments", "form": form, "new_url": new_url, "revoke_url": "scheduling:feed_revoke",
        "tokens": selectors.feed_tokens_for_user(clinic=request.clinic, user=request.user),
        "staff": True,
    }
    return render(request, "scheduling/feeds.html", context)


@require_POST
@permission_required(Perm.APPOINTMENT_VIEW)
def feed_revoke(request, token_id: int):
    token = get_object_or_404(CalendarFeedToken, pk=token_id, clinic=request.clinic, user=request.user)
    try:
        calendar_feed_token_revoke(token=token, revoked_by=request.user)
    except ValidationError as exc:
        messages.warning(request, exc.messages[0])
    else:
        messages.success(request, FEED_REVOKED)
    return redirect("scheduling:feeds")


def _portal_patient(request) -> Patient:
    patient = Patient.objects.filter(user=request.user, clinic=request.clinic).first()
    if patient is None:
        raise Http404("No patient record is linked to this account.")
    return patient


@permission_required(Perm.PORTAL)
def portal_feeds_view(request):
    """A patient's own calendar feed addresses (their visits, with the preparation reminder)."""
    patient = _portal_patient(request)
    form = FeedCreateForm(_posted(request))
    new_url = None
    if request.method == "POST" and form.is_valid():
        _, raw = calendar_feed_token_create(clinic=request.clinic, created_by=request.user,
                                            patient=patient, label=form.cleaned_data["label"])
        new_url = _feed_url(request, raw)
        messages.success(request, FEED_CREATED)
        form = FeedCreateForm()
    context = {
        "form": form, "new_url": new_url, "revoke_url": "scheduling:portal_feed_revoke",
        "tokens": selectors.feed_tokens_for_patient(patient=patient), "staff": False,
    }
    return render(request, "scheduling/feeds.html", context)


@require_POST
@permission_required(Perm.PORTAL)
def portal_feed_revoke(request, token_id: int):
    patient = _portal_patient(request)
    token = get_object_or_404(CalendarFeedToken, pk=token_id, clinic=request.clinic, patient=patient)
    try:
        calendar_feed_token_revoke(token=token, revoked_by=request.user)
    except ValidationError as exc:
        messages.warning(request, exc.messages[0])
    else:
        messages.success(request, FEED_REVOKED)
    return redirect("scheduling:portal_feeds")


def feed(request, token: str):
    """The iCalendar feed at its secret address (no sign-in: calendar apps cannot sign in).

    Unknown or revoked addresses answer 404, the same as any missing page.
    """
    found = selectors.feed_token_lookup(raw=token)
    if found is None:
        raise Http404("No such feed.")
    now = timezone.now()
    events = selectors.feed_events(token=found, now=now)
    name = found.clinic.name if found.patient_id else f"{found.clinic.name} — my schedule"
    calendar_feed_fetched(token=found, now=now)
    response = HttpResponse(render_calendar(name=name, events=events, now=now),
                            content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return response
