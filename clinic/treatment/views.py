"""Treatment screens: the protocol library, courses, infusion orders (calculator, signing, double
check) and the predicted concentration chart. Thin: forms parse, services decide, selectors read.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic.accounts.roles import Perm
from clinic.core.form_views import form_submit
from clinic.core.forms import apply_service_errors
from clinic.core.pagination import paginate
from clinic.core.permissions import any_permission_required, permission_required, user_can
from clinic.core.selectors import clinic_setting_value
from clinic.core.signatures import SignatureError
from clinic.patients.models import Patient
from clinic.treatment import selectors
from clinic.treatment.calculations.pk import PK_MODELS
from clinic.treatment.clinical_settings import PK_DEFAULT_MODEL
from clinic.treatment.forms import (
    CancelForm,
    CourseCreateForm,
    OrderForm,
    OrderSignForm,
    OrderVerifyForm,
    ProtocolForm,
    SignForm,
    StopForm,
)
from clinic.treatment.models import (
    CourseStatus,
    InfusionOrder,
    OrderStatus,
    Protocol,
    ProtocolKind,
    TreatmentCourse,
)
from clinic.treatment.planning import OrderInputs, order_plan_build
from clinic.treatment.prediction import infusion_prediction
from clinic.treatment.services import (
    DoubleCheckMismatch,
    course_activate,
    course_complete,
    course_create,
    course_sign,
    course_stop,
    order_cancel,
    order_create,
    order_sign,
    order_verify,
    protocol_library_seed,
    protocol_revise,
)
from clinic.treatment.services.orders import check_precision, order_inputs

COURSE_SIGNED = "Treatment course signed."
COURSE_ACTIVATED = "Treatment course activated; the patient is in the {stage} stage."
COURSE_COMPLETED = "Treatment course completed."
COURSE_STOPPED = "Treatment course stopped."
ORDER_DRAFTED = "Order drafted. Review the plan and sign it."
ORDER_SIGNED = "Order signed. It now needs an independent double check."
ORDER_VERIFIED = "Double check matched. The order is active."
ORDER_CANCELLED = "Order cancelled."
ORDER_CHECK_REFUSED = "Refused: {fields} did not match. Nothing was signed; check and re-enter."
PROTOCOL_SAVED = "Saved as version {version}. Version {old} stays with the orders that used it."
LIBRARY_SEEDED = "{count} standard protocol(s) added."


# --- Protocols -------------------------------------------------------------------------------------


@any_permission_required(Perm.SETTINGS_EDIT, Perm.ORDER_DOUBLE_CHECK)
def protocol_list(request):
    kind = request.GET.get("kind", "")
    if kind not in ProtocolKind.values:
        kind = ""
    show_retired = request.GET.get("retired") == "1"
    protocols = selectors.protocols_current(clinic=request.clinic, kind=kind, include_inactive=show_retired)
    context = {
        "nav": "protocols",
        "kind": kind,
        "kinds": ProtocolKind.choices,
        "show_retired": show_retired,
        "can_edit": user_can(request, Perm.SETTINGS_EDIT),
        "library_empty": not Protocol.objects.filter(clinic=request.clinic).exists(),
        **paginate(request, protocols),
    }
    return render(request, "treatment/protocol_list.html", context)


@any_permission_required(Perm.SETTINGS_EDIT, Perm.ORDER_DOUBLE_CHECK)
def protocol_detail(request, protocol_id: int):
    protocol = get_object_or_404(
        Protocol.objects.select_related("created_by", "supersedes"),
        pk=protocol_id,
        clinic=request.clinic,
    )
    return render(
        request,
        "treatment/protocol_detail.html",
        {
            "nav": "protocols",
            "protocol": protocol,
            "versions": selectors.protocol_versions(protocol=protocol),
            "is_current": not Protocol.objects.filter(supersedes=protocol).exists(),
            "can_edit": user_can(request, Perm.SETTINGS_EDIT),
        },
    )


@permission_required(Perm.SETTINGS_EDIT)
def protocol_edit(request, protocol_id: int):
    protocol = get_object_or_404(Protocol, pk=protocol_id, clinic=request.clinic)
    if Protocol.objects.filter(supersedes=protocol).exists():
        messages.warning(request, "That version has been replaced; this is the current one.")
        current = protocol
        while (newer := Protocol.objects.filter(supersedes=current).first()) is not None:
            current = newer
        return redirect("treatment:protocol_edit", protocol_id=current.pk)
    form = ProtocolForm(request.POST or None, instance=protocol)
    done = form_submit(
        request,
        form,
        lambda data: protocol_revise(
            protocol=protocol,
            revised_by=request.user,
            change_reason=data["change_reason"],
            **{k: v for k, v in data.items() if k != "change_reason"},
        ),
        success=lambda new: PROTOCOL_SAVED.format(version=new.version, old=protocol.version),
        redirect_to=lambda new: reverse("treatment:protocol_detail", kwargs={"protocol_id": new.pk}),
    )
    if done:
        return done
    return render(
        request,
        "treatment/protocol_form.html",
        {"nav": "protocols", "protocol": protocol, "form": form},
    )


@require_POST
@permission_required(Perm.SETTINGS_EDIT)
def protocol_seed(request):
    created = protocol_library_seed(clinic=request.clinic, seeded_by=request.user)
    messages.success(request, LIBRARY_SEEDED.format(count=len(created)))
    return redirect("treatment:protocol_list")


# --- Courses ---------------------------------------------------------------------------------------


@permission_required(Perm.ORDER_DOUBLE_CHECK)
def patient_courses(request, patient_id: int):
    patient = get_object_or_404(Patient, pk=patient_id, clinic=request.clinic)
    context = {
        "nav": "patients",
        "patient": patient,
        "can_prescribe": user_can(request, Perm.ORDER_SIGN),
        **paginate(request, selectors.courses_for_patient(patient=patient)),
    }
    return render(request, "treatment/patient_courses.html", context)


@permission_required(Perm.ORDER_SIGN)
def course_create_view(request, patient_id: int):
    patient = get_object_or_404(Patient, pk=patient_id, clinic=request.clinic)
    form = CourseCreateForm(request.POST or None, clinic=request.clinic, patient=patient)
    done = form_submit(
        request,
        form,
        lambda data: course_create(
            patient=patient,
            protocol=data["protocol"],
            created_by=request.user,
            indication=data["indication"],
            icd10_code=data["icd10_code"],
            goals=data["goals"],
            planned_infusions=data["planned_infusions"],
            planned_start_date=data["planned_start_date"],
            follows=data["follows"],
            submission_key=data["submission_key"],
        ),
        success="Course drafted. Review it and sign.",
        redirect_to=_course_url,
    )
    if done:
        return done
    return render(
        request,
        "treatment/course_form.html",
        {"nav": "patients", "patient": patient, "form": form},
    )


def _course_url(course: TreatmentCourse) -> str:
    return reverse("treatment:course_detail", kwargs={"course_id": course.pk})


def _course_or_404(request, course_id: int) -> TreatmentCourse:
    try:
        return selectors.course_detail(clinic=request.clinic, course_id=course_id)
    except TreatmentCourse.DoesNotExist:
        raise Http404("No such course.") from None


@permission_required(Perm.ORDER_DOUBLE_CHECK)
def course_detail(request, course_id: int):
    course = _course_or_404(request, course_id)
    can_prescribe = user_can(request, Perm.ORDER_SIGN)
    return render(
        request,
        "treatment/course_detail.html",
        {
            "nav": "patients",
            "course": course,
            "patient": course.patient,
            "orders": [
                (order, selectors.order_numbers_hidden(order=order, user=request.user))
                for order in selectors.orders_for_course(course=course)
            ],
            "can_prescribe": can_prescribe,
            "can_order": can_prescribe and course.status in (CourseStatus.SIGNED, CourseStatus.ACTIVE),
            "sign_form": SignForm() if can_prescribe and course.status == CourseStatus.DRAFT else None,
        },
    )


@permission_required(Perm.ORDER_SIGN)
def course_sign_view(request, course_id: int):
    course = _course_or_404(request, course_id)
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course_sign(course=course, signer=request.user, password=form.cleaned_data["password"])
        except SignatureError as exc:
            form.add_error("password", str(exc))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, COURSE_SIGNED)
            return redirect("treatment:course_detail", course_id=course.pk)
    return render(
        request,
        "treatment/course_sign.html",
        {"nav": "patients", "course": course, "patient": course.patient, "form": form},
    )


@require_POST
@permission_required(Perm.ORDER_SIGN)
def course_activate_view(request, course_id: int):
    course = _course_or_404(request, course_id)
    try:
        course = course_activate(course=course, activated_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        stage = course.patient.get_journey_stage_display().lower()
        messages.success(request, COURSE_ACTIVATED.format(stage=stage))
    return redirect("treatment:course_detail", course_id=course.pk)


@require_POST
@permission_required(Perm.ORDER_SIGN)
def course_complete_view(request, course_id: int):
    course = _course_or_404(request, course_id)
    try:
        course_complete(course=course, completed_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, COURSE_COMPLETED)
    return redirect("treatment:course_detail", course_id=course.pk)


@permission_required(Perm.ORDER_SIGN)
def course_stop_view(request, course_id: int):
    course = _course_or_404(request, course_id)
    form = StopForm(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda data: course_stop(course=course, stopped_by=request.user, reason=data["reason"]),
        success=COURSE_STOPPED,
        redirect_to=_course_url,
    )
    if done:
        return done
    return render(
        request,
        "treatment/course_stop.html",
        {"nav": "patients", "course": course, "patient": course.patient, "form": form},
    )


# --- Orders ----------------------------------------------------------------------------------------


def _plan_for_form(course: TreatmentCourse, form: OrderForm):
    """Compute the preview from whatever the form holds (invalid fields count as missing)."""
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    inputs = OrderInputs(
        dose_per_kg=data.get("dose_per_kg"),
        duration_min=data.get("duration_min"),
        product=data.get("product"),
        drug_mg_added=data.get("drug_mg_added"),
        diluent=data.get("diluent") or "",
        diluent_volume_ml=data.get("diluent_volume_ml"),
        titration_reason=data.get("titration_reason") or "",
    )
    return order_plan_build(course=course, inputs=inputs)


def _orderable_course(request, course_id: int) -> TreatmentCourse:
    course = _course_or_404(request, course_id)
    if course.status not in (CourseStatus.SIGNED, CourseStatus.ACTIVE):
        raise Http404("Orders can be written only for a signed or active course.")
    return course


@permission_required(Perm.ORDER_SIGN)
def order_create_view(request, course_id: int):
    """Draft an order. "Calculate" re-renders with the plan (works without JavaScript); htmx
    updates the same plan live through `order_preview`."""
    course = _orderable_course(request, course_id)
    form = OrderForm(request.POST or None, course=course)
    plan = None
    if request.method == "POST":
        form.is_valid()
        if request.POST.get("action") == "save" and form.is_valid():
            try:
                order = order_create(
                    course=course,
                    created_by=request.user,
                    submission_key=form.cleaned_data["submission_key"],
                    **form.service_kwargs(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, ORDER_DRAFTED)
                return redirect("treatment:order_detail", order_id=order.pk)
        plan = _plan_for_form(course, form)
    else:
        form.is_valid()  # unbound: no errors; the preview uses the initial values
        plan = _plan_for_form(course, _initial_form(course, form))
    return render(
        request,
        "treatment/order_form.html",
        {"nav": "patients", "course": course, "patient": course.patient, "form": form, "plan": plan},
    )


def _initial_form(course: TreatmentCourse, form: OrderForm) -> OrderForm:
    """A bound copy of the initial values, so the first preview shows the protocol defaults."""
    data = {k: v for k, v in form.initial.items() if v is not None}
    bound = OrderForm(data, course=course)
    bound.is_valid()
    return bound


@require_POST
@permission_required(Perm.ORDER_SIGN)
def order_preview(request, course_id: int):
    """htmx: the plan fragment for the form's current values (nothing is saved)."""
    course = _orderable_course(request, course_id)
    form = OrderForm(request.POST, course=course)
    form.is_valid()
    plan = _plan_for_form(course, form)
    return render(request, "treatment/_order_plan.html", {"plan": plan, "course": course, "form": form})


