from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError

from clinic.core.form_views import form_submit


class _Form(forms.Form):
    name = forms.CharField()


def _request(rf, method="post", data=None):
    request = getattr(rf, method)("/x/", data or {})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_get_does_not_call_the_service(rf):
    request = _request(rf, "get")
    calls = []

    done = form_submit(request, _Form(None), calls.append, success="Saved.", redirect_to="/done/")

    assert done is None
    assert calls == []


def test_a_valid_post_saves_flashes_and_redirects_using_the_result(rf):
    request = _request(rf, data={"name": "Ann"})

    done = form_submit(
        request,
        _Form(request.POST),
        lambda data: data["name"].upper(),
        success=lambda result: f"Saved {result}.",
        redirect_to=lambda result: f"/done/{result}/",
    )

    assert done.status_code == 302
    assert done.url == "/done/ANN/"
    assert [str(m) for m in get_messages(request)] == ["Saved ANN."]


def test_a_service_refusal_lands_on_the_form_and_nothing_is_flashed(rf):
    request = _request(rf, data={"name": "Ann"})
    form = _Form(request.POST)

    def refuse(data):
        raise ValidationError({"starts_at": ["Room taken."]})

    done = form_submit(
        request, form, refuse, success="Saved.", redirect_to="/done/", field_map={"starts_at": "name"}
    )

    assert done is None
    assert form.errors == {"name": ["Room taken."]}
    assert list(get_messages(request)) == []
