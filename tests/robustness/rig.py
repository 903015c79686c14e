"""A fleet folder against an in-process emulator, run the way a scheduled job runs it.

Each :meth:`Rig.run` is one CLI-like run: a fresh session, a plan, and an apply of that plan.
:meth:`Rig.converge` repeats runs until a plan is empty and every tenant could be read, within a
bounded number of rounds, playing the operator for a tenant blocked by a lost create
(:mod:`.operator`). Time is virtual by default: the emulator and the client share a
:class:`VirtualClock` whose ``sleep`` moves the clock instead of waiting, so Retry-After, backoff
and reload polling play out instantly while the emulator sees the time pass.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from qlikreconcile.emulator import SOURCE_HOST, EmulatorConfig, create_app
from qlikreconcile.engine.report import ApplyReport, Status
from qlikreconcile.qlik.auth import Credentials
from qlikreconcile.qlik.credentials import FINGERPRINT_KEY_ENV
from qlikreconcile.qlik.kinds.base import ReloadPolling
from qlikreconcile.qlik.retry import RequestStats, RetryPolicy
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.transport import asgi_transport
from qlikreconcile.reconcile.pending import forget_pending_create
from qlikreconcile.reconcile.service import ArtifactReader, Planned, apply_plan, plan_fleet
from qlikreconcile.spec.desired_state import DesiredFleet
from qlikreconcile.spec.fleet_loader import load_fleet
from tests.robustness.operator import settle_blocked

START = 1_750_000_000.0
POLLING = ReloadPolling(first=0.05, factor=2.0, cap=1.0, timeout=600)


class VirtualClock:
    """Epoch seconds that move only when someone sleeps; concurrent sleeps overlap."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + max(0.0, seconds)
        await asyncio.sleep(0)  # let the other tasks run first, as a real sleep would
        self.now = max(self.now, target)


@dataclass
class RunResult:
    """One run: how many operations it planned, what happened, and what it cost."""

    planned: int
    unreadable: dict[str, str]
    report: ApplyReport | None
    stats: RequestStats
    blocked: dict[str, str] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        return self.planned == 0 and not self.unreadable and not self.blocked

    @property
    def failed(self) -> list[str]:
        if self.report is None:
            return []
        return [
            f"{r.key} {r.action.value}: {r.reason}"
            for r in self.report.results
            if r.status is Status.FAILED
        ]


@dataclass
class Totals:
    """Counters over every run of a rig."""

    runs: int = 0
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    throttled: int = 0
    adopted: int = 0
    failed_ops: int = 0
    settled: int = 0
    """Tenants the operator settled after a lost create (named or forgotten)."""
    history: list[RunResult] = field(default_factory=list)

    def add(self, result: RunResult) -> None:
        self.runs += 1
        self.requests += result.stats.requests
        self.retries += result.stats.retries
        self.rate_limited += result.stats.rate_limited
        self.throttled += result.stats.throttled
        self.adopted += result.stats.adopted
        self.failed_ops += len(result.failed)
        self.history.append(result)


class Rig:
    """One desired/ folder, one in-process emulator, and the plan/apply use cases."""

    def __init__(
        self,
        desired: Path,
        *,
        secrets: Mapping[str, str],
        seed: int = 0,
        virtual: bool = True,
        max_retries: int = 6,
        global_limit: int = 16,
        emulator: Mapping[str, Any] | None = None,
    ) -> None:
        self.desired = desired
        self.environ = {FINGERPRINT_KEY_ENV: "rig-fingerprint-key-7d2a91", **secrets}
        self.secrets = {k: SecretStr(v) for k, v in self.environ.items()}
        self.clock: Callable[[], float] = VirtualClock() if virtual else time.time
        options: dict[str, Any] = {"reload_queue_seconds": 0.05, "reload_run_seconds": 0.1}
        options.update(emulator or {})
        self.config = EmulatorConfig(clock=self.clock, seed=seed, **options)
        self.app = create_app(config=self.config)
        self.seed = seed
        self.max_retries = max_retries
        self.global_limit = global_limit
        self.totals = Totals()

    async def sleep(self, seconds: float) -> None:
        if isinstance(self.clock, VirtualClock):
            await self.clock.sleep(seconds)
        else:
            await asyncio.sleep(seconds)

    def session(self) -> QlikSession:
        credentials = Credentials(
            client_id=self.config.client_id, client_secret=SecretStr(self.config.client_secret)
        )
        policy = RetryPolicy(
            max_retries=self.max_retries,
            base_delay=0.2,
            max_wait=5.0,
            sleep=self.sleep,
            rng=random.Random(self.seed + self.totals.runs),
        )
        return QlikSession(
            credentials=credentials,
            transport=asgi_transport(self.app),
            clock=self.clock,
            retry_policy=policy,
        )

    def fleet(self) -> DesiredFleet:
        return load_fleet(self.desired)

    async def plan(self) -> Planned:
        async with self.session() as session:
            return await plan_fleet(
                self.fleet(), session, target="test", clock=self.clock, environ=self.environ
            )

    async def run(self) -> RunResult:
        """One scheduled run: plan, then apply whatever the plan holds."""
        fleet = self.fleet()
        async with self.session() as session:
            planned = await plan_fleet(
                fleet, session, target="test", clock=self.clock, environ=self.environ
            )
            report = None
            if not planned.plan.empty:
                report = await apply_plan(
                    planned,
                    session,
                    secrets=self.secrets,
                    artifacts=ArtifactReader(self.desired.parent),
                    polling=POLLING,
                    global_limit=self.global_limit,
                    force=True,  # convergence under faults, not the blast-radius guard, is tested
                )
            result = RunResult(
                len(planned.plan.operations),
                dict(planned.actual.unreadable),
                report,
                session.stats,
                dict(planned.actual.blocked),
            )
        self.totals.add(result)
        return result

    async def converge(self, *, max_rounds: int) -> int:
        """Run until a plan is empty with every tenant read; the number of runs it took."""
        for round_number in range(1, max_rounds + 1):
            result = await self.run()
            if result.converged:
                return round_number
            if result.blocked:  # a lost tenant create: the operator settles it (operator.py)
                await self.settle(result.blocked)
        last = self.totals.history[-1]
        raise AssertionError(
            f"not converged in {max_rounds} runs; last planned {last.planned}, "
            f"unreadable {last.unreadable}, failed {last.failed[:5]}"
        )

    async def settle(self, blocked: Iterable[str]) -> None:
        """Play the operator for tenants blocked by a lost create: name the tenant or forget."""
        blocked = sorted(blocked)
        self.totals.settled += len(blocked)
        forget = settle_blocked(await self.state(), self.desired, blocked)
        async with self.session() as session:
            for name in forget:
                await forget_pending_create(session, source_host=SOURCE_HOST, tenant=name)

    async def admin(self, method: str, path: str, json: Any = None) -> Any:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=f"https://{SOURCE_HOST}") as c:
            response = await c.request(method, path, json=json)
        response.raise_for_status()
        return response.json() if response.content else None

    async def faults(self, faults: Mapping[str, Any]) -> None:
        await self.admin("POST", "/_emulator/faults", dict(faults))

    async def state(self) -> dict[str, Any]:
        state: dict[str, Any] = await self.admin("GET", "/_emulator/state")
        return state