def _order_or_404(request, order_id: int) -> InfusionOrder:
    try:
        return selectors.order_detail(clinic=request.clinic, order_id=order_id)
    except InfusionOrder.DoesNotExist:
        raise Http404("No such order.") from None


@permission_required(Perm.ORDER_DOUBLE_CHECK)
def order_detail(request, order_id: int):
    order = _order_or_404(request, order_id)
    can_prescribe = user_can(request, Perm.ORDER_SIGN)
    signer_id = order.signature.signer_id if order.signature else None
    can_verify = order.status == OrderStatus.SIGNED and signer_id != request.user.pk
    blind = selectors.order_numbers_hidden(order=order, user=request.user)
    prediction, model_key = None, ""
    if not blind:
        model_key = request.GET.get("model") or ""
        if model_key not in PK_MODELS:
            model_key = clinic_setting_value(request.clinic, PK_DEFAULT_MODEL)
        prediction = infusion_prediction(
            model_key=model_key,
            weight_kg=order.measured_weight_kg,
            dose_mg=order.delivered_dose_mg,
            duration_min=order.duration_min,
        )
    return render(
        request,
        "treatment/order_detail.html",
        {
            "nav": "patients",
            "order": order,
            "course": order.course,
            "patient": order.patient,
            "signatures": selectors.order_signatures(order=order, hide_numbers=blind),
            # The prescriber's own words may quote a dose ("up to 45 mg"): masked for a blind reader.
            "titration_reason": (
                selectors.order_text_blind(order.titration_reason) if blind else order.titration_reason
            ),
            "prediction": prediction,
            "pk_models": PK_MODELS.values(),
            "model_key": model_key,
            "can_sign": can_prescribe and order.status == OrderStatus.DRAFT,
            "can_cancel": can_prescribe and order.status != OrderStatus.CANCELLED,
            "can_verify": can_verify,
            "blind": blind,
            "is_signer": signer_id is not None and signer_id == request.user.pk,
        },
    )


