"""Reading the audit trail: the viewer's filtered list and the chain verifier."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.db.models import QuerySet

from clinic.audit.hashing import canonical_payload, event_hash
from clinic.audit.models import AuditChain, AuditEvent


def audit_event_list(
    *,
    clinic,
    patient_id: int | None = None,
    actor_id: int | None = None,
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(clinic=clinic).select_related("actor")
    if patient_id:
        events = events.filter(patient_id=patient_id)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if action:
        events = events.filter(action=action)
    tz = clinic.tzinfo
    if date_from:
        events = events.filter(occurred_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        events = events.filter(occurred_at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return events.order_by("-occurred_at", "-id")


@dataclass(frozen=True)
class ChainBreak:
    chain_key: str
    seq: int
    event_id: int | None
    problem: str


def _recomputed_hash(event: AuditEvent) -> str:
    return event_hash(
        canonical_payload(
            chain_key=event.chain_key,
            seq=event.seq,
            prev_hash=event.prev_hash,
            occurred_at=event.occurred_at.astimezone(UTC),
            clinic_id=event.clinic_id,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            patient_id=event.patient_id,
            summary=event.summary,
            changes=event.changes,
            ip_address=event.ip_address,
            request_id=event.request_id,
        )
    )


def audit_chain_first_break(*, chain_key: str, batch_size: int = 2000) -> ChainBreak | None:
    """Walk one chain in order; return the first event whose link or content does not verify."""
    expected_prev = "0" * 64
    expected_seq = 1
    events: Iterator[AuditEvent] = (
        AuditEvent.objects.filter(chain_key=chain_key).order_by("seq").iterator(batch_size)
    )
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(chain_key, expected_seq, None, f"event #{expected_seq} is missing")
        if event.prev_hash != expected_prev:
            return ChainBreak(chain_key, event.seq, event.pk, "link to previous event is broken")
        if _recomputed_hash(event) != event.hash:
            return ChainBreak(chain_key, event.seq, event.pk, "content was altered after writing")
        expected_prev = event.hash
        expected_seq += 1
    head = AuditChain.objects.filter(key=chain_key).first()
    if head is not None and head.last_seq != expected_seq - 1:
        return ChainBreak(
            chain_key, expected_seq, None, f"events after #{expected_seq - 1} are missing"
        )
    return None


def audit_chain_keys() -> list[str]:
    keys = set(AuditChain.objects.values_list("key", flat=True))
    keys |= set(AuditEvent.objects.values_list("chain_key", flat=True).distinct())
    return sorted(keys)
