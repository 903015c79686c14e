"""Outer ASGI layer: unknown-host 404s, injected latency, request log, state persistence.

Runs around every request, including 404/405 answers from the router, so the request log
counts exactly what a client sent. ``/_emulator`` admin calls are neither logged nor delayed.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qlikreconcile.emulator.errors import QlikError, error_body
from qlikreconcile.emulator.hosts import parse_host
from qlikreconcile.emulator.persistence import save_state
from qlikreconcile.emulator.store import EmulatorStore, RequestRecord

ADMIN_PREFIX = "/_emulator"


class EmulatorMiddleware:
    def __init__(self, app: ASGIApp, *, store: EmulatorStore, state_file: Path | None) -> None:
        self.app = app
        self.store = store
        self.state_file = state_file

    def _host_header(self, scope: Scope) -> str:
        for key, value in scope.get("headers", []):
            if key == b"host":
                return str(value.decode("latin-1"))
        return ""

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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        admin = path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        host = parse_host(self._host_header(scope))
        known = host.kind == "register" or (
            host.kind == "tenant" and self.store.tenant_by_hostname(host.name) is not None
        )
        try:
            if not admin and self.store.state.faults.latency_ms:
                await asyncio.sleep(self.store.state.faults.latency_ms / 1000)
            if admin or known:
                await self.app(scope, receive, send_wrapper)
            else:
                await self._unknown_host(send_wrapper, host.name)
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
                    )
                )
            if self.store.dirty and self.state_file is not None:
                save_state(self.state_file, self.store.state)
            self.store.dirty = False
