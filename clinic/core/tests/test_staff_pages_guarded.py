"""Every staff page, walked from the URL configuration: a patient account gets no staff page and a
signed-out visitor is sent to sign in (or refused), whatever the method."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from clinic.accounts.roles import Perm, Role
from clinic.patients.services import patient_link_portal_user

SAMPLE_ARGS = {"int": "1", "str": "x", "uuid": "00000000-0000-0000-0000-000000000001", "slug": "x"}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _staff_paths() -> list[str]:

    paths = []
    for route, view in _walk(get_resolver().url_patterns):
        perm = getattr(view, "required_permission", None)
        if perm is None or perm == Perm.PORTAL:
            continue  # public pages and the patient's own portal pages
        paths.append(
            "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGS.get(m.group(1) or "str", "x"), route)
        )
    return sorted(set(paths))


STAFF_PATHS = _staff_paths()


def test_the_walk_finds_the_staff_pages():
    assert len(STAFF_PATHS) > 50
    assert "/patients/" in STAFF_PATHS


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_patient_account_reaches_no_staff_page(clinic, staff, make_user, patient, client_for, method):
    user = make_user(Role.PATIENT, clinic)
    patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.FRONT_DESK])
    client = client_for(user)

    reached = {}
    for path in STAFF_PATHS:
        status = getattr(client, method)(path).status_code
        if status not in (403, 404, 405):
            reached[path] = status

    assert reached == {}


def test_a_signed_out_visitor_reaches_no_staff_page(client, db):
    reached = {}
    for path in STAFF_PATHS:
        response = client.get(path)
        if response.status_code == 302 and "/accounts/login/" in response["Location"]:
            continue
        if response.status_code not in (403, 404, 405):
            reached[path] = response.status_code

    assert reached == {}


def test_any_permission_required_opens_the_page_to_either_permission(rf, clinic, staff):
    from django.core.exceptions import PermissionDenied

    from clinic.core.permissions import any_permission_required

    @any_permission_required(Perm.AUDIT_VIEW, Perm.ORDER_SIGN)
    def view(request):
        return "opened"

    def call(user):
        request = rf.get("/x/")
        request.user = user
        request.membership = user.memberships.get(clinic=clinic)
        return view(request)

    assert view.required_permission == (Perm.AUDIT_VIEW, Perm.ORDER_SIGN)
    assert call(staff[Role.PHYSICIAN]) == "opened"
    with pytest.raises(PermissionDenied):
        call(staff[Role.FRONT_DESK])