@permission_required(Perm.ORDER_SIGN)
def order_sign_view(request, order_id: int):
    order = _order_or_404(request, order_id)
    if order.status != OrderStatus.DRAFT:
        messages.info(request, f"This order is {order.get_status_display().lower()}.")
        return redirect("treatment:order_detail", order_id=order.pk)
    plan = order_plan_build(
        course=order.course,
        inputs=order_inputs(order),
        weight_measurement=order.weight_measurement,
        sequence=order.sequence,
    )
    form = OrderSignForm(
        request.POST or None,
        warnings=plan.warnings,
        titration=plan.titration,
        initial={"titration_reason": order.titration_reason},
    )
    if request.method == "POST" and form.is_valid():
        try:
            order_sign(
                order=order,
                signer=request.user,
                password=form.cleaned_data["password"],
                acknowledged_warnings=form.cleaned_data.get("acknowledge", []),
                titration_reason=form.cleaned_data.get("titration_reason"),
            )
        except SignatureError as exc:
            form.add_error("password", str(exc))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, ORDER_SIGNED)
            return redirect("treatment:order_detail", order_id=order.pk)
    blocking = {k: v for k, v in plan.errors.items() if k != "titration_reason"}
    return render(
        request,
        "treatment/order_sign.html",
        {
            "nav": "patients",
            "order": order,
            "course": order.course,
            "patient": order.patient,
            "form": form,
            "plan": plan,
            "blocking": blocking,
        },
    )


