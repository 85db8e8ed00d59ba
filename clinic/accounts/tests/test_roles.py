"""The role table, and the copy of it in docs/accounts.md."""

from pathlib import Path

from clinic.accounts.roles import ROLE_PERMISSIONS, STAFF_ROLES, Perm, Role, role_has_perm

DOC = Path(__file__).resolve().parents[3] / "docs" / "accounts.md"


def role_table_markdown() -> str:
    permissions = [value for name, value in vars(Perm).items() if name.isupper()]
    lines = [
        "| Permission | " + " | ".join(role.label for role in Role) + " |",
        "|---|" + "---|" * len(Role),
    ]
    for perm in permissions:
        marks = " | ".join("✓" if perm in ROLE_PERMISSIONS[role] else "" for role in Role)
        lines.append(f"| `{perm}` | {marks} |")
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


def test_only_physicians_sign_orders():
    assert {role for role in Role if role_has_perm(role, Perm.ORDER_SIGN)} == {Role.PHYSICIAN}


def test_unknown_role_has_no_permission():
    assert not role_has_perm("janitor", Perm.PATIENT_VIEW)
