"""Signed licence keys: JWT-like ``header.payload.signature`` strings (base64url, HS256).

The key is emulator-internal; a client can only obtain a valid key from
``GET /licenses/overview`` on an existing tenant, as on Qlik Cloud.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

_SIGNING_KEY = b"qlikreconcile-emulator/licence-signing-key/v1"
_HEADER = {"alg": "HS256", "typ": "JWT", "kid": "emulator-1"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical(obj: dict[str, str]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def sign_license(license_number: str) -> str:
    jti = hashlib.sha256(f"jti:{license_number}".encode()).hexdigest()[:32]
    signing_input = (
        f"{_b64(_canonical(_HEADER))}.{_b64(_canonical({'jti': jti, 'license': license_number}))}"
    )
    signature = hmac.new(_SIGNING_KEY, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def verify_license(key: str) -> str | None:
    """The licence number of a correctly signed key, else None."""
    parts = key.split(".")
    if len(parts) != 3:
        return None
    signing_input = f"{parts[0]}.{parts[1]}"
    expected = hmac.new(_SIGNING_KEY, signing_input.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        payload = json.loads(_unb64(parts[1]))
    except (ValueError, TypeError):
        return None
    number = payload.get("license") if isinstance(payload, dict) else None
    return number if isinstance(number, str) else None
