"""Keyed fingerprints of connection passwords: rotation is detected, the password never stored.

Qlik never returns ``qPassword`` (doc §7), so a changed password in the CI secret cannot be seen
by reading the connection. qlikreconcile keeps, in the connection's tags, an HMAC-SHA256 of the
password it last wrote, keyed by ``QLIKRECONCILE_FINGERPRINT_KEY`` (a CI secret). Without the
key, someone who reads the tags cannot test password guesses offline. The connection's identity
(tenant, space, name) is part of the message, so two connections sharing a password do not show
equal fingerprints.
"""

from __future__ import annotations

import hashlib
import hmac

FINGERPRINT_KEY_ENV = "QLIKRECONCILE_FINGERPRINT_KEY"
MIN_KEY_LENGTH = 16
"""A shorter key could itself be guessed, which would reopen offline guessing of passwords."""


def password_fingerprint(key: str, connection: str, password: str) -> str:
    """32 hex digits (128 bits) of HMAC-SHA256(key, connection NUL password)."""
    message = f"{connection}\0{password}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]
