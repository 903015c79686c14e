"""Outer ASGI layer: unknown-host 404s, injected latency and faults, request log, persistence.

Runs around every request, including 404/405 answers from the router, so the request log
counts exactly what a client sent. ``/_emulator`` admin calls are neither logged, delayed nor
faulted. Faults (:mod:`.control.faults`) are drawn per request; a lost connection is logged as
status 0 (reset) or with the status of the change that was committed (drop).
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qlikreconcile.emulator.api.errors import QlikError, error_body
from qlikreconcile.emulator.control.faults import FaultInjector, InjectedFault, respond
from qlikreconcile.emulator.deprecations import HEADER, deprecation_headers, effective_version
from qlikreconcile.emulator.state.fault_config import FaultConfig, parse_spec
from qlikreconcile.emulator.state.persistence import save_state
from qlikreconcile.emulator.state.store import EmulatorStore, RequestRecord

ADMIN_PREFIX = "/_emulator"


class EmulatorMiddleware:
    def __init__(self, app: ASGIApp, *, store: EmulatorStore, state_file: Path | None) -> None:
        self.app = app
        self.store = store
        self.state_file = state_file
        self._faults: FaultInjector | None = None
        if store.config.faults is not None:  # built before the first request is handled
            store.state.faults = FaultConfig.model_validate(parse_spec(store.config.faults))

    def _injector(self) -> FaultInjector:
        """The injector of the current fault settings; new settings start a new draw sequence."""
        config = self.store.state.faults
        if self._faults is None or self._faults.config is not config:
            self._faults = FaultInjector(config)
        return self._faults

    def _header(self, scope: Scope, name: bytes) -> str | None:
        for key, value in scope.get("headers", []):
            if key == name:
                return str(value.decode("latin-1"))
        return None

    def _host_header(self, scope: Scope) -> str:
        return self._header(scope, b"host") or ""

    async def _unknown_host(self, send: Send, host: str) -> None:
        err = QlikError(404, "HTTP-404", "Not found", f"Unknown host '{host}'")
        body = json.dumps(error_body(err, self.store.trace_id())).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An engine socket: delayed like a request, logged as its handshake (101 or refusal).

        Faults are not drawn for sockets: the engine is read only to count sheets, and a
        failed count is already handled as "unknown" by the client.
        """
        status = {"code": 403}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "websocket.accept":
                status["code"] = 101
            elif message["type"] == "websocket.http.response.start":
                status["code"] = message["status"]
            await send(message)

        host = self.store.host_info(self._host_header(scope))
        try:
            if self.store.state.faults.latency_ms:
                await asyncio.sleep(self.store.state.faults.latency_ms / 1000)
            await self.app(scope, receive, send_wrapper)
        finally:
            self.store.log_request(
                RequestRecord(
                    "GET",
                    host.name,
                    scope["path"],
                    scope.get("query_string", b"").decode(),
                    status["code"],
                    self.store.now(),
                    self._header(scope, HEADER.encode()),
                )
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        admin = path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")
        status = {"code": 500}
        sent_version = self._header(scope, HEADER.encode())
        deprecated = (
            []
            if admin
            else deprecation_headers(scope["method"], path, effective_version(sent_version))
        )

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                if deprecated:
                    message = {**message, "headers": [*message.get("headers", []), *deprecated]}
            await send(message)

        host = self.store.host_info(self._host_header(scope))
        known = host.kind == "register" or (
            host.kind == "tenant" and self.store.tenant_by_hostname(host.name) is not None
        )
        try:
            if not admin and self.store.state.faults.latency_ms:
                await asyncio.sleep(self.store.state.faults.latency_ms / 1000)
            if admin:
                await self.app(scope, receive, send_wrapper)
            else:
                inner = (
                    partial(self.app, scope, receive)
                    if known
                    else partial(self._unknown_host, host=host.name)
                )
                now = self.store.now()
                fault = self._injector().decide(scope["method"], host.name, path, now)
                trace = self.store.trace_id() if fault is not None else ""
                await respond(fault, inner, send_wrapper, raw_send=send, trace_id=trace)
        except InjectedFault as exc:
            status["code"] = exc.logged_status
            raise
        finally:
            if not admin:
                self.store.log_request(
                    RequestRecord(
                        scope["method"],
                        host.name,
                        path,
                        scope.get("query_string", b"").decode(),
                        status["code"],
                        self.store.now(),
                        sent_version,
                    )
                )
            if self.store.dirty and self.state_file is not None:
                save_state(self.state_file, self.store.state)
            self.store.dirty = False
