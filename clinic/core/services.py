"""Writes for tenancy-wide concerns: clinic settings and idempotent submissions."""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import models, transaction

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record
from clinic.core.clinical_settings import get_definition
from clinic.core.models import Clinic, ClinicSetting, IdempotencyKey
from clinic.core.selectors import clinic_setting_value

SETTING_REASON_REQUIRED = "Give a reason for the change (it is kept in the audit trail)."

T = TypeVar("T", bound=models.Model)


class SettingValueError(ValueError):
    """A setting value that failed validation; the message names the setting and the problem."""


def clinic_setting_update(*, clinic: Clinic, key: str, raw_value, changed_by, reason: str):
    """Validate and store a clinic's setting override, audited with old and new values."""
    definition = get_definition(key)
    if not reason or not reason.strip():
        raise SettingValueError(SETTING_REASON_REQUIRED)
    try:
        value = definition.parse(raw_value)
    except ValueError as exc:
        raise SettingValueError(f"{definition.label}: {exc}") from exc
    with transaction.atomic():
        old_value = clinic_setting_value(clinic, key)
        setting, _ = ClinicSetting.objects.update_or_create(
            clinic=clinic,
            key=key,
            defaults={"value": value, "reason": reason.strip(), "changed_by": changed_by},
        )
        audit_record(
            action=AuditAction.UPDATE,
            actor=changed_by,
            clinic=clinic,
            obj=setting,
            summary=f"Setting {key} changed",
            before={"value": old_value},
            after={"value": definition.to_python(value)},
            extra={"reason": reason.strip()},
        )
    return setting


def idempotent(
    *,
    scope: str,
    key: uuid.UUID | str | None,
    clinic: Clinic | None,
    model: type[T],
    create: Callable[[], T],
) -> tuple[T, bool]:
    """Run `create` once per (scope, key); a repeat with the same key returns the first object.

    Must be called inside the caller's transaction, so the key and the record commit together.
    Returns (object, created).
    """
    if not key:
        return create(), True
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        return create(), True
    existing = IdempotencyKey.objects.filter(scope=scope, key=key).first()
    if existing is not None:
        if existing.clinic_id == (clinic.pk if clinic else None) and (
            existing.object_type == model._meta.label
        ):
            return model.objects.get(pk=existing.object_id), False
        # A key recorded at another clinic is not a repeat of this submission: never hand that
        # clinic's record back; create this one without the key.
        return create(), True
    obj = create()
    # The unique (scope, key) constraint makes a concurrent twin fail its whole transaction.
    IdempotencyKey.objects.create(
        clinic=clinic, scope=scope, key=key, object_type=model._meta.label, object_id=str(obj.pk)
    )
    return obj, True
