"""Who may open which treatment page (403 for a wrong role, 404 for another clinic's record)."""

import pytest

from clinic.accounts.roles import Role
from clinic.treatment.models import Protocol
from clinic.treatment.services import protocol_library_seed

ALLOWED, FORBIDDEN = 200, 403
STAFF = (Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK)

# (url template, {role: expected GET status}) — the roles listed hold the page's permission;
# roles not listed get 403.
PAGES = [
    ("/treatment/protocols/", {Role.ADMIN: 200, Role.PHYSICIAN: 200, Role.NURSE: 200}),
    ("/treatment/protocols/{protocol}/", {Role.ADMIN: 200, Role.PHYSICIAN: 200, Role.NURSE: 200}),
    ("/treatment/protocols/{protocol}/edit/", {Role.ADMIN: 200}),
    ("/treatment/patients/{patient}/courses/", {Role.PHYSICIAN: 200, Role.NURSE: 200}),
    ("/treatment/patients/{patient}/courses/new/", {Role.PHYSICIAN: 200}),
    ("/treatment/courses/{course}/", {Role.PHYSICIAN: 200, Role.NURSE: 200}),
    ("/treatment/courses/{course}/stop/", {Role.PHYSICIAN: 200}),
    ("/treatment/courses/{course}/orders/new/", {Role.PHYSICIAN: 200}),
    ("/treatment/orders/", {Role.PHYSICIAN: 200, Role.NURSE: 200}),
    ("/treatment/orders/{order}/", {Role.PHYSICIAN: 200, Role.NURSE: 200}),
    # The physician here signed the order, so may not check it (403); another physician could.
    ("/treatment/orders/{order}/verify/", {Role.NURSE: 200, Role.PHYSICIAN: 403}),
    ("/treatment/orders/{order}/cancel/", {Role.PHYSICIAN: 200}),
]


@pytest.fixture
def urls(signed_order, mood_protocol):
    return {
        "protocol": mood_protocol.pk,
        "patient": signed_order.patient_id,
        "course": signed_order.course_id,
        "order": signed_order.pk,
    }


@pytest.mark.parametrize(("template", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_role_matrix(template, expected, urls, staff, client_for, make_user, clinic):
    url = template.format(**urls)
    users = {role: staff[role] for role in STAFF}
    users[Role.PATIENT] = make_user(Role.PATIENT, clinic)
    for role, user in users.items():
        response = client_for(user).get(url)
        assert response.status_code == expected.get(role, FORBIDDEN), (url, role)


@pytest.mark.parametrize(("template", "_"), PAGES, ids=[p[0] for p in PAGES])
def test_signed_out_visitors_are_sent_to_sign_in(template, _, urls, client):
    response = client.get(template.format(**urls))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("template", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_another_clinics_records_are_not_found(template, expected, urls, other_clinic, make_user, client_for):
    if "{" not in template:
        pytest.skip("lists are filtered, not looked up")
    protocol_library_seed(clinic=other_clinic)
    for role in STAFF:
        user = make_user(role, other_clinic)
        response = client_for(user).get(template.format(**urls))
        # a role that may open this page gets 404 for another clinic's record; others get 403
        assert response.status_code == (404 if role in expected else FORBIDDEN), (template, role)


def test_other_clinics_protocols_are_not_listed(urls, other_clinic, make_user, client_for):
    protocol_library_seed(clinic=other_clinic)
    other_ids = set(Protocol.objects.filter(clinic=other_clinic).values_list("pk", flat=True))
    physician = make_user(Role.PHYSICIAN, other_clinic)

    response = client_for(physician).get("/treatment/protocols/")

    assert {p.pk for p in response.context["page_obj"]} == other_ids


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/treatment/courses/{course}/activate/", Role.NURSE),
        ("/treatment/courses/{course}/complete/", Role.FRONT_DESK),
        ("/treatment/courses/{course}/orders/preview/", Role.NURSE),
        ("/treatment/protocols/seed/", Role.PHYSICIAN),
    ],
)
def test_post_only_actions_are_forbidden_to_other_roles(url, role, urls, staff, client_for):
    response = client_for(staff[role]).post(url.format(**urls))
    assert response.status_code == 403
