"""The blind double check reaches the audit viewer: an infusion order's events show its computed
numbers only to those `order_numbers_hidden` allows (the rule lives in `clinic.treatment.selectors`)."""

from clinic.audit.redaction import AuditRedactor, register_audit_redactor
from clinic.treatment.selectors import (
    BLIND_PLACEHOLDER,
    ORDER_BLIND_FIELDS,
    order_text_blind,
    orders_numbers_hidden,
)

ORDER_OBJECT_TYPE = "treatment.InfusionOrder"
# Beyond the stored plan fields: what a refused double check typed (close to the real numbers).
ORDER_AUDIT_HIDDEN_KEYS = ORDER_BLIND_FIELDS | {"entered"}


def _hidden_order_ids(*, clinic, object_ids, user) -> set[int]:
    return orders_numbers_hidden(clinic=clinic, order_ids=object_ids, user=user)


def register_order_audit_redactor() -> None:
    register_audit_redactor(
        AuditRedactor(
            object_type=ORDER_OBJECT_TYPE,
            hidden_object_ids=_hidden_order_ids,
            hidden_keys=frozenset(ORDER_AUDIT_HIDDEN_KEYS),
            redact_text=order_text_blind,
            placeholder=BLIND_PLACEHOLDER,
        )
    )
