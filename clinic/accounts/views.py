"""Sign-in, sign-out, two-factor enrolment and verification, and switching the active clinic."""

from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts.forms import SignInForm, TokenForm
from clinic.accounts.services import totp_device_confirm, totp_device_start
from clinic.core.middleware import ACTIVE_CLINIC_SESSION_KEY

WRONG_CODE = "That code did not match. Check the time on your phone and try the newest code."


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")


@login_required
def two_factor(request):
    """Verify with an enrolled authenticator, or enrol one first."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    form = TokenForm(request.POST or None)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(_safe_next(request))
            form.add_error("token", WRONG_CODE)
        return render(request, "accounts/two_factor_verify.html", {"form": form})

    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if pending is None:
        pending = totp_device_start(user=request.user)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(device=pending, token=form.cleaned_data["token"]):
            otp_login(request, pending)
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect(_safe_next(request))
        form.add_error("token", WRONG_CODE)
    context = {"form": form, "qr_svg": _qr_svg(pending.config_url), "secret": b32encode(pending.bin_key).decode()}
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
@require_POST
def switch_clinic(request):
    try:
        clinic_id = int(request.POST.get("clinic_id", ""))
    except ValueError:
        return HttpResponseBadRequest("Choose a clinic.")
    if not any(m.clinic_id == clinic_id for m in request.memberships):
        return HttpResponseBadRequest("You are not a member of that clinic.")
    request.session[ACTIVE_CLINIC_SESSION_KEY] = clinic_id
    return redirect("core:home")
