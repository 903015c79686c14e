"""The live emulator: state plus the config, id source, request log and dirty flag around it.

One :class:`EmulatorStore` per ASGI app. Requests are handled on one event loop and handlers do
not await between reading and changing state, so no locking is needed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from qlikreconcile.emulator.config import SOURCE_HOST, EmulatorConfig
from qlikreconcile.emulator.hosts import HostInfo, is_qlik_name, normalise, parse_host
from qlikreconcile.emulator.rate_limits import RateLimiter
from qlikreconcile.emulator.state.fault_config import FaultConfig
from qlikreconcile.emulator.state.ids import IdKind, IdSource
from qlikreconcile.emulator.state.model import EmulatorState
from qlikreconcile.emulator.state.tenant import Tenant

MAX_REQUEST_LOG = 20_000


@dataclass
class RequestRecord:
    method: str
    host: str
    path: str
    query: str
    status: int
    time: float
    api_version: str | None = None
    """The ``qlik-api-version`` the request carried (None: none)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "host": self.host,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "time": self.time,
            "api_version": self.api_version,
        }


@dataclass
class EmulatorStore:
    config: EmulatorConfig
    state: EmulatorState
    requests: list[RequestRecord] = field(default_factory=list)
    requests_logged: int = 0
    """Requests logged since the log was last cleared, also those the capped log dropped."""
    limiter: RateLimiter = field(default_factory=RateLimiter)
    dirty: bool = False
    trace_counter: int = 0
    host_index: dict[str, str] = field(default_factory=dict)
    """Host name -> tenant id, rebuilt whole on a miss and checked on every use (never stale)."""
    token_prune_at: float = 0.0
    """No issued token expires before this (epoch seconds): until then, issuing a token need not
    look for expired ones (:func:`.tokens.issue_token`)."""

    def now(self) -> float:
        return self.config.clock()

    def new_id(self, kind: IdKind) -> str:
        source = IdSource(self.config.seed, self.state.id_counter)
        ident = source.new(kind)
        self.state.id_counter = source.counter
        return ident

    def trace_id(self) -> str:
        # Not drawn from the id sequence, so error responses never shift later ids.
        self.trace_counter += 1
        return hashlib.sha256(
            f"trace:{self.config.seed}:{self.trace_counter}".encode()
        ).hexdigest()[:32]

    def host_info(self, host_header: str) -> HostInfo:
        """The Qlik host a request addresses; non-Qlik names stand for the default host."""
        host = parse_host(host_header)
        if host.kind == "other" and not is_qlik_name(host.name):
            return parse_host(self.config.default_host or SOURCE_HOST)
        return host

    def tenant_by_hostname(self, hostname: str) -> Tenant | None:
        wanted = normalise(hostname)
        cached = self.state.tenants.get(self.host_index.get(wanted, ""))
        if cached is not None and any(h.lower() == wanted for h in cached.hostnames):
            return cached
        # One pass indexes every tenant's host names: a scan for the one name asked made the
        # first request of each tenant cost a scan of the fleet, quadratic in its size (a
        # thousand-tenant plan spent a second of the emulator's CPU on it). A name that stays
        # missing (a tenant still to be created) costs one pass, as a scan did.
        index: dict[str, str] = {}
        for tenant in self.state.tenants.values():
            for name in tenant.hostnames:
                index.setdefault(name.lower(), tenant.id)
        self.host_index = index
        return self.state.tenants.get(index.get(wanted, ""))

    def mark_dirty(self) -> None:
        self.dirty = True

    def replace_state(self, state: EmulatorState) -> None:
        """Start over from ``state`` (a reset to the seed, a loaded dump): the request log, rate
        limits and host cache of the old state go with it."""
        self.state = state
        self.host_index.clear()
        self.token_prune_at = 0.0
        self.clear_requests()
        self.limiter.clear()
        self.mark_dirty()

    def set_faults(self, faults: FaultConfig) -> None:
        self.state.faults = faults
        self.mark_dirty()

    def clear_requests(self) -> None:
        self.requests.clear()
        self.requests_logged = 0

    def log_request(self, record: RequestRecord) -> None:
        self.requests.append(record)
        self.requests_logged += 1
        if len(self.requests) > MAX_REQUEST_LOG:
            del self.requests[: len(self.requests) - MAX_REQUEST_LOG]
