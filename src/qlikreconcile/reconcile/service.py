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
from dataclasses import asdict, dataclass
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
from qlikreconcile.qlik.discover import ReadListener, TenantRef, read_fleet
from qlikreconcile.qlik.discover_apps import AppRef
from qlikreconcile.qlik.handlers.base import HandlerEnv, ReloadPolling, ReloadRetry
from qlikreconcile.qlik.runner import QlikRunner
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.reconcile.credentials import fingerprint_key, password_fingerprints
from qlikreconcile.reconcile.desired import desired_resources, prune_kinds, tenant_refs
from qlikreconcile.reconcile.offboarding import offboard
from qlikreconcile.reconcile.rollout import hold
from qlikreconcile.reconcile.roster import applied_tenants, record_applied, removed_tenants
from qlikreconcile.spec.models import (
    RELOAD_MAX_CONCURRENT,
    RELOAD_RETRIES,
    RELOAD_RETRY_DELAY,
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


def plan_context(fleet: DesiredFleet, refs: list[TenantRef]) -> dict[str, Any]:
    return {
        "source_host": fleet.source.hostname,
        "reload_max_concurrent": fleet.reload_max_concurrent,
        "reload_retries": fleet.reload_retries,
        "reload_retry_delay": fleet.reload_retry_delay,
        "tenants": {
            ref.name: {
                "host": ref.host,
                # JSON shapes (lists, not tuples), so a saved plan reads back equal. Not the
                # scripts: a saved plan's tenants are re-read with a call for each.
                "apps": [
                    {
                        **{k: v for k, v in asdict(a).items() if k not in _OPTIONAL_APP_KEYS},
                        **{k: getattr(a, k) for k in _ADOPTION_KEYS if getattr(a, k) is not None},
                        "checks": [dict(c) for c in a.checks],
                    }
                    for a in ref.apps
                ],
                "members": {space: list(groups) for space, groups in ref.members.items()},
                "region": ref.region,
                "file": ref.file,
                "adopt_id": ref.adopt_id,
                "prune_published": ref.prune_published,
                **({"adopt_unmarked": True} if ref.adopt_unmarked else {}),
            }
            for ref in refs
        },
    }


_ADOPTION_KEYS = ("release", "digest", "content")
"""App keys only tenants that adopt unmarked resources carry: kept out of other tenants' plan
context, so their plans read as before."""
_OPTIONAL_APP_KEYS = frozenset({"script", *_ADOPTION_KEYS})


def refs_from_context(context: Mapping[str, Any]) -> list[TenantRef]:
    tenants = context.get("tenants") or {}
    return [
        TenantRef(
            name,
            str(info["host"]),
            tuple(_app_ref(a) for a in info.get("apps", [])),
            {space: tuple(groups) for space, groups in info.get("members", {}).items()},
            region=str(info.get("region", "")),
            file=str(info.get("file", "")),
            adopt_id=info.get("adopt_id"),
            prune_published=info.get("prune_published"),
            adopt_unmarked=bool(info.get("adopt_unmarked", False)),
        )
        for name, info in sorted(tenants.items())
    ]


def _app_ref(data: Mapping[str, Any]) -> AppRef:
    """An app's entry of a plan's context, back as discovery takes it (tuples, not lists)."""
    return AppRef(**{**data, "checks": tuple(dict(c) for c in data.get("checks") or ())})


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
) -> Planned:
    """Read the fleet's tenants (``parallelism`` at once) and plan what makes them match the spec.

    ``environ`` supplies the connection passwords and the fingerprint key (needed, and checked
    before any API call, when the spec names a password).
    """
    fingerprints = password_fingerprints(fleet, environ or {})
    refs = tenant_refs(fleet)
    actual = await read_fleet(
        session,
        refs,
        listener=listener,
        clock=clock,
        source_host=fleet.source.hostname,
        concurrency=parallelism,
    )
    plan = make_plan(
        desired_resources(fleet, fingerprints),
        actual,
        resources.KINDS,
        target=target,
        tenants=[t.name for t in fleet.tenants],
        revision=revision,
        context=plan_context(fleet, refs),
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


async def record_tenants(
    planned: Planned, session: QlikSession, report: ApplyReport | None = None
) -> str | None:
    """After an apply (or an apply that found nothing to do): add the tenants that exist to the
    fleet roster, so a tenant later removed from the spec is still reported. A warning when the
    roster cannot be written (the apply itself is not failed for it)."""
    context = planned.plan.context
    source = str(context.get("source_host") or "")
    if not source:
        return None
    hosts = {ref.name: ref.host for ref in refs_from_context(context)}
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
    refs = [ref for ref in refs_from_context(plan.context) if ref.name in touched]
    source = str(plan.context.get("source_host", "")) or None
    actual = await read_fleet(session, refs, listener=listener, source_host=source)
    stale = stale_tenants(plan, actual)
    return Refreshed(Planned(without_tenants(plan, set(stale)), actual), stale)


def secret_names(plan: Plan) -> list[str]:
    """Every environment variable the plan's operations read a secret from."""
    names = {op.inputs.get("password_env") for op in plan.operations}
    return sorted(str(n) for n in names if n)


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
    """Reads release artifacts named in a plan, relative to the folder that holds desired/."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def __call__(self, path: str) -> bytes:
        full = self.base / path
        try:
            return full.read_bytes()
        except OSError as exc:
            raise PlanError(f"release artifact {path} cannot be read: {exc.strerror}") from None


def reload_cap(context: Mapping[str, Any]) -> int:
    """The plan's fleet-wide reload cap; the default for plans saved before it was recorded."""
    cap = context.get("reload_max_concurrent")
    return cap if isinstance(cap, int) and cap >= 1 else RELOAD_MAX_CONCURRENT


def reload_retry(context: Mapping[str, Any]) -> ReloadRetry:
    """How the plan's reloads are retried after a failure outside their script (the defaults
    for plans saved before it was recorded)."""
    retries = context.get("reload_retries")
    delay = context.get("reload_retry_delay")
    return ReloadRetry(
        retries=retries if isinstance(retries, int) and retries >= 0 else RELOAD_RETRIES,
        delay=float(delay if isinstance(delay, int) and delay >= 1 else RELOAD_RETRY_DELAY),
    )


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
    context = planned.plan.context
    idents = {k: r.ident for k, r in planned.actual.resources.items() if r.ident}
    env = HandlerEnv(
        session=session,
        source_host=str(context.get("source_host", "")),
        hosts={ref.name: ref.host for ref in refs_from_context(context)},
        secrets=secrets,
        read_artifact=artifacts,
        polling=polling or ReloadPolling(),
        reload_retry=reload_retry(context),
    )
    runner = QlikRunner(env)

    async def run_wave(wave: Plan) -> ApplyReport:
        return await execute(
            wave,
            runner,
            idents=idents,
            global_limit=global_limit,
            tenant_limit=tenant_limit,
            kind_limits={resources.RELOAD: reload_cap(context)},
            stop=stop,
            listener=listener,
        )

    report = await run_waves(planned.plan, run_wave, budget=max_failures, health=health)
    learnt = tuple(w for w in session.deprecations.warnings() if w not in planned.plan.warnings)
    return dataclasses.replace(report, warnings=learnt) if learnt else report
