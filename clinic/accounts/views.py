"""Sign-in, two-factor, password change, switching clinic and the administrator's staff pages."""

from base64 import b32encode
from io import BytesIO
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts.forms import (
    ColleagueAddForm,
    MembershipEditForm,
    OwnPasswordChangeForm,
    SignInForm,
    StaffCreateForm,
    StaffFilterForm,
    TokenForm,
)
from clinic.accounts.middleware import IDLE_SIGNED_OUT_KEY, idle_message
from clinic.accounts.models import Membership
from clinic.accounts.roles import Perm
from clinic.accounts.selectors import (
    STATUS_ACTIVE,
    locked_usernames,
    staff_membership_get,
    staff_membership_list,
)
from clinic.accounts.services import (
    membership_update,
    staff_membership_add,
    staff_user_create,
    totp_device_confirm,
    totp_device_start,
    two_factor_failure_record,
    user_lockout_clear,
    user_password_change,
    user_two_factor_reset,
)
from clinic.core.forms import apply_service_errors
from clinic.core.middleware import ACTIVE_CLINIC_SESSION_KEY
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required

WRONG_CODE = "That code did not match. Check the time on your phone and try the newest code."
TOO_MANY_CODES = "Too many wrong codes. Wait {seconds} seconds, then enter the newest code."
NOT_A_MEMBER = "You are not a member of that clinic."
CHOOSE_CLINIC = "Choose a clinic."
PASSWORD_CHANGED = "Your password has been changed."
PASSWORD_CHANGE_REQUIRED = "Your password was set by an administrator. Choose your own to continue."
TWO_FACTOR_SET_UP = "Two-factor sign-in is set up."
STAFF_CREATED = "{name} can now sign in with the temporary password you chose."
COLLEAGUE_ADDED = "{name} now also works at this clinic as {role}."
MEMBERSHIP_SAVED = "Changes to {name} saved."
TWO_FACTOR_RESET = "{name} will set up a new authenticator at their next sign-in."
LOCKOUT_CLEARED = "{name} can sign in again."
RETURN_TO_CHAIR = (
    "Sign in to go back to the chair-side page. Entries kept on the tablet are sent once you are signed in."
)


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        idle_seconds = request.session.pop(IDLE_SIGNED_OUT_KEY, None)
        if idle_seconds is not None:
            messages.info(request, idle_message(int(idle_seconds)))
        if not request.user.is_authenticated and _is_chair_side(self.get_redirect_url()):
            messages.info(request, RETURN_TO_CHAIR)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["cooloff"] = get_cool_off()
        return context


def _is_chair_side(path: str) -> bool:
    """Whether a (validated) `next` is a chair-side page: its entries wait on the tablet."""
    if not path:
        return False
    try:
        return resolve(urlsplit(path).path).view_name == "infusions:session"
    except Resolver404:
        return False


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")


