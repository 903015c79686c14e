"""Soak: a generated fleet applied to convergence through every kind of fault, twice.

Phase 1 creates N tenants from nothing while the emulator injects 429s (with Retry-After),
5xx (before and after the change), dropped responses, connection resets and failed reloads, and
stretches reloads (``slow-reload``). Customers then add community sheets to every published app.
Phase 2 changes every tenant's load script (reload and republish everywhere) under a new fault
seed. Each phase runs plan + apply rounds until a plan is empty with every tenant read. Printed:
requests, retries, 429s, adoptions (creates settled by a re-read), tenants the operator settled
after a lost tenant create (a tenant create is never repeated: the soak plays the operator, see
``tests/robustness/operator.py``), rounds per phase (the round whose plan is empty included) and
the rounds in which the operator settled lost tenant creates, duplicates (must be 0), lost
community sheets (must be 0) and wall time. Reloads failed by the faults are retried within the
apply at the example fleet's default settings (``defaults.reload.retries``, 3).

The operator settles the tenants an apply stopped before the next round plans, as a person does
before the next scheduled apply. Phase 1's rounds are bounded below by the lost tenant creates:
Qlik cannot be asked whether a lost create happened (no tenant list, qlik-cloud-api.md §14.2),
so each waits for the operator, and the creates the operator frees (nothing was made) are sent
again and lose their answer again at the same rate. ``--spare-tenant-creates`` keeps the faults
off ``POST /api/v1/tenants`` in phase 1, which shows the rounds qlikreconcile itself needs.

Time is virtual by default (the emulator and the client share a clock that jumps over waits), so
the figures measure qlikreconcile's work and request counts, not Qlik's latency; ``--real-time``
waits for real (Retry-After, backoff, reloads).

    .venv/bin/python bench/soak.py --tenants 200 --rate 0.1 --seed 7
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import fleetgen
import httpx
from pydantic import SecretStr

from qlikreconcile.emulator import SOURCE_HOST, EmulatorConfig, create_app
from qlikreconcile.qlik.auth import Credentials
from qlikreconcile.qlik.kinds.base import ReloadPolling
from qlikreconcile.qlik.retry import RetryPolicy
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.transport import asgi_transport
from qlikreconcile.reconcile.pending import forget_pending_create
from qlikreconcile.reconcile.service import ArtifactReader, Planned, apply_plan, plan_fleet
from qlikreconcile.spec.fleet_loader import load_fleet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the operator's steps live in tests/
from tests.robustness.operator import settle_blocked

SECRETS = {
    "VENDOR_DW_PASSWORD": "soak-vendor-pw",
    "GLOBEX_PG_PASSWORD": "soak-globex-pw",
    "QLIKRECONCILE_FINGERPRINT_KEY": "soak-fingerprint-key-31c9",
}
POLLING = ReloadPolling(first=0.2, factor=1.5, cap=2.0, timeout=900)
MARKER = "[managed by qlikreconcile: "


def write_fleet(desired: Path, tenants: int, *, bump: int = 0) -> None:
    fleetgen.write_fleet(desired, tenants, prefix="soak", bump=bump)


class VirtualClock:
    """Epoch seconds that move when someone sleeps; concurrent sleeps overlap."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + max(0.0, seconds)
        await asyncio.sleep(0)
        self.now = max(self.now, target)


@dataclass
class Figures:
    tenants: int
    rate: float
    seed: int
    spare_tenant_creates: bool = False
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    throttled: int = 0
    adopted: int = 0
    settled: int = 0
    failed_operations: int = 0
    rounds: list[int] = field(default_factory=list)
    """Per phase, the round whose plan was empty with every tenant read (that round included)."""
    operator_rounds: list[list[int]] = field(default_factory=list)
    """Per phase, the rounds in which the operator settled lost tenant creates: each such
    tenant waits for a person and then needs one more round (a create is never repeated)."""
    duplicates: int = 0
    duplicate_details: list[str] = field(default_factory=list)
    lost_sheets: int = 0
    emulator_requests: int = 0
    wall_seconds: float = 0.0


