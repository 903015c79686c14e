"""Plan and apply a fleet: the use cases the CLI calls, composed from spec, qlik and engine.

``plan_fleet`` reads every tenant the spec names and diffs it against the spec. ``apply_plan``
runs a fresh plan's operations. ``refresh_saved`` re-reads the tenants a saved plan touches and
splits off the tenants whose observed state changed since planning (stale), so the rest of the
plan still applies. A plan carries in its ``context`` what applying it later needs besides the
spec (host names, what discovery expects per tenant), and never a secret.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from qlikreconcile.engine.executor import Listener, execute
from qlikreconcile.engine.guard import refusals
from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.planner import make_plan
from qlikreconcile.engine.report import ApplyReport
from qlikreconcile.engine.rollout import FailureBudget
from qlikreconcile.engine.staleness import stale_tenants, without_tenants
from qlikreconcile.engine.state import ActualState
from qlikreconcile.engine.waves import TenantHealth, reached_health, run_waves
from qlikreconcile.errors import GuardError, PlanError, SecretError
from qlikreconcile.qlik import resources
from qlikreconcile.qlik.credentials import FINGERPRINT_KEY_ENV
from qlikreconcile.qlik.discover import READ_PARALLELISM as READ_PARALLELISM
from qlikreconcile.qlik.discover import ReadListener, read_fleet
from qlikreconcile.qlik.kinds.base import HandlerEnv, ReloadPolling
from qlikreconcile.qlik.kinds.registry import KINDS
from qlikreconcile.qlik.kinds.registry import secret_names as kind_secret_names
from qlikreconcile.qlik.reach import Reach
from qlikreconcile.qlik.read_processes import TENANTS_PER_PROCESS as TENANTS_PER_PROCESS
from qlikreconcile.qlik.read_processes import processes_for, read_fleet_on_cores
from qlikreconcile.qlik.runner import QlikRunner
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.reconcile.credentials import fingerprint_key, password_fingerprints
from qlikreconcile.reconcile.desired import desired_resources, prune_kinds, tenant_refs
from qlikreconcile.reconcile.offboarding import offboard
from qlikreconcile.reconcile.plan_context import context_document, context_of
from qlikreconcile.reconcile.rollout import hold
from qlikreconcile.reconcile.roster import applied_tenants, record_applied, removed_tenants
from qlikreconcile.spec.desired_state import (
    DesiredFleet,
)

Session = QlikSession
"""The session type commands open through their target (re-exported for the CLI)."""


@dataclass(frozen=True, slots=True)
class Planned:
    """A plan and the actual state it was made from (the ids apply starts with)."""

    plan: Plan
    actual: ActualState


@dataclass(frozen=True, slots=True)
class Refreshed:
    """A saved plan made ready to apply: the fresh tenants' part, and why others are stale."""

    planned: Planned
    stale: dict[str, list[str]]


async def plan_fleet(
    fleet: DesiredFleet,
    session: QlikSession,
    *,
    target: str,
    revision: str | None = None,
    listener: ReadListener | None = None,
    clock: Callable[[], float] = time.time,
    environ: Mapping[str, str] | None = None,
    parallelism: int = READ_PARALLELISM,
    reach: Reach | None = None,
    processes: int | None = 1,
) -> Planned:
    """Read the fleet's tenants (``parallelism`` at once) and plan what makes them match the spec.

    ``environ`` supplies the connection passwords and the fingerprint key (needed, and checked
    before any API call, when the spec names a password). ``reach``: how worker processes reach
    the target, to read the tenants in ``processes`` processes (None: one per core, for a fleet
    large enough; see :mod:`~..qlik.read_processes`).
    """
    fingerprints = password_fingerprints(fleet, environ or {})
    actual, context = await _read(fleet, session, listener, clock, parallelism, reach, processes)
    plan = make_plan(
        desired_resources(fleet, fingerprints),
        actual,
        KINDS,
        target=target,
        tenants=[t.name for t in fleet.tenants],
        revision=revision,
        context=context,
        prune=prune_kinds(fleet),
    )
    plan = offboard(plan, fleet, actual)
    if fleet.warnings:  # the spec's own, so a PR's plan shows them too
        plan = dataclasses.replace(plan, warnings=(*fleet.warnings, *plan.warnings))
    removed, unlisted = await removed_tenants(
        session,
        source_host=fleet.source.hostname,
        spec_tenants=set(fleet.spec_tenants or (t.name for t in fleet.tenants)),
        now=clock(),
        shard=fleet.shard,
    )
    if removed or unlisted:
        plan = dataclasses.replace(
            plan,
            divergences=(*plan.divergences, *removed),
            warnings=(*plan.warnings, *unlisted),
        )
    plan = hold(plan, fleet, datetime.fromtimestamp(clock(), UTC))
    return Planned(with_deprecations(plan, session), actual)


async def _read(
    fleet: DesiredFleet,
    session: QlikSession,
    listener: ReadListener | None,
    clock: Callable[[], float],
    parallelism: int,
    reach: Reach | None,
    processes: int | None,
) -> tuple[ActualState, dict[str, Any]]:
    """The fleet's actual state and the plan's context. What discovery takes per tenant (its
    refs) is needed for nothing else, so it is let go before the plan is made (about
    4 MiB less at the peak of a 5,000-tenant plan)."""
    refs = tenant_refs(fleet)
    actual = await read_fleet_on_cores(
        session,
        reach,
        refs,
        processes=processes_for(
            len(refs), processes, busy_cores=1 if reach is not None and reach.loopback else 0
        ),
        listener=listener,
        clock=clock,
        source_host=fleet.source.hostname,
        concurrency=parallelism,
    )
    return actual, context_document(fleet, refs)


