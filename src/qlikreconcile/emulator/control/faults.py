"""Fault injection: seeded, reproducible failures in front of every API request.

The knobs live in :class:`~..state.fault_config.FaultConfig` (``POST /_emulator/faults``
takes them as JSON) and come from ``qlikreconcile emulator serve --faults SPEC`` as
comma-separated ``key=value`` pairs:

==============  ==========================  =================================================
SPEC key        FaultConfig field           effect
==============  ==========================  =================================================
``429``         ``http_429_rate``           answer 429 ``HTTP-429`` with ``Retry-After``; the
                                            whole (host, tier) then answers 429 until it passes
``500``         ``http_500_rate``           answer 500; half of them after the change was
                                            committed (the client cannot tell which)
``drop``        ``drop_rate``               commit the change, then lose the response
``reset``       ``reset_rate``              reset the connection before processing anything
``reload-fail`` ``reload_fail_rate``        a reload ends FAILED (decided when it is queued)
``latency``     ``latency_ms``              delay every request (``20ms``, ``1s``)
``slow-reload`` ``slow_reload_seconds``     reloads run at least this long (``5s``)
``retry-after`` ``retry_after_seconds``     the ``Retry-After`` of an injected 429 (default 1)
``seed``        ``seed``                    seed of every draw
``only``        ``only``                    limit reset/429/500/drop to these request shapes,
                                            ``;``-separated: ``only=POST /api/v1/tenants``
``spare``       ``spare``                   never apply reset/429/500/drop to these shapes
==============  ==========================  =================================================

``only`` (a list in JSON: ``{"drop_rate": 1.0, "only": ["POST /api/v1/tenants"]}``) names
request shapes as ``METHOD PATH`` with id-like segments written ``{id}`` (see
:func:`path_shape`); requests of any other shape are never faulted by the rates (``once`` and
the reload faults are not limited by it). Empty: every request shape.

For tests, ``reload_fail_apps`` (JSON only) fails every reload of the listed app ids, and
``reload_fail_times`` (``{app_id: N}``) the next N reloads of each, as engine failures (quirk
``reloads.transient_failure``); ``once`` (JSON only) targets one request:
``{"POST /api/v1/spaces": "drop"}`` gives the first ``POST`` to that path shape the named
fault (``reset``, ``429``, ``500-before``, ``500-after`` or ``drop``), whatever the rates.

Reproducible under concurrency: the draw for a request is ``sha256(seed, method, host, shape,
n)`` where ``shape`` is its path with id-like segments replaced by ``{id}`` and ``n`` counts the
earlier requests of that (method, host, shape). Requests to other tenants, or interleaved
differently, do not shift each other's faults. Admin calls (``/_emulator``) are never faulted.

"Connection lost" faults are raised as :class:`InjectedReset` / :class:`InjectedDrop`
(``ConnectionError`` subclasses) after a response start that promises a body never sent: under
uvicorn the connection is closed and the client sees a broken response; in-process, the ASGI
transport re-raises the exception (the client's transport maps it to a network error).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from starlette.types import Message, Send

from qlikreconcile.emulator.state.fault_config import FaultConfig, path_shape

FaultKind = Literal["reset", "429", "500-before", "500-after", "drop"]
Responder = Callable[[Send], Awaitable[None]]
"""Produces the real answer to a request through the ``send`` it is given."""

_RELOAD_POSTS = re.compile(r"^/api/v1/reloads(?:/[^/]+/actions/cancel)?/?$")


class InjectedFault(ConnectionError):
    """A connection-level fault; ``logged_status`` is what the request log records (0: none)."""

    logged_status = 0


class InjectedReset(InjectedFault, ConnectionResetError):
    """The connection was reset before the request was processed."""


class InjectedDrop(InjectedFault, ConnectionAbortedError):
    """The request was processed (the change committed) and its response was lost."""

    def __init__(self, status: int) -> None:
        super().__init__(f"injected fault: response {status} dropped after the change")
        self.logged_status = status


def tier_of(method: str, path: str) -> str:
    """Qlik's rate-limit tier of a request (doc §9.3): reload POSTs, else GET 1, writes 2."""
    if method.upper() == "POST" and _RELOAD_POSTS.match(path):
        return "reloads"
    return "1" if method.upper() in ("GET", "HEAD") else "2"


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    retry_after: int = 0


