"""Writes of the treatment app (HackSoft services), one module per entity; re-exported here."""

from clinic.treatment.services.courses import (
    course_activate,
    course_complete,
    course_create,
    course_sign,
    course_stop,
)
from clinic.treatment.services.orders import (
    DoubleCheckMismatch,
    order_cancel,
    order_create,
    order_sign,
    order_verify,
)
from clinic.treatment.services.protocols import (
    protocol_create,
    protocol_library_seed,
    protocol_revise,
    stocked_product_seed,
)

__all__ = [
    "DoubleCheckMismatch",
    "course_activate",
    "course_complete",
    "course_create",
    "course_sign",
    "course_stop",
    "order_cancel",
    "order_create",
    "order_sign",
    "order_verify",
    "protocol_create",
    "protocol_library_seed",
    "protocol_revise",
    "stocked_product_seed",
]
