"""Qlik Cloud access: the only package that imports httpx (architecture §3).

The low-level async REST client lives in these modules:

* :mod:`.session` — :class:`QlikSession`, one shared ``httpx.AsyncClient`` for a fleet;
* :mod:`.client` — :class:`QlikClient`, typed errors, retries, pagination, redirects, downloads;
* :mod:`.auth` — OAuth client credentials with a per-host token cache;
* :mod:`.transport` — where real Qlik URLs go (internet, in-process emulator, served emulator);
* :mod:`.retry`, :mod:`.ratelimit`, :mod:`.api_errors`, :mod:`.quirks`, :mod:`.redact` —
  policies and readings.

``kinds/`` (one module per resource kind, listed in ``kinds/registry.py``) and ``discover``
build on this interface.
"""

from __future__ import annotations

from qlikreconcile.qlik.auth import ClientCredentialsAuth, Credentials, TokenCache
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.ratelimit import RateLimiter
from qlikreconcile.qlik.redact import RedactingFilter, install_redaction, register_secret
from qlikreconcile.qlik.retry import HostStats, RequestStats, RetryPolicy
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.transport import LoopbackTransport, asgi_transport

__all__ = [
    "ClientCredentialsAuth",
    "Credentials",
    "HostStats",
    "LoopbackTransport",
    "QlikClient",
    "QlikSession",
    "RateLimiter",
    "RedactingFilter",
    "RequestStats",
    "RetryPolicy",
    "TokenCache",
    "asgi_transport",
    "install_redaction",
    "register_secret",
]