@dataclass
class FaultInjector:
    """Draws the fault of each request for one FaultConfig (a new config starts afresh)."""

    config: FaultConfig
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    blocked: dict[tuple[str, str], float] = field(default_factory=dict)
    once: dict[str, FaultKind] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.once = dict(self.config.once)

    def _draw(self, method: str, host: str, shape: str) -> tuple[float, float]:
        key = (method, host, shape)
        n = self.counts.get(key, 0)
        self.counts[key] = n + 1
        text = f"{self.config.seed}|{method}|{host}|{shape}|{n}"
        digest = hashlib.sha256(text.encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64, digest[8] / 256

    def decide(self, method: str, host: str, path: str, now: float) -> Fault | None:
        """The fault for this request, or None to answer normally."""
        method = method.upper()
        tier = tier_of(method, path)
        until = self.blocked.get((host, tier))
        if until is not None and now < until:
            self._draw(method, host, path_shape(path))  # keep later draws independent of timing
            return Fault("429", max(1, math.ceil(until - now)))
        c = self.config
        shape = path_shape(path)
        draw, coin = self._draw(method, host, shape)
        targeted = self.once.pop(f"{method} {shape}", None)
        if targeted is not None:
            if targeted == "429" and c.retry_after_seconds > 0:
                self.blocked[(host, tier)] = now + c.retry_after_seconds
            return Fault(targeted, c.retry_after_seconds if targeted == "429" else 0)
        if (c.only and f"{method} {shape}" not in c.only) or f"{method} {shape}" in c.spare:
            return None
        edge = c.reset_rate
        if draw < edge:
            return Fault("reset")
        edge += c.http_429_rate
        if draw < edge:
            if c.retry_after_seconds > 0:
                self.blocked[(host, tier)] = now + c.retry_after_seconds
            return Fault("429", c.retry_after_seconds)
        edge += c.http_500_rate
        if draw < edge:
            return Fault("500-after" if coin < 0.5 else "500-before")
        edge += c.drop_rate
        if draw < edge:
            return Fault("drop")
        return None


def _error(status: int, code: str, title: str, detail: str, trace_id: str) -> bytes:
    item = {"code": code, "title": title, "detail": detail}
    return json.dumps({"errors": [item], "traceId": trace_id}).encode()


async def _send_error(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _break(send: Send, status: int) -> None:
    """Start a response that promises a body, so closing now is a broken response."""
    shown = status if status >= 200 and status not in (204, 304) else 200
    headers = [(b"content-type", b"application/json"), (b"content-length", b"1")]
    await send({"type": "http.response.start", "status": shown, "headers": headers})


async def respond(
    fault: Fault | None, inner: Responder, send: Send, *, raw_send: Send, trace_id: str
) -> None:
    """Answer through ``inner`` unless ``fault`` says otherwise (see the module docstring)."""
    if fault is None:
        await inner(send)
        return
    if fault.kind == "reset":
        await _break(raw_send, 200)
        raise InjectedReset("injected fault: connection reset before processing")
    if fault.kind == "429":
        wait = fault.retry_after
        detail = f"You need to wait {wait} seconds until limit is lifted."
        body = _error(429, "HTTP-429", "API rate limit reached.", detail, trace_id)
        await _send_error(send, 429, body, {"Retry-After": str(wait)})
        return
    if fault.kind == "500-before":
        body = _error(500, "HTTP-500", "Internal Server Error", "Injected fault", trace_id)
        await _send_error(send, 500, body, {})
        return
    committed = {"status": 500}

    async def swallow(message: Message) -> None:
        if message["type"] == "http.response.start":
            committed["status"] = int(message["status"])

    await inner(swallow)
    if fault.kind == "500-after":
        body = _error(500, "HTTP-500", "Internal Server Error", "Injected fault", trace_id)
        await _send_error(send, 500, body, {})
        return
    await _break(raw_send, committed["status"])
    raise InjectedDrop(committed["status"])


class QuietInjected(logging.Filter):
    """Drops the server's "Exception in ASGI application" records for injected faults."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = record.exc_info
        return not (info and isinstance(info[1], InjectedFault))