async def record_tenants(
    planned: Planned, session: QlikSession, report: ApplyReport | None = None
) -> str | None:
    """After an apply (or an apply that found nothing to do): add the tenants that exist to the
    fleet roster, so a tenant later removed from the spec is still reported. A warning when the
    roster cannot be written (the apply itself is not failed for it)."""
    context = context_of(planned.plan)
    source = context.source_host
    if not source:
        return None
    hosts = context.hosts()
    seen = {k.tenant for k in planned.actual.resources if k.kind == resources.TENANT}
    tenants = applied_tenants(hosts, seen, report)
    return await record_applied(session, source_host=source, tenants=tenants) if tenants else None


def with_deprecations(plan: Plan, session: QlikSession) -> Plan:
    """The plan with each deprecation Qlik announced while reading, once, among its warnings."""
    seen = tuple(w for w in session.deprecations.warnings() if w not in plan.warnings)
    return dataclasses.replace(plan, warnings=plan.warnings + seen) if seen else plan


async def refresh_saved(
    plan: Plan, session: QlikSession, *, listener: ReadListener | None = None
) -> Refreshed:
    """Re-read the tenants a saved plan touches; drop (and explain) the stale ones."""
    touched = {op.key.tenant for op in plan.operations}
    context = context_of(plan)
    refs = [ref for ref in context.refs() if ref.name in touched]
    source = context.source_host or None
    actual = await read_fleet(session, refs, listener=listener, source_host=source)
    stale = stale_tenants(plan, actual)
    return Refreshed(Planned(without_tenants(plan, set(stale)), actual), stale)


def secret_names(plan: Plan) -> list[str]:
    """Every environment variable the plan's operations read a secret from (each kind says
    which of its operations read one)."""
    return kind_secret_names(list(plan.operations))


def plan_secrets(plan: Plan, environ: Mapping[str, str]) -> dict[str, SecretStr]:
    """The secrets a saved plan needs, all resolved before the first API call."""
    missing = [n for n in secret_names(plan) if not environ.get(n)]
    if missing:
        raise SecretError(
            f"the plan needs secrets from {', '.join(missing)}; set "
            f"{'them' if len(missing) > 1 else 'it'} in the environment (in CI, from secrets)"
        )
    found = {n: SecretStr(environ[n]) for n in secret_names(plan)}
    if found:
        found[FINGERPRINT_KEY_ENV] = SecretStr(fingerprint_key(environ))
    return found


class ArtifactReader:
    """Reads release artifacts named in a plan, and writes exports (``decommission.export_to``),
    relative to the folder that holds desired/."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def __call__(self, path: str) -> bytes:
        full = self.base / path
        try:
            return full.read_bytes()
        except OSError as exc:
            raise PlanError(f"release artifact {path} cannot be read: {exc.strerror}") from None

    def write(self, path: str, data: bytes) -> None:
        """Write ``data`` to ``path`` atomically, never outside the base folder."""
        base = self.base.resolve()
        full = (base / path).resolve()
        if not full.is_relative_to(base):
            raise PlanError(f"{path} is outside {base}: exports stay inside the repository")
        try:
            full.parent.mkdir(parents=True, exist_ok=True)
            partial = full.with_name(full.name + ".partial")
            partial.write_bytes(data)
            partial.replace(full)
        except OSError as exc:
            raise PlanError(f"cannot write {path}: {exc.strerror}") from None


async def apply_plan(
    planned: Planned,
    session: QlikSession,
    *,
    secrets: Mapping[str, SecretStr],
    artifacts: ArtifactReader,
    stop: asyncio.Event | None = None,
    listener: Listener | None = None,
    polling: ReloadPolling | None = None,
    global_limit: int = 16,
    tenant_limit: int = 4,
    force: bool = False,
    max_failures: FailureBudget | None = None,
    health: TenantHealth = reached_health,
) -> ApplyReport:
    """Run the plan's operations wave by wave, in dependency order, and report each outcome.

    Before any change the blast-radius guard checks the plan (:class:`GuardError` unless
    ``force``); ``max_failures`` overrides the plan's failure budget; ``health`` decides whether
    a tenant reached health after its wave (see :mod:`qlikreconcile.engine.waves`).
    """
    refused = refusals(planned.plan, force=force)
    if refused:
        raise GuardError(refused)
    context = context_of(planned.plan)
    idents = {k: r.ident for k, r in planned.actual.resources.items() if r.ident}
    env = HandlerEnv(
        session=session,
        source_host=context.source_host,
        hosts=context.hosts(),
        secrets=secrets,
        read_artifact=artifacts,
        write_archive=artifacts.write,
        polling=polling or ReloadPolling(),
        reload_retry=context.reload_retry(),
    )
    runner = QlikRunner(env)

    async def run_wave(wave: Plan) -> ApplyReport:
        return await execute(
            wave,
            runner,
            idents=idents,
            global_limit=global_limit,
            tenant_limit=tenant_limit,
            kind_limits={resources.RELOAD: context.reload_max_concurrent},
            stop=stop,
            listener=listener,
        )

    report = await run_waves(planned.plan, run_wave, budget=max_failures, health=health)
    learnt = tuple(w for w in session.deprecations.warnings() if w not in planned.plan.warnings)
    return dataclasses.replace(report, warnings=learnt) if learnt else report
