"""What the audit viewer may show a given reader: events as stored, with values an app hides from
that reader replaced at display time.

The stored events (and their hash chain) are never changed. An app that must keep some values of
its records from some readers registers a redactor for its record type, in its AppConfig.ready():

    register_audit_redactor(AuditRedactor(
        object_type="treatment.InfusionOrder",
        hidden_object_ids=lambda *, clinic, object_ids, user: {...},  # one query for the whole page
        hidden_keys=frozenset({"dose_mg", ...}),  # keys of before/after/diff/extra to hide
        redact_text=lambda text: ...,  # for the summary and free-text details
        placeholder="hidden until the double check",
    ))

The first redactor is the blind double check of infusion orders (clinic.treatment.selectors).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from clinic.audit.labels import field_label, record_details, record_label
from clinic.audit.models import AuditEvent


@dataclass(frozen=True)
class AuditRedactor:
    object_type: str
    hidden_object_ids: Callable[..., set]
    hidden_keys: frozenset[str]
    redact_text: Callable[[str], str]
    placeholder: str


_REDACTORS: dict[str, AuditRedactor] = {}


def register_audit_redactor(redactor: AuditRedactor) -> None:
    """Register (or replace) the redactor of one record type; idempotent."""
    _REDACTORS[redactor.object_type] = redactor


@dataclass
class AuditEventView:
    """One event as a reader sees it: `event` for the untouched columns (who, when, chain), and the
    summary and changes with hidden values replaced by the redactor's placeholder."""

    event: AuditEvent
    summary: str
    record: str = ""  # what the event is about, in words: "Vital signs #18"
    diff: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    redacted: bool = False
    placeholder: str = ""

    # Lists of pairs for the templates: `{% for k, v in some_dict.items %}` would look up a key
    # named "items" first (a readiness check's details have one). Keys read as field names in words.
    def _rows(self, values: dict[str, Any]) -> list[tuple[str, Any]]:
        return [(field_label(self.event.object_type, key), value) for key, value in values.items()]

    @property
    def diff_rows(self) -> list[tuple[str, Any]]:
        return self._rows(self.diff)

    @property
    def after_rows(self) -> list[tuple[str, Any]]:
        return self._rows(self.after)

    @property
    def extra_rows(self) -> list[tuple[str, Any]]:
        return self._rows(self.extra)


def _hide(values: dict[str, Any], redactor: AuditRedactor, *, pairs: bool = False) -> dict[str, Any]:
    hidden: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if key in redactor.hidden_keys:
            hidden[key] = [redactor.placeholder, redactor.placeholder] if pairs else redactor.placeholder
        elif isinstance(value, str):
            hidden[key] = redactor.redact_text(value)
        elif pairs and isinstance(value, list):
            hidden[key] = [redactor.redact_text(v) if isinstance(v, str) else v for v in value]
        else:
            hidden[key] = value
    return hidden


def audit_events_for_display(*, events: Iterable[AuditEvent], clinic, user) -> list[AuditEventView]:
    """The events as `user` may see them: one query per registered record type on the page."""
    events = list(events)
    hidden: dict[str, set[str]] = {}
    for object_type, redactor in _REDACTORS.items():
        ids = {e.object_id for e in events if e.object_type == object_type and e.object_id}
        if ids:
            found = redactor.hidden_object_ids(clinic=clinic, object_ids=ids, user=user)
            hidden[object_type] = {str(i) for i in found}
    details = record_details(events=events, clinic=clinic)
    views = []
    for event in events:
        changes = event.changes or {}
        record = record_label(
            event.object_type, event.object_id, detail=details.get((event.object_type, event.object_id), "")
        )
        redactor = _REDACTORS.get(event.object_type)
        if redactor is None or event.object_id not in hidden.get(event.object_type, ()):
            views.append(
                AuditEventView(
                    event=event,
                    summary=event.summary,
                    record=record,
                    diff=changes.get("diff") or {},
                    before=changes.get("before") or {},
                    after=changes.get("after") or {},
                    extra=changes.get("extra") or {},
                )
            )
            continue
        views.append(
            AuditEventView(
                event=event,
                summary=redactor.redact_text(event.summary),
                record=record,
                diff=_hide(changes.get("diff") or {}, redactor, pairs=True),
                before=_hide(changes.get("before") or {}, redactor),
                after=_hide(changes.get("after") or {}, redactor),
                extra=_hide(changes.get("extra") or {}, redactor),
                redacted=True,
                placeholder=redactor.placeholder,
            )
        )
    return views
