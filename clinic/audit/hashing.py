"""Pure functions that compute an audit event's hash; shared by the writer and the verifier."""

import hashlib
import json
from datetime import datetime
from typing import Any


def canonical_payload(
    *,
    chain_key: str,
    seq: int,
    prev_hash: str,
    occurred_at: datetime,
    clinic_id: int | None,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    patient_id: int | None,
    summary: str,
    changes: Any,
    ip_address: str | None,
    request_id: str,
) -> str:
    payload = {
        "chain": chain_key,
        "seq": seq,
        "prev": prev_hash,
        "at": occurred_at.isoformat(timespec="microseconds"),
        "clinic": clinic_id,
        "actor": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "patient": patient_id,
        "summary": summary,
        "changes": changes,
        "ip": ip_address,
        "request": request_id,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
