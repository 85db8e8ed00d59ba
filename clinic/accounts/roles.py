"""Roles and what each may do. One table, read by views, templates and tests alike."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic administrator"
    PHYSICIAN = "physician", "Physician (prescriber)"
    NURSE = "nurse", "Nurse"
    FRONT_DESK = "front_desk", "Front desk"
    PATIENT = "patient", "Patient"


STAFF_ROLES = frozenset({Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK})


class Perm:
    """Permission names. Views declare one; `ROLE_PERMISSIONS` grants them."""

    PATIENT_VIEW = "patient.view"
    PATIENT_EDIT = "patient.edit"
    PATIENT_CLINICAL_EDIT = "patient.clinical_edit"  # diagnoses, medications, allergies, measurements
    INBOX_VIEW = "inbox.view"
    INBOX_WORK = "inbox.work"
    APPOINTMENT_VIEW = "appointment.view"
    APPOINTMENT_BOOK = "appointment.book"
    AUDIT_VIEW = "audit.view"
    SETTINGS_EDIT = "settings.edit"
    USERS_MANAGE = "users.manage"
    ORDER_SIGN = "order.sign"
    ORDER_DOUBLE_CHECK = "order.double_check"
    PORTAL = "portal.use"


_FRONT_DESK = {
    Perm.PATIENT_VIEW,
    Perm.PATIENT_EDIT,
    Perm.INBOX_VIEW,
    Perm.INBOX_WORK,
    Perm.APPOINTMENT_VIEW,
    Perm.APPOINTMENT_BOOK,
}
_CLINICAL = {Perm.PATIENT_VIEW, Perm.PATIENT_EDIT, Perm.PATIENT_CLINICAL_EDIT, Perm.APPOINTMENT_VIEW}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(_FRONT_DESK | {Perm.AUDIT_VIEW, Perm.SETTINGS_EDIT, Perm.USERS_MANAGE}),
    Role.PHYSICIAN: frozenset(_CLINICAL | {Perm.INBOX_VIEW, Perm.ORDER_SIGN, Perm.ORDER_DOUBLE_CHECK}),
    Role.NURSE: frozenset(_CLINICAL | {Perm.ORDER_DOUBLE_CHECK}),
    Role.FRONT_DESK: frozenset(_FRONT_DESK),
    Role.PATIENT: frozenset({Perm.PORTAL}),
}


def role_has_perm(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
