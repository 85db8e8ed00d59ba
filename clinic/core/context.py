"""Per-request context (address, request id) that services read when writing audit events."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None
    user_agent: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "ketaclinic_request_context",
    default=RequestContext(),  # noqa: B039 - frozen, immutable
)


def current_request_context() -> RequestContext:
    return _current.get()


def set_request_context(context: RequestContext) -> contextvars.Token:
    return _current.set(context)


def reset_request_context(token: contextvars.Token) -> None:
    _current.reset(token)
