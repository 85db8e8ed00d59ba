"""Spam resistance for the public request form: a signed start time and a per-address rate limit.

The honeypot is a form field (see forms.py). Nothing here stores a visitor's address: the rate limit
counts in the cache under a keyed hash of it, for one hour at most.
"""

import hashlib
import hmac
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

MIN_FILL_SECONDS = 3  # a person needs longer than this to fill in the form
MAX_FORM_AGE_SECONDS = 24 * 60 * 60
RATE_WINDOW_SECONDS = 60 * 60

_STARTED_SALT = "intake.form-started"
_SELF_CHECK_SALT = "intake.self-check-answers"


def form_started_token(*, at: float | None = None) -> str:
    """A tamper-proof record of when the form was shown, carried in a hidden field."""
    return signing.dumps({"t": time.time() if at is None else at}, salt=_STARTED_SALT)


def form_fill_seconds(token: str, *, now: float | None = None) -> float | None:
    """Seconds since the form was shown, or None when the token is missing, forged or stale."""
    try:
        started = float(signing.loads(token or "", salt=_STARTED_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    elapsed = (time.time() if now is None else now) - started
    if elapsed < 0 or elapsed > MAX_FORM_AGE_SECONDS:
        return None
    return elapsed


def self_check_token(answers: dict[str, str]) -> str:
    """Signed self-check answers, so the request form can attach them without storing them first."""
    return signing.dumps({"a": answers}, salt=_SELF_CHECK_SALT, compress=True)


def self_check_answers_from_token(token: str) -> dict[str, str] | None:
    """The answers a token carries, or None when it was altered or is more than a day old."""
    try:
        data = signing.loads(token, salt=_SELF_CHECK_SALT, max_age=MAX_FORM_AGE_SECONDS)
        answers = data["a"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    if not isinstance(answers, dict):
        return None
    return {str(k): str(v) for k, v in answers.items()}


def _rate_key(address: str, *, now: float | None = None) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), (address or "unknown").encode(), hashlib.sha256
    ).hexdigest()[:32]
    window = int((time.time() if now is None else now) // RATE_WINDOW_SECONDS)
    return f"intake:rate:{digest}:{window}"


def rate_limit_exceeded(*, address: str, limit: int, now: float | None = None) -> bool:
    """True when this address has already sent `limit` requests in the current hour."""
    return int(cache.get(_rate_key(address, now=now), 0)) >= limit


def rate_limit_count(*, address: str, now: float | None = None) -> int:
    """Count one accepted submission from this address; returns the count in this hour."""
    key = _rate_key(address, now=now)
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
        return 1
