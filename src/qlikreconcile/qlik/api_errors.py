"""Qlik error responses to the typed :class:`~qlikreconcile.errors.ApiError` tree.

Qlik's services shape error bodies differently (doc §9.1):

* common: ``{"errors": [{"code", "title", "detail"?, "status"?, "meta"?}], "traceId"?}``;
* spaces: the same, plus deprecated top-level ``code``/``title``/``detail`` mirroring the first
  error (Qlik's own tutorial tests ``.code == "AssignmentConflict"``);
* data-connections: numeric ``status`` inside each error; tenants: string ``status``;
* apps: often no body at all.

The first error wins; top-level fields fill what it lacks. Text is taken only from the response
(never from the request), and registered secrets are masked in it.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

import httpx

from qlikreconcile.errors import (
    ApiError,
    AuthError,
    ConflictError,
    NotFoundError,
    PreconditionError,
    RateLimitError,
    TransportError,
)
from qlikreconcile.qlik import quirks
from qlikreconcile.qlik.redact import redact_text

_BY_STATUS: Mapping[int, type[ApiError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionError,
    429: RateLimitError,
}

_TRACE_HEADERS = ("x-b3-traceid", "traceid", "x-request-id")
_MAX_TEXT = 500  # an HTML error page must not become a multi-kilobyte message


def error_class(status: int) -> type[ApiError]:
    """The :class:`ApiError` subclass for an HTTP status."""
    return _BY_STATUS.get(status, ApiError)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    if not text:
        return None
    return redact_text(text[:_MAX_TEXT])


def _first_error(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        return {}
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        return errors[0]
    return {}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds)


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def error_from_response(response: httpx.Response, *, method: str, url: str) -> ApiError:
    """Build the typed error for an error ``response`` to ``method url``."""
    status = response.status_code
    body = _body(response)
    first = _first_error(body)
    top: Mapping[str, Any] = body if isinstance(body, Mapping) else {}

    code = _text(first.get("code")) or _text(top.get("code"))
    title = _text(first.get("title")) or _text(top.get("title"))
    detail = _text(first.get("detail")) or _text(top.get("detail"))
    # The scheduler's reload convenience endpoints answer a flat {"code":"CHO-nnn","message"}.
    detail = detail or _text(top.get("message"))
    if body is None and response.content and not title:
        title = _text(response.text.splitlines()[0] if response.text else None)
    # OAuth token endpoint errors follow RFC 6749: {"error": "...", "error_description": "..."}.
    title = title or _text(top.get("error"))
    detail = detail or _text(top.get("error_description"))

    trace_id = _text(top.get("traceId") or top.get("traceid"))
    if trace_id is None:
        trace_id = next(
            (_text(response.headers[h]) for h in _TRACE_HEADERS if h in response.headers), None
        )
    retry_after = parse_retry_after(response.headers.get("retry-after"))

    message = title or response.reason_phrase or "error"
    if detail and detail != title:
        message = f"{message}: {detail}"
    return error_class(status)(
        message,
        status=status,
        method=method,
        url=url,
        code=code,
        title=title,
        detail=detail,
        trace_id=trace_id,
        retry_after=retry_after,
    )


def json_or_none(response: httpx.Response, *, method: str, url: str | None = None) -> Any:
    """The decoded JSON body, ``None`` when empty; a non-JSON body is an :class:`ApiError`
    (naming ``url``, by default the request's)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ApiError(
            "response is not JSON",
            status=response.status_code,
            method=method,
            url=url if url is not None else str(response.request.url),
            title="invalid response body",
        ) from None


def transport_error(exc: httpx.HTTPError, *, method: str, url: str) -> TransportError:
    """A :class:`TransportError` naming the failed call (or the token call that failed first)."""
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "no answer"
    try:
        failed = exc.request.url
    except RuntimeError:  # httpx raises when the exception carries no request
        failed = None
    if failed is not None and failed.path == quirks.TOKEN_PATH:
        method, url = "POST", str(failed.copy_with(query=None))
    return TransportError(f"{what} ({type(exc).__name__})", method=method, url=url)
