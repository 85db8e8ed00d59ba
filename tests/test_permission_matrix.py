"""Role × page: every staff page answers 200 to the roles allowed, 403 to the others, login to visitors.

The pages are discovered from the URL configuration: every view wrapped by
`clinic.core.permissions.permission_required` carries `required_permission`, and the roles allowed
follow from `ROLE_PERMISSIONS` (and, for the medical director, the designation's `DESIGNATIONS`).
Pages other engineers are still building are skipped until their URL names resolve; pages added
later are picked up automatically.

A page whose URL names a record is opened with a real record of the clinic when the test knows how
to make one (PARAMETER_VALUES); otherwise with an id that does not exist, so an allowed role gets
404 and every other role still gets 403 (the permission check runs before any lookup).
"""

import uuid

import pytest
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse

from clinic.accounts.roles import ROLE_PERMISSIONS, Designation, Perm, Role, permissions_for
from clinic.accounts.services import membership_update
from clinic.accounts.tests.helpers import REQUIRED_STAFF_PAGES, permission_guarded_patterns
from clinic.audit.models import AuditEvent

ANONYMOUS = "anonymous"
# A physician whose membership an administrator marked medical director: the role's permissions
# plus the designation's (roles.DESIGNATIONS).
MEDICAL_DIRECTOR = "physician+medical_director"
ROLES = [Role.ADMIN, Role.PHYSICIAN, MEDICAL_DIRECTOR, Role.NURSE, Role.FRONT_DESK, Role.PATIENT, ANONYMOUS]
# (role, designations) behind each tested role
ROLE_GRANTS = {role: (role, ()) for role in Role} | {
    MEDICAL_DIRECTOR: (Role.PHYSICIAN, (Designation.MEDICAL_DIRECTOR,))
}

# The pages the product brief names, with the roles that must reach them. The derived matrix below
# only proves views and ROLE_PERMISSIONS agree; this table catches a permission granted by mistake.
EXPECTED_ROLES = {
    "core:dashboard": {Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK},
    "core:settings": {Role.ADMIN, Role.PHYSICIAN, MEDICAL_DIRECTOR, Role.NURSE},
    "core:setting_proposals": {Role.PHYSICIAN, MEDICAL_DIRECTOR, Role.NURSE},
    "audit:list": {Role.ADMIN},
    "accounts:users": {Role.ADMIN},
    "accounts:user_add": {Role.ADMIN},
    "patients:list": {Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK},
    "intake:inbox": {Role.ADMIN, Role.PHYSICIAN, Role.FRONT_DESK},
    "scheduling:list": {Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK},
    "scheduling:day": {Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK},
    "scheduling:week": {Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK},
    "scheduling:series_start": {Role.ADMIN, Role.FRONT_DESK},
    "scheduling:shifts": {Role.ADMIN, Role.FRONT_DESK},
    "scheduling:hours": {Role.ADMIN},
    "scheduling:types": {Role.ADMIN},
    "scheduling:rooms": {Role.ADMIN},
    "reminders:messages": {Role.ADMIN, Role.FRONT_DESK},
    "outcomes:alerts": {Role.PHYSICIAN, Role.NURSE},
    "treatment:order_list": {Role.PHYSICIAN, Role.NURSE},
    "evaluation:rules": {Role.ADMIN},
    "infusions:day": {Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK},
}


def _membership_id(ctx):
    return ctx["staff"][Role.NURSE].memberships.get().pk


def _event_id(ctx):
    return AuditEvent.objects.filter(clinic=ctx["clinic"]).order_by("-seq").first().pk


def _proposal_id(ctx):
    from clinic.core.services import clinic_setting_propose

    proposal = clinic_setting_propose(
        clinic=ctx["clinic"],
        key="spo2_min",
        raw_value="94",
        proposed_by=ctx["users"][MEDICAL_DIRECTOR],
        reason="Permission matrix",
    )
    return proposal.pk


# URL parameters filled with a real record of the clinic.
PARAMETER_VALUES = {
    "patient_id": lambda ctx: ctx["patient"].pk,
    "membership_id": _membership_id,
    "event_id": _event_id,
    "key": lambda ctx: "consultation_length_minutes",
    "proposal_id": _proposal_id,
}
# The same parameter with another value on one page: proposals are for clinical limits only.
PAGE_PARAMETER_VALUES = {("core:setting_propose", "key"): lambda ctx: "spo2_min"}
# Any other parameter gets a value no record has.
MISSING_RECORD = {
    "int": lambda: 987654321,
    "uuid": lambda: uuid.UUID(int=0),
    "str": lambda: "no-such-record",
    "slug": lambda: "no-such-record",
    "path": lambda: "no-such-record",
}


