"""The per-request pipeline every API route goes through, and the context handlers receive.

:func:`endpoint` wraps a handler ``async (Ctx) -> Response`` with: Host resolution (tenant or
register host, 404 for unknown hosts), disabled-tenant refusal, lazy reload settling, bearer
authentication scoped to the host, opt-in rate limits, and rendering of :class:`QlikError`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from qlikreconcile.emulator.api.errors import (
    QlikError,
    Service,
    error_body,
    rate_limited,
    unauthorized,
)
from qlikreconcile.emulator.hosts import HostInfo
from qlikreconcile.emulator.rate_limits import tier_for
from qlikreconcile.emulator.state.model import TokenRecord
from qlikreconcile.emulator.state.reload_lifecycle import settle
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Tenant, User

HostKinds = Literal["tenant", "register", "both"]
Handler = Callable[["Ctx"], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]

_MISSING = object()


@dataclass
class Ctx:
    """What a handler needs: the request, the store, the host, its tenant and the caller."""

    request: Request
    store: EmulatorStore
    host: HostInfo
    tenant_or_none: Tenant | None
    token: TokenRecord | None
    service: Service
    _body: Any = _MISSING

    @property
    def tenant(self) -> Tenant:
        if self.tenant_or_none is None:
            raise QlikError(
                404, "HTTP-404", "Not found", "No tenant on this host", service=self.service
            )
        return self.tenant_or_none

    @property
    def user_id(self) -> str:
        return self.token.user_id if self.token else ""

    def user(self) -> User | None:
        return self.tenant.users.get(self.user_id) if self.tenant_or_none else None

    @property
    def now(self) -> float:
        return self.store.now()

    def base_url(self) -> str:
        """Scheme and Host of this request: absolute links point back where the client came."""
        host = self.request.headers.get("host", self.host.name)
        return f"{self.request.url.scheme}://{host}"

    def path_param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    async def raw_body(self) -> bytes:
        return await self.request.body()

    async def json(self) -> Any:
        """The JSON body; 400 when it is malformed. An empty body reads as None."""
        if self._body is _MISSING:
            raw = await self.request.body()
            if not raw.strip():
                self._body = None
            else:
                try:
                    self._body = json.loads(raw)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise QlikError(
                        400,
                        "HTTP-400",
                        "Bad request",
                        f"Malformed JSON body: {exc}",
                        service=self.service,
                    ) from exc
        return self._body

    async def json_object(self, *, required: bool = True) -> dict[str, Any]:
        body = await self.json()
        if body is None and not required:
            return {}
        if not isinstance(body, dict):
            raise QlikError(
                400, "HTTP-400", "Bad request", "Body must be a JSON object", service=self.service
            )
        return body


# Services whose responses carry the trace id as a header too ([SPEC] items: X-B3-Traceid).
TRACE_HEADER_SERVICES: frozenset[str] = frozenset({"items"})


def qlik_error_response(store: EmulatorStore, err: QlikError) -> Response:
    trace = store.trace_id()
    headers = dict(err.headers)
    if err.service in TRACE_HEADER_SERVICES:
        headers["X-B3-Traceid"] = trace
    return JSONResponse(error_body(err, trace), status_code=err.status, headers=headers)


def resolve_host(
    store: EmulatorStore, request: HTTPConnection, service: Service
) -> tuple[HostInfo, Tenant | None]:
    host = store.host_info(request.headers.get("host", ""))
    if host.kind == "register":
        return host, None
    tenant = store.tenant_by_hostname(host.name) if host.kind == "tenant" else None
    if tenant is None:
        raise QlikError(
            404, "HTTP-404", "Not found", f"Unknown host '{host.name}'", service=service
        )
    if tenant.status != "active":
        raise QlikError(
            403,
            "TENANTS-DISABLED",
            "Forbidden",
            f"Tenant '{tenant.name}' is {tenant.status}",
            service=service,
        )
    return host, tenant


def authenticate(
    store: EmulatorStore, request: HTTPConnection, host: HostInfo, service: Service
) -> TokenRecord:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise unauthorized(service, "Missing bearer token")
    record = store.state.tokens.get(value.strip())
    if record is None or record.host != host.name:
        raise unauthorized(service, "Invalid token")
    if record.expires_at <= store.now():
        raise unauthorized(service, "Token expired")
    return record


def endpoint(
    *, service: Service, hosts: HostKinds = "tenant", auth: bool = True
) -> Callable[[Handler], Endpoint]:
    """Wrap a handler with the shared request pipeline (see module docstring)."""

    def decorate(handler: Handler) -> Endpoint:
        async def run(request: Request) -> Response:
            store: EmulatorStore = request.app.state.store
            try:
                host, tenant = resolve_host(store, request, service)
                if hosts != "both" and host.kind != hosts:
                    raise QlikError(
                        404, "HTTP-404", "Not found", "Not available on this host", service=service
                    )
                if tenant is not None and settle(tenant, store.now()):
                    store.mark_dirty()
                token = authenticate(store, request, host, service) if auth else None
                if store.config.rate_limits:
                    route = getattr(request.scope.get("route"), "path", request.url.path)
                    tier = tier_for(request.method, route)
                    user = token.user_id if token is not None else ""
                    wait = store.limiter.check(host.name, user, tier, store.now())
                    if wait is not None:
                        raise rate_limited(wait)
                ctx = Ctx(request, store, host, tenant, token, service)
                response = await handler(ctx)
            except QlikError as err:
                return qlik_error_response(store, err)
            if service in TRACE_HEADER_SERVICES:
                response.headers["X-B3-Traceid"] = store.trace_id()
            if request.method not in ("GET", "HEAD") and response.status_code < 400:
                store.mark_dirty()
            return response

        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        return run

    return decorate
