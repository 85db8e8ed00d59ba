"""Writing audit events. Called by every service inside its own transaction."""

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from clinic.audit.hashing import canonical_payload, event_hash
from clinic.audit.models import AuditAction, AuditChain, AuditEvent
from clinic.core.context import current_request_context

NOT_IN_TRANSACTION = (
    "Audit events must be written inside the transaction of the change they record."
)
SYSTEM_CHAIN = "system"


def chain_key_for(clinic_id: int | None) -> str:
    return f"clinic:{clinic_id}" if clinic_id else SYSTEM_CHAIN


def json_safe(value: Any) -> Any:
    """Values as they will read back from a JSON column on SQLite and PostgreSQL alike."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | float | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def model_snapshot(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The concrete field values of a record, keyed by attribute name (foreign keys as ids)."""
    snapshot = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.name in {"created_at", "updated_at"}:
            continue
        snapshot[field.attname] = json_safe(getattr(instance, field.attname))
    return snapshot


def snapshot_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Only the fields that changed, as {field: [old, new]}."""
    keys = set(before) | set(after)
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(keys)
        if before.get(key) != after.get(key)
    }


def audit_record(
    *,
    action: str,
    actor: Any = None,
    clinic: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    patient_id: int | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the clinic's hash chain. Must run inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(NOT_IN_TRANSACTION)
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or obj.pk
    if action == AuditAction.UPDATE and before is not None and after is not None:
        changes: dict[str, Any] = {"diff": snapshot_diff(before, after)}
    else:
        changes = {}
        if before is not None:
            changes["before"] = before
        if after is not None:
            changes["after"] = after
    if extra:
        changes["extra"] = extra
    changes = json_safe(changes)

    clinic_id = clinic.pk if clinic is not None else None
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_label = actor.username if actor_id else ""
    context = current_request_context()
    key = chain_key_for(clinic_id)

    # Lock the chain head so concurrent writers link in order (SQLite serializes via IMMEDIATE).
    chain, _ = AuditChain.objects.select_for_update().get_or_create(key=key)
    seq = chain.last_seq + 1
    occurred_at = timezone.now()
    payload = canonical_payload(
        chain_key=key,
        seq=seq,
        prev_hash=chain.last_hash,
        occurred_at=occurred_at,
        clinic_id=clinic_id,
        actor_id=actor_id,
        actor_label=actor_label,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient_id,
        summary=summary[:300],
        changes=changes,
        ip_address=context.ip_address,
        request_id=context.request_id,
    )
    digest = event_hash(payload)
    event = AuditEvent.objects.create(
        chain_key=key,
        seq=seq,
        prev_hash=chain.last_hash,
        hash=digest,
        occurred_at=occurred_at,
        clinic_id=clinic_id,
        actor_id=actor_id,
        actor_label=actor_label,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient_id,
        summary=summary[:300],
        changes=changes,
        ip_address=context.ip_address,
        user_agent=context.user_agent[:300],
        request_id=context.request_id,
    )
    AuditChain.objects.filter(pk=chain.pk).update(last_seq=seq, last_hash=digest)
    return event
