"""Connection credentials at plan time: the fingerprint each connection's password should have.

Plan compares these with the fingerprints in the connections' tags (see
:mod:`qlikreconcile.qlik.credentials`), so a rotated password in the CI secret plans an update.
Planning therefore needs the password variables and ``QLIKRECONCILE_FINGERPRINT_KEY`` whenever the
spec names a password; a missing one is an error naming it, never a silent "no changes".
"""

from __future__ import annotations

from collections.abc import Mapping

from qlikreconcile.errors import PlanError, SecretError
from qlikreconcile.qlik import ownership, quirks, resources
from qlikreconcile.qlik.credentials import (
    FINGERPRINT_KEY_ENV,
    MIN_KEY_LENGTH,
    password_fingerprint,
)
from qlikreconcile.spec.desired_state import DesiredFleet
from qlikreconcile.spec.secrets import resolve_secrets


def fingerprint_key(environ: Mapping[str, str]) -> str:
    """The fingerprint key from the environment; an error naming the variable and the fix."""
    key = environ.get(FINGERPRINT_KEY_ENV, "")
    if len(key) < MIN_KEY_LENGTH:
        state = "is not set" if not key else f"is shorter than {MIN_KEY_LENGTH} characters"
        raise SecretError(
            f"{FINGERPRINT_KEY_ENV} {state}; the spec names connection passwords, and "
            "qlikreconcile needs this key to tell whether a password changed without storing it. "
            f"Set {FINGERPRINT_KEY_ENV} to a random value of at least {MIN_KEY_LENGTH} characters "
            "(e.g. `openssl rand -hex 32`), kept as a CI secret and the same for every run."
        )
    return key


def password_fingerprints(fleet: DesiredFleet, environ: Mapping[str, str]) -> dict[str, str]:
    """The fingerprint of each connection's password, keyed by the connection's resource key."""
    _check_usernames(fleet)
    needed = [(t, c) for t in fleet.tenants for c in t.connections if c.password is not None]
    if not needed:
        return {}
    secrets = resolve_secrets(fleet, environ)
    key = fingerprint_key(environ)
    out = {}
    for tenant, conn in needed:
        assert conn.password is not None
        name = str(resources.connection_key(tenant.name, conn.space, conn.name))
        value = secrets[conn.password.env].get_secret_value()
        out[name] = password_fingerprint(key, name, value)
    return out


def _check_usernames(fleet: DesiredFleet) -> None:
    limit = quirks.CONNECTION_TAG_MAX_LENGTH - len(ownership.USERNAME_TAG_PREFIX)
    for tenant in fleet.tenants:
        for conn in tenant.connections:
            if conn.username and len(conn.username) > limit:
                raise PlanError(
                    f"{tenant.file}: connection {conn.name!r}: username is {len(conn.username)} "
                    f"characters; at most {limit} fit in the connection's tag. Shorten it."
                )
