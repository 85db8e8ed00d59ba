"""The role table, and the copy of it in docs/accounts.md."""

from pathlib import Path

from clinic.accounts.roles import (
    DESIGNATIONS,
    ROLE_PERMISSIONS,
    STAFF_ROLES,
    Designation,
    Perm,
    Role,
    membership_permissions,
    permissions_for,
    role_has_perm,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "accounts.md"


def role_table_markdown() -> str:
    """Roles, then each designation (what it adds to the roles that may hold it)."""
    permissions = [value for name, value in vars(Perm).items() if name.isupper()]
    designations = [
        f"+ {Designation(d).label} ({', '.join(Role(r).label.split(' (')[0].lower() for r in rule.roles)})"
        for d, rule in DESIGNATIONS.items()
    ]
    lines = [
        "| Permission | " + " | ".join([*(role.label for role in Role), *designations]) + " |",
        "|---|" + "---|" * (len(Role) + len(DESIGNATIONS)),
    ]
    for perm in permissions:
        marks = [("✓" if perm in ROLE_PERMISSIONS[role] else "") for role in Role]
        marks += [("✓" if perm in rule.permissions else "") for rule in DESIGNATIONS.values()]
        lines.append(f"| `{perm}` | {' | '.join(marks)} |")
    return "\n".join(lines)


def test_docs_role_table_matches_role_permissions():
    text = DOC.read_text()
    start = text.index("-->", text.index("<!-- role-table")) + len("-->")
    end = text.index("<!-- /role-table -->")
    assert text[start:end].strip() == role_table_markdown(), "regenerate the table in docs/accounts.md"


def test_every_role_has_permissions_and_only_patients_use_the_portal():
    assert set(ROLE_PERMISSIONS) == set(Role)
    for role in Role:
        assert role_has_perm(role, Perm.PORTAL) == (role == Role.PATIENT)
    assert set(STAFF_ROLES) == set(Role) - {Role.PATIENT}


def test_only_administrators_manage_users_audit_and_settings():
    for perm in (Perm.USERS_MANAGE, Perm.AUDIT_VIEW, Perm.SETTINGS_EDIT):
        assert {role for role in Role if role_has_perm(role, perm)} == {Role.ADMIN}


def test_clinical_limits_are_proposed_only_by_a_designated_medical_director():
    # no role proposes by itself; the designation adds it, and only to a physician
    assert {role for role in Role if role_has_perm(role, Perm.CLINICAL_SETTINGS_PROPOSE)} == set()
    director = [Designation.MEDICAL_DIRECTOR]
    assert {role for role in Role if Perm.CLINICAL_SETTINGS_PROPOSE in permissions_for(role, director)} == {
        Role.PHYSICIAN
    }
    assert permissions_for(Role.PHYSICIAN, director) == ROLE_PERMISSIONS[Role.PHYSICIAN] | {
        Perm.CLINICAL_SETTINGS_PROPOSE
    }
    # administrators keep operational settings but neither propose nor co-sign clinical ones
    assert Perm.CLINICAL_SETTINGS_PROPOSE not in permissions_for(Role.ADMIN, director)
    assert not role_has_perm(Role.ADMIN, Perm.CLINICAL_SETTINGS_COSIGN)
    # a second clinician co-signs: physicians and nurses
    assert {role for role in Role if role_has_perm(role, Perm.CLINICAL_SETTINGS_COSIGN)} == {
        Role.PHYSICIAN,
        Role.NURSE,
    }


def test_membership_permissions_follow_the_designation_and_activity():
    class FakeMembership:
        def __init__(self, role, designations=(), is_active=True):
            self.role, self.designations, self.is_active = role, designations, is_active

    director = (Designation.MEDICAL_DIRECTOR,)
    assert Perm.CLINICAL_SETTINGS_PROPOSE in membership_permissions(FakeMembership(Role.PHYSICIAN, director))
    assert Perm.CLINICAL_SETTINGS_PROPOSE not in membership_permissions(FakeMembership(Role.PHYSICIAN))
    assert Perm.CLINICAL_SETTINGS_PROPOSE not in membership_permissions(FakeMembership(Role.NURSE, director))
    assert membership_permissions(FakeMembership(Role.PHYSICIAN, director, is_active=False)) == frozenset()
    assert membership_permissions(None) == frozenset()


def test_only_physicians_sign_orders():
    assert {role for role in Role if role_has_perm(role, Perm.ORDER_SIGN)} == {Role.PHYSICIAN}


def test_unknown_role_has_no_permission():
    assert not role_has_perm("janitor", Perm.PATIENT_VIEW)
