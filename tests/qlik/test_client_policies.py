"""Pure policies of the client: retry decisions, waits, error-body parsing, quirks, redaction.

No HTTP here: these are decisions over exceptions and values. Behaviour over HTTP is tested
against the emulator in the other ``test_client_*`` modules.
"""

from __future__ import annotations

import logging
import random

import httpx
import pytest

from qlikreconcile.errors import ApiError, NotFoundError, RateLimitError, TransportError
from qlikreconcile.qlik import quirks, redact
from qlikreconcile.qlik.api_errors import error_class, parse_retry_after
from qlikreconcile.qlik.retry import RetryPolicy, is_idempotent, should_retry

URL = "https://acme.eu.qlikcloud.com/api/v1/spaces"
RELOADS = "https://acme.eu.qlikcloud.com/api/v1/reloads"


def _api(status: int, *, method: str = "GET", url: str = URL, **kw: object) -> ApiError:
    return error_class(status)("x", status=status, method=method, url=url, **kw)  # type: ignore[arg-type]


def _transport(cause: Exception, *, method: str = "GET", url: str = URL) -> TransportError:
    exc = TransportError("no answer", method=method, url=url)
    exc.__cause__ = cause
    return exc


def test_idempotent_methods_by_default() -> None:
    assert is_idempotent("get")
    assert is_idempotent("PUT")
    assert is_idempotent("DELETE")
    assert not is_idempotent("POST")
    assert not is_idempotent("PATCH")
    assert is_idempotent("POST", True)
    assert not is_idempotent("GET", False)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_retried_only_when_idempotent(status: int) -> None:
    assert should_retry(_api(status), idempotent=True)
    assert not should_retry(_api(status, method="POST"), idempotent=False)


def test_5xx_at_token_endpoint_is_safe_even_for_post() -> None:
    token_url = "https://acme.eu.qlikcloud.com/oauth/token"
    assert should_retry(_api(503, method="POST", url=token_url), idempotent=False)


def test_rate_limit_retried_for_every_method() -> None:
    limited = _api(429, method="POST", code="HTTP-429", retry_after=3.0)
    assert should_retry(limited, idempotent=False)
    assert quirks.is_rate_limit(limited)


def test_pending_reload_429_is_never_retried() -> None:
    pending = _api(429, method="POST", url=RELOADS, code="RELOADS-010")
    assert quirks.is_pending_reload(pending)
    assert not quirks.is_rate_limit(pending)
    assert not should_retry(pending, idempotent=False)
    assert not should_retry(pending, idempotent=True)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412])
def test_client_errors_are_final(status: int) -> None:
    assert not should_retry(_api(status), idempotent=True)


def test_transport_errors() -> None:
    refused = httpx.ConnectError("refused")
    read_timeout = httpx.ReadTimeout("slow")
    assert should_retry(_transport(refused, method="POST"), idempotent=False)
    assert should_retry(_transport(read_timeout), idempotent=True)
    assert not should_retry(_transport(read_timeout, method="POST"), idempotent=False)


def test_wait_honours_retry_after_and_jitters_otherwise() -> None:
    policy = RetryPolicy(base_delay=1.0, max_wait=8.0, rng=random.Random(7))
    assert 13.0 <= policy.wait_seconds(1, _api(429, retry_after=13.0)) <= 14.0
    waits = [policy.wait_seconds(n, _api(503)) for n in range(1, 8)]
    assert all(0.0 <= w <= 8.0 for w in waits)
    assert all(w <= 2 ** (n - 1) for n, w in enumerate(waits, start=1))


def test_retry_after_header_forms() -> None:
    assert parse_retry_after("13") == 13.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None


def test_token_expiry_precedence() -> None:
    now = 1_700_000_000.0
    at = "2023-11-14T22:30:00Z"  # == now + 1000
    assert quirks.token_expiry({"expires_at": at, "expires_in": 50}, now=now) == now + 1000
    assert quirks.token_expiry({"expires_in": 50}, now=now) == now + 50
    assert quirks.token_expiry({}, now=now) == now + quirks.DEFAULT_TOKEN_LIFETIME_SECONDS
    assert quirks.token_expiry({"expires_at": "garbage"}, now=now) == (
        now + quirks.DEFAULT_TOKEN_LIFETIME_SECONDS
    )


def test_export_location_forms() -> None:
    assert quirks.resolve_export_location("/api/v1/temp-contents/a") == "/api/v1/temp-contents/a"
    assert quirks.resolve_export_location("temp-contents/a") == "/api/v1/temp-contents/a"
    absolute = "https://acme.eu.qlikcloud.com/api/v1/temp-contents/a"
    assert quirks.resolve_export_location(absolute) == absolute


def test_absent_host_recognition() -> None:
    token_404 = NotFoundError(
        "x", status=404, method="POST", url="https://gone.eu.qlikcloud.com/oauth/token"
    )
    assert quirks.is_absent_host_error(token_404)
    assert not quirks.is_absent_host_error(_api(404))
    dns = httpx.ConnectError("[Errno -2] Name or service not known")
    assert quirks.is_absent_host_error(_transport(dns))
    assert not quirks.is_absent_host_error(_transport(httpx.ConnectError("refused")))


def test_rate_limit_error_type() -> None:
    assert isinstance(_api(429), RateLimitError)


def test_redact_text_patterns_and_registered_values() -> None:
    redact.register_secret("s3cr3t-value-for-test")
    text = (
        "Authorization: Bearer abc.def-ghi client_secret=s3cr3t-value-for-test&x=1 "
        '{"access_token": "tok123", "client_secret": "zzz"} plain s3cr3t-value-for-test'
    )
    out = redact.redact_text(text)
    for leaked in ("abc.def-ghi", "s3cr3t-value-for-test", "tok123", "zzz"):
        assert leaked not in out
    assert "x=1" in out
    redact.unregister_secret("s3cr3t-value-for-test")
    assert "s3cr3t-value-for-test" in redact.redact_text("s3cr3t-value-for-test")


def test_redacting_filter_masks_message_args_and_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redact.register_secret("very-secret-thing")
    logger = logging.getLogger("qlikreconcile.test_redact")
    caplog.handler.addFilter(redact.RedactingFilter())
    try:
        try:
            raise ValueError("boom very-secret-thing")
        except ValueError:
            logger.exception("calling with %s", "Bearer very-secret-thing")
    finally:
        redact.unregister_secret("very-secret-thing")
    assert "very-secret-thing" not in caplog.text
    assert "Bearer ***" in caplog.text