class Soak:
    def __init__(self, root: Path, figures: Figures, *, real_time: bool, retries: int) -> None:
        self.desired = root / "desired"
        self.figures = figures
        virtual = VirtualClock()
        self.clock: Callable[[], float] = time.time if real_time else virtual
        self.sleep: Callable[[float], Awaitable[None]] = (
            asyncio.sleep if real_time else virtual.sleep
        )
        config = EmulatorConfig(clock=self.clock, seed=figures.seed, reload_run_seconds=1.0)
        self.config = config
        self.app = create_app(config=config)
        self.rng = random.Random(figures.seed)
        self.retries = retries

    def session(self) -> QlikSession:
        policy = RetryPolicy(max_retries=self.retries, sleep=self.sleep, rng=self.rng)
        credentials = Credentials(
            client_id=self.config.client_id, client_secret=SecretStr(self.config.client_secret)
        )
        return QlikSession(
            credentials=credentials,
            transport=asgi_transport(self.app),
            clock=self.clock,
            retry_policy=policy,
        )

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=f"https://{SOURCE_HOST}") as c:
            response = await c.request(method, path, json=body, timeout=120)
        response.raise_for_status()
        return response.json() if response.content else None

    async def converge(self, faults: dict[str, Any], max_rounds: int) -> None:
        await self.admin("POST", "/_emulator/faults", faults)
        secrets = {k: SecretStr(v) for k, v in SECRETS.items()}
        self.figures.operator_rounds.append([])
        for rounds in range(1, max_rounds + 1):
            async with self.session() as session:
                planned = await self.plan(session)
                blocked = sorted(planned.actual.blocked)
                if blocked:
                    # Lost tenant creates: the last apply stopped these tenants with the recovery
                    # steps; the operator settles them (names the tenant made, or forgets the
                    # record) before this round, as before the next scheduled apply, and plans.
                    self.figures.settled += len(blocked)
                    self.figures.operator_rounds[-1].append(rounds)
                    state = await self.admin("GET", "/_emulator/state")
                    for name in settle_blocked(state, self.desired, blocked):
                        await forget_pending_create(session, source_host=SOURCE_HOST, tenant=name)
                    planned = await self.plan(session)
                blocked = sorted(planned.actual.blocked)
                done = planned.plan.empty and not planned.actual.unreadable and not blocked
                if not planned.plan.empty:
                    report = await apply_plan(
                        planned,
                        session,
                        secrets=secrets,
                        artifacts=ArtifactReader(self.desired.parent),
                        polling=POLLING,
                        global_limit=64,
                        force=True,  # phase 2 republishes every tenant on purpose
                    )
                    self.figures.failed_operations += report.counts()["failed"]
                self._count(session)
            if done:
                self.figures.rounds.append(rounds)
                return
        raise SystemExit(f"soak: not converged within {max_rounds} rounds")

    async def plan(self, session: QlikSession) -> Planned:
        fleet = load_fleet(self.desired)
        return await plan_fleet(fleet, session, target="soak", clock=self.clock, environ=SECRETS)

    def _count(self, session: QlikSession) -> None:
        stats = session.stats
        self.figures.requests += stats.requests
        self.figures.retries += stats.retries
        self.figures.rate_limited += stats.rate_limited
        self.figures.throttled += stats.throttled
        self.figures.adopted += stats.adopted

    async def add_sheets(self) -> dict[tuple[str, str], int]:
        """Two community sheets on every published app (what customers build on top)."""
        added: dict[tuple[str, str], int] = {}
        state = await self.admin("GET", "/_emulator/state")
        for tenant in state["tenants"].values():
            host = tenant["hostnames"][0]
            for app in tenant["apps"].values():
                if MARKER + "published" not in (app.get("description") or ""):
                    continue
                for title in ("Regional view", "Board pack"):
                    body = {"title": title, "type": "community", "ownerId": "customer"}
                    await self.admin(
                        "POST", f"/_emulator/tenants/{host}/apps/{app['id']}/sheets", body
                    )
                added[(host, app["id"])] = 2
        return added

    async def check(self, sheets: dict[tuple[str, str], int]) -> None:
        state = await self.admin("GET", "/_emulator/state")
        duplicates: list[str] = []
        for tenant in state["tenants"].values():
            host = tenant["hostnames"][0]
            roles: Counter[tuple[str, str]] = Counter()
            for app in tenant["apps"].values():
                text = app.get("description") or ""
                if MARKER in text:
                    role, template = text.split(MARKER, 1)[1].split()[:2]
                    roles[(app["space_id"], role + " " + template)] += 1
                if "[qlikreconcile import " in app["name"]:
                    duplicates.append(f"{host}: half-done import {app['name']}")
                have = sum(s["type"] == "community" for s in app.get("sheets", []))
                if (host, app["id"]) in sheets:
                    self.figures.lost_sheets += max(0, sheets.pop((host, app["id"])) - have)
            duplicates += [f"{host}: {k[1]} x{n}" for k, n in roles.items() if n > 1]
            for kind, key in (("spaces", "name"), ("groups", "name")):
                names = Counter(item[key] for item in tenant[kind].values())
                duplicates += [f"{host}: {kind} {k} x{n}" for k, n in names.items() if n > 1]
        self.figures.lost_sheets += sum(sheets.values())  # published apps that disappeared
        self.figures.duplicates = len(duplicates)
        self.figures.duplicate_details = duplicates[:20]
        self.figures.emulator_requests = len(
            (await self.admin("GET", "/_emulator/requests"))["data"]
        )