def _check_token(request, form, device: TOTPDevice, verify) -> bool:
    """Run `verify` on the posted code; on failure add the field error and audit it."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        seconds = 1
        locked_until = (details or {}).get("locked_until")
        if locked_until is not None:
            seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
        form.add_error("token", TOO_MANY_CODES.format(seconds=seconds))
        return False
    if verify(form.cleaned_data["token"]):
        return True
    two_factor_failure_record(user=request.user)
    form.add_error("token", WRONG_CODE)
    return False


@login_required
def two_factor(request):
    """Verify with an enrolled authenticator, or enrol one first."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    form = TokenForm(request.POST or None)
    next_url = _safe_next(request)
    if device is not None:
        if (
            request.method == "POST"
            and form.is_valid()
            and _check_token(request, form, device, device.verify_token)
        ):
            otp_login(request, device)
            return redirect(next_url)
        return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})

    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if pending is None:
        pending = totp_device_start(user=request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and _check_token(
            request, form, pending, lambda token: totp_device_confirm(device=pending, token=token)
        )
    ):
        otp_login(request, pending)
        messages.success(request, TWO_FACTOR_SET_UP)
        return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": _qr_svg(pending.config_url),
        "secret": b32encode(pending.bin_key).decode(),
    }
    return render(request, "accounts/two_factor_setup.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Any signed-in user changes their own password; a temporary one must be changed first.

    Django's view already requires sign-in, CSRF and hides the passwords from error reports.
    """

    template_name = "accounts/password_change.html"
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("core:home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["required"] = self.request.user.password_change_required
        context["required_message"] = PASSWORD_CHANGE_REQUIRED
        context["next"] = _safe_next(self.request, default="")
        return context

    def form_valid(self, form):
        user = user_password_change(user=form.user, new_password=form.cleaned_data["new_password1"])
        # Keep this session signed in; every other session of the user is signed out.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, PASSWORD_CHANGED)
        return redirect(_safe_next(self.request, default=str(self.success_url)))


@login_required
@require_POST
def switch_clinic(request):
    try:
        clinic_id = int(request.POST.get("clinic_id", ""))
    except ValueError:
        return HttpResponseBadRequest(CHOOSE_CLINIC)
    # request.memberships holds only active memberships, so a deactivated one cannot be chosen.
    if not any(m.clinic_id == clinic_id for m in request.memberships):
        raise PermissionDenied(NOT_A_MEMBER)
    request.session[ACTIVE_CLINIC_SESSION_KEY] = clinic_id
    return redirect("core:home")


# Staff administration (clinic administrators)


def _membership_or_404(request, membership_id: int) -> Membership:
    try:
        return staff_membership_get(clinic=request.clinic, membership_id=membership_id)
    except Membership.DoesNotExist as exc:
        raise Http404("No such staff member at this clinic.") from exc


@permission_required(Perm.USERS_MANAGE)
def staff_list(request):
    form = StaffFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    memberships = staff_membership_list(
        clinic=request.clinic, role=data.get("role", ""), status=data.get("status") or STATUS_ACTIVE
    )
    context = {"nav": "users", "form": form, **paginate(request, memberships)}
    page = context["page_obj"]
    context["locked"] = locked_usernames(usernames=[m.user.username for m in page.object_list])
    return render(request, "accounts/staff_list.html", context)


@permission_required(Perm.USERS_MANAGE)
def staff_add(request):
    """Create a staff account, or give a colleague from another clinic a role here."""
    action = request.POST.get("action") if request.method == "POST" else None
    create_form = StaffCreateForm(request.POST if action == "create" else None, prefix="new")
    colleague_form = ColleagueAddForm(request.POST if action == "existing" else None, prefix="colleague")
    if action == "create" and create_form.is_valid():
        data = create_form.cleaned_data
        try:
            user = staff_user_create(
                clinic=request.clinic,
                created_by=request.user,
                username=data["username"],
                role=data["role"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                credentials=data["credentials"],
                submission_key=data["submission_key"],
            )
        except ValidationError as exc:
            apply_service_errors(create_form, exc)
        else:
            messages.success(request, STAFF_CREATED.format(name=user.signature_name))
            return redirect("accounts:users")
    elif action == "existing" and colleague_form.is_valid():
        data = colleague_form.cleaned_data
        try:
            membership = staff_membership_add(
                clinic=request.clinic,
                added_by=request.user,
                username=data["username"],
                role=data["role"],
                submission_key=data["submission_key"],
            )
        except ValidationError as exc:
            apply_service_errors(colleague_form, exc)
        else:
            messages.success(
                request,
                COLLEAGUE_ADDED.format(
                    name=membership.user.signature_name, role=membership.get_role_display()
                ),
            )
            return redirect("accounts:users")
    context = {"nav": "users", "create_form": create_form, "colleague_form": colleague_form}
    return render(request, "accounts/staff_add.html", context)


@permission_required(Perm.USERS_MANAGE)
def membership_edit(request, membership_id: int):
    membership = _membership_or_404(request, membership_id)
    form = MembershipEditForm(
        request.POST or None,
        initial={
            "role": membership.role,
            "is_active": membership.is_active,
            "is_medical_director": membership.is_medical_director,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership_update(
                membership=membership,
                changed_by=request.user,
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
                is_medical_director=form.cleaned_data["is_medical_director"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, MEMBERSHIP_SAVED.format(name=membership.user.signature_name))
            return redirect("accounts:users")
    context = {
        "nav": "users",
        "form": form,
        "membership": membership,
        "is_self": membership.user_id == request.user.pk,
        "two_factor_enrolled": TOTPDevice.objects.filter(user=membership.user, confirmed=True).exists(),
        "is_locked": bool(locked_usernames(usernames=[membership.user.username])),
    }
    return render(request, "accounts/membership_edit.html", context)


@permission_required(Perm.USERS_MANAGE)
@require_POST
def reset_two_factor(request, membership_id: int):
    membership = _membership_or_404(request, membership_id)
    user_two_factor_reset(membership=membership, reset_by=request.user)
    messages.success(request, TWO_FACTOR_RESET.format(name=membership.user.signature_name))
    return redirect("accounts:membership_edit", membership_id=membership.pk)


@permission_required(Perm.USERS_MANAGE)
@require_POST
def unlock(request, membership_id: int):
    membership = _membership_or_404(request, membership_id)
    user_lockout_clear(membership=membership, cleared_by=request.user)
    messages.success(request, LOCKOUT_CLEARED.format(name=membership.user.signature_name))
    return redirect("accounts:membership_edit", membership_id=membership.pk)