def allowed_roles(required) -> set[str]:
    """Tested roles holding the permission; a tuple means any one of them (any_permission_required)."""
    needed = {required} if isinstance(required, str) else set(required)
    return {role for role, grants in ROLE_GRANTS.items() if needed & permissions_for(*grants)}


def _pages() -> list[tuple[str, dict[str, str]]]:
    """(url name, {parameter: converter kind}) of every staff page, plus required ones not yet built."""
    discovered = {
        name: params
        for name, (perm, params) in permission_guarded_patterns().items()
        if perm != Perm.PORTAL  # the patient portal is the patients' own side, tested by its app
    }
    for name in REQUIRED_STAFF_PAGES:
        discovered.setdefault(name, {})
    return sorted(discovered.items())


PAGES = _pages()


@pytest.fixture
def ctx(clinic, staff, patient, make_user):
    users = dict(staff)
    users[Role.PATIENT] = make_user(Role.PATIENT, clinic)
    director = make_user(Role.PHYSICIAN, clinic, credentials="MD")
    membership_update(
        membership=director.memberships.get(),
        changed_by=staff[Role.ADMIN],
        role=Role.PHYSICIAN,
        is_active=True,
        is_medical_director=True,
    )
    users[MEDICAL_DIRECTOR] = director
    return {"clinic": clinic, "staff": staff, "patient": patient, "users": users}


def _client_for(ctx, role: str) -> Client:
    client = Client()
    if role != ANONYMOUS:
        client.force_login(ctx["users"][role])
    return client


def _url(name: str, params: dict[str, str], ctx) -> tuple[str, bool]:
    """The URL to open and whether it names a record that exists."""
    kwargs, real = {}, True
    for param, kind in params.items():
        if (name, param) in PAGE_PARAMETER_VALUES:
            kwargs[param] = PAGE_PARAMETER_VALUES[(name, param)](ctx)
        elif param in PARAMETER_VALUES:
            kwargs[param] = PARAMETER_VALUES[param](ctx)
        else:
            kwargs[param] = MISSING_RECORD[kind]()
            real = False
    try:
        return reverse(name, kwargs=kwargs), real
    except NoReverseMatch:
        pytest.skip(f"{name} does not exist yet")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name, params", PAGES, ids=[name for name, _ in PAGES])
def test_role_can_open_only_the_pages_its_permissions_allow(ctx, name, params, role):
    # given
    url, real_record = _url(name, params, ctx)
    perm = resolve(url).func.required_permission
    client = _client_for(ctx, role)
    # when
    response = client.get(url)
    method = "GET"
    if response.status_code == 405:
        # A POST-only action: check it the way it is used, with an empty form.
        assert "GET" not in response["Allow"], url
        response = client.post(url)
        method = "POST"
    # then
    where = f"{method} {url}"
    if role == ANONYMOUS:
        assert response.status_code == 302, where
        assert response.url.startswith("/accounts/login/?next="), where
    elif role not in allowed_roles(perm):
        assert response.status_code == 403, where
    elif not real_record:
        assert response.status_code == 404, where
    elif method == "GET":
        assert response.status_code == 200, where
    else:
        # an allowed empty POST is a form error (200), a redirect back, or a refusal of the empty
        # form (400); never the permission refusal
        assert response.status_code in (200, 302, 400), where


@pytest.mark.parametrize("name", sorted(EXPECTED_ROLES))
def test_named_pages_grant_exactly_the_expected_roles(name):
    try:
        url = reverse(name)
    except NoReverseMatch:
        pytest.skip(f"{name} does not exist yet")
    expected = set(EXPECTED_ROLES[name])
    if Role.PHYSICIAN in expected:
        expected.add(MEDICAL_DIRECTOR)  # a medical director is a physician with more, never less
    assert allowed_roles(resolve(url).func.required_permission) == expected


def test_the_matrix_covers_the_required_and_staff_admin_pages():
    names = {name for name, _ in PAGES}
    assert set(REQUIRED_STAFF_PAGES) <= names
    assert {"accounts:membership_edit", "accounts:reset_two_factor", "accounts:unlock"} <= names


def test_patients_have_no_staff_permission():
    assert ROLE_PERMISSIONS[Role.PATIENT] == frozenset({Perm.PORTAL})


ACTIONS = ["accounts:reset_two_factor", "accounts:unlock"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ACTIONS)
def test_staff_admin_actions_by_role(ctx, name, role):
    # the POST-only staff actions, actually posted
    membership_id = _membership_id(ctx)
    response = _client_for(ctx, role).post(reverse(name, kwargs={"membership_id": membership_id}))
    if role == ANONYMOUS:
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    elif role == Role.ADMIN:
        assert response.status_code == 302
        assert response.url == reverse("accounts:membership_edit", kwargs={"membership_id": membership_id})
    else:
        assert response.status_code == 403
