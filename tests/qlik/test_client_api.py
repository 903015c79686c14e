"""Pins the client's public interface that handlers, discovery and reconcile code against."""

from __future__ import annotations

import inspect

import qlikreconcile.qlik as qlik
from qlikreconcile.qlik import QlikClient, QlikSession, quirks


def test_exported_names() -> None:
    assert sorted(qlik.__all__) == [
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


def test_client_methods() -> None:
    methods = {
        "request",
        "get_json",
        "post_json",
        "put_json",
        "patch_json",
        "delete",
        "paginate",
        "get_following_redirect",
        "download",
        "fetch_export",
        "host_exists",
    }
    assert methods <= {name for name, _ in inspect.getmembers(QlikClient)}
    params = inspect.signature(QlikClient.request).parameters
    assert list(params)[:3] == ["self", "method", "path"]
    keyword_only = {n for n, p in params.items() if p.kind is p.KEYWORD_ONLY}
    assert {"params", "json", "content", "headers", "idempotent", "expected"} <= keyword_only


def test_session_constructor_is_keyword_only() -> None:
    params = inspect.signature(QlikSession.__init__).parameters
    assert all(p.kind is p.KEYWORD_ONLY for n, p in params.items() if n != "self")
    assert {"credentials", "transport", "timeout", "clock", "max_retries"} <= set(params)


def test_quirk_functions() -> None:
    for name in (
        "token_expiry",
        "resolve_export_location",
        "is_pending_reload",
        "is_rate_limit",
        "is_absent_host_error",
        "is_disabled_tenant_error",
    ):
        assert callable(getattr(quirks, name))
