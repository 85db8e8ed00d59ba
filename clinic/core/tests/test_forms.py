from django import forms
from django.core.exceptions import ValidationError

from clinic.core.forms import apply_service_errors


class _Form(forms.Form):
    name = forms.CharField()
    start_time = forms.CharField()


def _bound_form() -> _Form:
    form = _Form({"name": "x", "start_time": "09:00"})
    assert form.is_valid()
    return form


def test_field_errors_land_on_their_field():
    form = _bound_form()

    apply_service_errors(form, ValidationError({"name": ["Taken."]}))

    assert form.errors == {"name": ["Taken."]}


def test_unknown_keys_and_plain_errors_go_on_the_form_as_a_whole():
    form = _bound_form()

    apply_service_errors(form, ValidationError({"not_a_field": ["Refused."]}))
    apply_service_errors(form, ValidationError("Closed."))

    assert form.non_field_errors() == ["Refused.", "Closed."]


def test_field_map_renames_a_service_key():
    form = _bound_form()

    apply_service_errors(form, ValidationError({"starts_at": ["Room taken."]}), {"starts_at": "start_time"})

    assert form.errors == {"start_time": ["Room taken."]}
