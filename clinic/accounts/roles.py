"""Roles and what each may do. One table, read by views, templates and tests alike.

A membership may also carry a designation that an administrator grants on the staff pages (today:
medical director, for physicians). `DESIGNATIONS` says which role may hold each one and which
permissions it adds; `membership_permissions` combines the two.
"""

from collections.abc import Iterable
from dataclasses import dataclass

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
    # Clinical limits (thresholds, doses, intervals): a medical director proposes a change, and a
    # second clinician co-signs it before it applies. Operational settings stay with SETTINGS_EDIT.
    CLINICAL_SETTINGS_PROPOSE = "settings.clinical_propose"
    CLINICAL_SETTINGS_COSIGN = "settings.clinical_cosign"
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
    Role.PHYSICIAN: frozenset(
        _CLINICAL | {Perm.INBOX_VIEW, Perm.ORDER_SIGN, Perm.ORDER_DOUBLE_CHECK, Perm.CLINICAL_SETTINGS_COSIGN}
    ),
    Role.NURSE: frozenset(_CLINICAL | {Perm.ORDER_DOUBLE_CHECK, Perm.CLINICAL_SETTINGS_COSIGN}),
    Role.FRONT_DESK: frozenset(_FRONT_DESK),
    Role.PATIENT: frozenset({Perm.PORTAL}),
}


class Designation(models.TextChoices):
    MEDICAL_DIRECTOR = "medical_director", "Medical director"


@dataclass(frozen=True)
class DesignationRule:
    """Who may hold a designation (`roles`) and what it adds (`permissions`)."""

    roles: frozenset[str]
    permissions: frozenset[str]


DESIGNATIONS: dict[str, DesignationRule] = {
    Designation.MEDICAL_DIRECTOR: DesignationRule(
        roles=frozenset({Role.PHYSICIAN}), permissions=frozenset({Perm.CLINICAL_SETTINGS_PROPOSE})
    ),
}


def role_has_perm(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


def designation_allowed(designation: str, role: str) -> bool:
    rule = DESIGNATIONS.get(designation)
    return rule is not None and role in rule.roles


def permissions_for(role: str, designations: Iterable[str] = ()) -> frozenset[str]:
    """The role's permissions plus those of each designation the role may hold."""
    granted = set(ROLE_PERMISSIONS.get(role, frozenset()))
    for designation in designations:
        if designation_allowed(designation, role):
            granted |= DESIGNATIONS[designation].permissions
    return frozenset(granted)


def membership_permissions(membership) -> frozenset[str]:
    """What a membership (a role at one clinic, with its designations) may do; none when inactive."""
    if membership is None or not getattr(membership, "is_active", True):
        return frozenset()
    return permissions_for(membership.role, getattr(membership, "designations", ()))


def membership_has_perm(membership, perm: str) -> bool:
    return perm in membership_permissions(membership)
