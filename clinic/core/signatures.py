"""Electronic signatures: re-ask the password, bind the signature to the record's content, audit it."""

import hashlib
import json
from typing import Any

from django.db import models
from django.utils import timezone

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, json_safe
from clinic.core.models import ElectronicSignature

WRONG_PASSWORD = "The password is not correct; the record was not signed."
PASSWORD_REQUIRED = "Enter your password to sign."


class SignatureError(ValueError):
    """Signing was refused; the message says why."""


def content_hash(snapshot: dict[str, Any]) -> str:
    payload = json.dumps(json_safe(snapshot), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def signature_apply(
    *,
    signer,
    password: str,
    meaning: str,
    obj: models.Model,
    clinic,
    snapshot: dict[str, Any],
    patient_id: int | None = None,
    statement: str = "",
) -> ElectronicSignature:
    """Sign `obj` as it is in `snapshot`. Call inside the caller's transaction (the record's change,
    the signature and the audit event commit together). Raises SignatureError on a bad password.

    `statement` is shown to everyone who can open the record and kept in the audit trail: leave out
    what some readers must not see (e.g. an infusion order's calculated dose before its blind double
    check; the order's statement names the order and what was prescribed)."""
    if not password:
        raise SignatureError(PASSWORD_REQUIRED)
    if not signer.check_password(password):
        raise SignatureError(WRONG_PASSWORD)
    signature = ElectronicSignature.objects.create(
        clinic=clinic,
        signer=signer,
        printed_name=signer.signature_name,
        meaning=meaning,
        signed_at=timezone.now(),
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        content_hash=content_hash(snapshot),
        statement=statement[:300],
    )
    audit_record(
        action=AuditAction.SIGN,
        actor=signer,
        clinic=clinic,
        obj=obj,
        patient_id=patient_id,
        summary=f"Signed ({signature.get_meaning_display()})",
        extra={"signature_id": signature.pk, "content_hash": signature.content_hash, "statement": statement},
    )
    return signature


def signatures_for(obj: models.Model):
    return ElectronicSignature.objects.filter(
        object_type=obj._meta.label, object_id=str(obj.pk)
    ).select_related("signer")
