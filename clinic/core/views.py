"""The signed-in start page and the clinic settings screens."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from clinic.accounts.roles import Perm, Role
from clinic.core.clinical_settings import REGISTRY
from clinic.core.forms import SettingForm
from clinic.core.permissions import permission_required
from clinic.core.selectors import clinic_setting_value, clinic_settings_all
from clinic.core.services import SettingValueError, clinic_setting_update


def home(request):
    """Send each person to their start page: visitors to the public site, patients to the portal."""
    if not request.user.is_authenticated:
        return redirect("intake:home")
    if request.membership is None:
        return render(request, "core/no_clinic.html", status=403)
    if request.membership.role == Role.PATIENT:
        return redirect("portal:home")
    return redirect("core:dashboard")


@permission_required(Perm.PATIENT_VIEW)
def dashboard(request):
    from clinic.core.selectors_dashboard import dashboard_summary

    context = {"nav": "home", **dashboard_summary(clinic=request.clinic, user=request.user)}
    return render(request, "core/dashboard.html", context)


@permission_required(Perm.SETTINGS_EDIT)
def settings_list(request):
    return render(
        request,
        "core/settings_list.html",
        {"nav": "settings", "rows": clinic_settings_all(request.clinic)},
    )


@permission_required(Perm.SETTINGS_EDIT)
def setting_edit(request, key: str):
    definition = REGISTRY.get(key)
    if definition is None:
        raise Http404("No such setting.")
    current = clinic_setting_value(request.clinic, key)
    form = SettingForm(
        request.POST or None,
        definition=definition,
        initial={"value": str(current).lower() if definition.kind == "bool" else current},
    )
    if request.method == "POST" and form.is_valid():
        try:
            clinic_setting_update(
                clinic=request.clinic,
                key=key,
                raw_value=form.cleaned_data["value"],
                changed_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except SettingValueError as exc:
            form.add_error("value", str(exc))
        else:
            messages.success(request, f"{definition.label} updated.")
            return redirect("core:settings")
    return render(
        request,
        "core/setting_edit.html",
        {"nav": "settings", "form": form, "definition": definition, "current": current},
    )
