"""What every handler gets to do its work: clients, ids known so far, secrets, artifacts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import ApplyContext, Outcome
from qlikreconcile.errors import PlanError
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.redact import register_secret
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.spec.desired_state import RELOAD_RETRIES, RELOAD_RETRY_DELAY


def _no_archive(path: str, data: bytes) -> None:
    """The default: an environment without an archive folder refuses to write one (an export
    the spec asked for must never vanish silently)."""
    raise PlanError(f"cannot write {path}: this run was given no archive folder")


def _no_artifacts(path: str) -> bytes:
    """The default: an environment without release artifacts refuses to import one (an empty
    file would be imported as an empty app)."""
    raise PlanError(f"release artifact {path} cannot be read: this run was given no artifacts")


@dataclass(frozen=True, slots=True)
class ReloadPolling:
    """How a reload is waited for: first poll delay, growth, cap and overall timeout."""

    first: float = 0.2
    factor: float = 1.5
    cap: float = 5.0
    timeout: float = 3600.0


@dataclass(frozen=True, slots=True)
class ReloadRetry:
    """How a reload that failed outside its script is retried within one apply.

    ``retries`` more attempts at most; the first after ``delay`` seconds, each next one after
    ``factor`` times the last pause, capped at ``cap`` (fleet.yaml ``defaults.reload``).
    """

    retries: int = RELOAD_RETRIES
    delay: float = float(RELOAD_RETRY_DELAY)
    factor: float = 2.0
    cap: float = 600.0


@dataclass(slots=True)
class _LicenseCache:
    key: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(slots=True)
class HandlerEnv:
    """Shared by every operation of one apply."""

    session: QlikSession
    source_host: str
    hosts: Mapping[str, str]
    """The host name of every tenant of the fleet, by tenant name."""
    ctx: ApplyContext = field(default_factory=ApplyContext)
    """The executor's context of the operation at hand: each operation gets its own copy of
    the environment carrying it (:class:`~qlikreconcile.qlik.runner.QlikRunner`), so nothing is
    assigned on an object concurrent operations share."""
    secrets: Mapping[str, SecretStr] = field(default_factory=dict)
    read_artifact: Callable[[str], bytes] = _no_artifacts
    write_archive: Callable[[str, bytes], None] = _no_archive
    """Writes an export (a path relative to the folder holding desired/)."""
    polling: ReloadPolling = field(default_factory=ReloadPolling)
    reload_retry: ReloadRetry = field(default_factory=ReloadRetry)
    sleep: Callable[[float], Awaitable[None]] | None = None
    """Waits between reload polls and create attempts; None: the session's (one injected sleep)."""
    _license: _LicenseCache = field(default_factory=lambda: _LicenseCache())
    """Shared by every copy of one apply's environment: the licence key is read once."""

    def __post_init__(self) -> None:
        # Passwords reach handlers only through here: mask them in any log line or error text.
        for value in self.secrets.values():
            register_secret(value.get_secret_value())

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds`` with the injected sleep (the session's unless one is given)."""
        await (self.sleep or self.session.policy.sleep)(seconds)

    def host(self, op: Operation) -> str:
        return self.hosts[op.key.tenant]

    def client(self, op: Operation) -> QlikClient:
        return self.session.client(self.host(op))

    def ident(self, key: str | ResourceKey) -> str:
        return self.ctx.require(ResourceKey.parse(key) if isinstance(key, str) else key)

    def secret(self, env_name: str | None) -> str | None:
        if not env_name:
            return None
        return self.secrets[env_name].get_secret_value()

    async def license_key(self) -> str:
        """The signed licence key of the source tenant, read once per apply."""
        cache = self._license
        async with cache.lock:
            if cache.key is None:
                source = self.session.client(self.source_host)
                overview = await source.get_json("/api/v1/licenses/overview")
                cache.key = str(overview["licenseKey"])
            return cache.key


Handler = Callable[[Operation, HandlerEnv], Awaitable[Outcome]]
