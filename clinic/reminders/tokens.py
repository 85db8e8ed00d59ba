"""Link tokens: 32 random bytes in the URL, only their SHA-256 in the database.

A token carries no data (the appointment is found by the hash), so nothing about the patient or
the visit is in the URL, and a database copy cannot be turned back into working links. Plain
SHA-256 is enough because the token has 256 bits of entropy; there is nothing to brute-force.
"""

import hashlib
import secrets

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100


def token_new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