@permission_required(Perm.ORDER_DOUBLE_CHECK)
def order_verify_view(request, order_id: int):
    """The independent double check. The page shows the order's inputs but never its computed
    dose, bag concentration or pump rate: the checker works them out and types them."""
    order = _order_or_404(request, order_id)
    if order.status != OrderStatus.SIGNED:
        messages.info(request, f"This order is {order.get_status_display().lower()}.")
        return redirect("treatment:order_detail", order_id=order.pk)
    if order.signature and order.signature.signer_id == request.user.pk:
        raise PermissionDenied("The physician who signed the order cannot double-check it.")
    form = OrderVerifyForm(request.POST or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order_verify(
                order=order,
                verifier=request.user,
                password=data["password"],
                dose_mg=data["dose_mg"],
                bag_concentration_mg_per_ml=data["bag_concentration_mg_per_ml"],
                rate_ml_h=data["rate_ml_h"],
                patient_date_of_birth=data["patient_date_of_birth"],
                identity_confirmed=data["identity_confirmed"],
            )
        except SignatureError as exc:
            form.add_error("password", str(exc))
        except DoubleCheckMismatch as exc:
            labels = [form.fields[name].label for name in exc.message_dict if name in form.fields]
            refused = ORDER_CHECK_REFUSED.format(fields=", ".join(labels))
            apply_service_errors(form, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, ORDER_VERIFIED)
            return redirect("treatment:order_detail", order_id=order.pk)
    precision = check_precision(order)
    return render(
        request,
        "treatment/order_verify.html",
        {
            "nav": "patients",
            "order": order,
            "course": order.course,
            "patient": order.patient,
            "form": form,
            "refused": refused,
            "rate_precision": precision["rate_ml_h"],
        },
    )


@permission_required(Perm.ORDER_SIGN)
def order_cancel_view(request, order_id: int):
    order = _order_or_404(request, order_id)
    form = CancelForm(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda data: order_cancel(order=order, cancelled_by=request.user, reason=data["reason"]),
        success=ORDER_CANCELLED,
        redirect_to=reverse("treatment:course_detail", kwargs={"course_id": order.course_id}),
    )
    if done:
        return done
    return render(
        request,
        "treatment/order_cancel.html",
        {"nav": "patients", "order": order, "course": order.course, "patient": order.patient, "form": form},
    )


@permission_required(Perm.ORDER_DOUBLE_CHECK)
def order_list(request):
    """Orders by status; by default those signed and waiting for a double check."""
    status = request.GET.get("status") or OrderStatus.SIGNED
    if status not in OrderStatus.values:
        status = OrderStatus.SIGNED
    orders = (
        InfusionOrder.objects.filter(clinic=request.clinic, status=status)
        .select_related("patient", "course__protocol", "signature")
        .order_by("-created_at", "-id")
    )
    counts = dict(
        InfusionOrder.objects.filter(clinic=request.clinic)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return render(
        request,
        "treatment/order_list.html",
        {
            "nav": "patients",
            "status": status,
            "statuses": [(value, label, counts.get(value, 0)) for value, label in OrderStatus.choices],
            **paginate(request, orders),
        },
    )
