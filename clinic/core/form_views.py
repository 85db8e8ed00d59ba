"""The POST half of a form page that many views share: validate, call the service, show its
refusal on the form or flash success and redirect."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect

from clinic.core.forms import apply_service_errors


def form_submit(
    request,
    form,
    save: Callable[[dict], Any],
    *,
    success: str | Callable[[Any], str],
    redirect_to: str | Callable[[Any], str],
    field_map: dict[str, str] | None = None,
) -> HttpResponse | None:
    """On a POST whose `form` is valid, call `save(form.cleaned_data)`.

    A ValidationError raised by the service is put on the form (apply_service_errors, with
    `field_map`) and None is returned, as for a GET or an invalid form: the caller renders the
    page. On success `success` is flashed and a redirect to `redirect_to` returned; either may be
    a callable of what `save` returned (e.g. the new record)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc, field_map)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