TENANT_CREATE = "POST /api/v1/tenants"


def fault_spec(rate: float, seed: int, *, spare_tenant_creates: bool = False) -> dict[str, Any]:
    return {
        "spare": [TENANT_CREATE] if spare_tenant_creates else [],
        "429": rate,
        "500": rate,
        "drop": rate,
        "reset": rate,
        "reload-fail": rate,
        "slow-reload": "5s",
        "seed": seed,
    }


async def soak(
    tenants: int,
    *,
    rate: float,
    seed: int,
    real_time: bool = False,
    max_rounds: int = 15,
    retries: int = 10,
    spare_tenant_creates: bool = False,
) -> Figures:
    """Run both phases in a temporary folder and return the figures."""
    figures = Figures(
        tenants=tenants, rate=rate, seed=seed, spare_tenant_creates=spare_tenant_creates
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as root:
        run = Soak(Path(root), figures, real_time=real_time, retries=retries)
        write_fleet(run.desired, tenants)
        faults = fault_spec(rate, seed, spare_tenant_creates=spare_tenant_creates)
        await run.converge(faults, max_rounds)
        sheets = await run.add_sheets()
        write_fleet(run.desired, tenants, bump=1)
        await run.converge(fault_spec(rate, seed + 1), max_rounds)
        await run.admin("POST", "/_emulator/faults", {})
        await run.check(sheets)
    figures.wall_seconds = round(time.perf_counter() - started, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.1, help="rate of every fault kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=1, help="repeat (seed+n) and print medians")
    parser.add_argument("--real-time", action="store_true", help="wait for real")
    parser.add_argument("--max-rounds", type=int, default=15)
    parser.add_argument(
        "--retries",
        type=int,
        default=10,
        help="retries per request (the client's default is 5; at 10%% of every fault kind,"
        " 40%% of requests fail, and a fleet run reads every tenant in full)",
    )
    parser.add_argument(
        "--spare-tenant-creates",
        action="store_true",
        help=f"no fault on {TENANT_CREATE} in phase 1: a lost tenant create waits for a person"
        " (it is never repeated), so this shows the rounds qlikreconcile itself needs",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="log unreadable tenants")
    args = parser.parse_args()
    # Tenants that stay unreadable through every retry are logged as warnings; the next round
    # reads them again, so by default only the figures are printed.
    logging.basicConfig(level=logging.WARNING if args.verbose else logging.ERROR)
    results = []
    for n in range(args.runs):
        figures = asyncio.run(
            soak(
                args.tenants,
                rate=args.rate,
                seed=args.seed + 100 * n,
                real_time=args.real_time,
                max_rounds=args.max_rounds,
                retries=args.retries,
                spare_tenant_creates=args.spare_tenant_creates,
            )
        )
        results.append(figures)
        print(json.dumps(asdict(figures)) if args.json else summary(figures))
    if args.runs > 1:
        print(medians(results))


def summary(f: Figures) -> str:
    return (
        f"tenants {f.tenants}, faults {f.rate:.0%} of every kind"
        f"{' (tenant creates spared)' if f.spare_tenant_creates else ''}, seed {f.seed}: "
        f"requests {f.requests}, retries {f.retries}, 429s {f.rate_limited}, "
        f"throttled {f.throttled}, adopted {f.adopted}, settled by the operator {f.settled}, "
        f"failed operations {f.failed_operations}, "
        f"rounds {'+'.join(map(str, f.rounds))}{_operator(f)}, duplicates {f.duplicates}, "
        f"lost sheets {f.lost_sheets}, wall {f.wall_seconds}s"
    )


def _operator(f: Figures) -> str:
    waits = [
        f"phase {n} rounds {','.join(map(str, rounds))}"
        for n, rounds in enumerate(f.operator_rounds, 1)
        if rounds
    ]
    return f" (operator settled lost tenant creates in {'; '.join(waits)})" if waits else ""


def medians(results: list[Figures]) -> str:
    def med(name: str) -> float:
        return float(statistics.median(float(getattr(r, name)) for r in results))

    names = ("requests", "retries", "rate_limited", "adopted", "duplicates", "lost_sheets")
    parts = [f"{n} {med(n):g}" for n in names]
    phases = max(len(r.rounds) for r in results)
    rounds = "+".join(
        f"{statistics.median(r.rounds[n] for r in results if len(r.rounds) > n):g}"
        for n in range(phases)
    )
    return (
        f"median of {len(results)}: "
        + ", ".join(parts)
        + (f", rounds per phase {rounds}, wall {med('wall_seconds'):g}s")
    )


if __name__ == "__main__":
    main()
