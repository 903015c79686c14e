"""Plan and apply a fleet: the use cases the CLI calls, composed from spec, qlik and engine.

``plan_fleet`` reads every tenant the spec names and diffs it against the spec; ``apply_plan``
runs a plan's operations with the secrets resolved from the environment. Both take an open
:class:`~qlikreconcile.qlik.session.QlikSession` so callers decide the target and its lifetime.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from qlikreconcile.engine.executor import Listener, execute
from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.planner import make_plan
from qlikreconcile.engine.report import ApplyReport
from qlikreconcile.engine.state import ActualState
from qlikreconcile.qlik import resources
from qlikreconcile.qlik.discover import read_fleet
from qlikreconcile.qlik.handlers.base import HandlerEnv, ReloadPolling
from qlikreconcile.qlik.runner import QlikRunner
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.reconcile.desired import desired_resources, tenant_refs
from qlikreconcile.spec.models import DesiredFleet


@dataclass(frozen=True, slots=True)
class Planned:
    """A plan and the actual state it was made from (the ids apply starts with)."""

    plan: Plan
    actual: ActualState


async def plan_fleet(
    fleet: DesiredFleet, session: QlikSession, *, target: str, revision: str | None = None
) -> Planned:
    """Read the fleet's tenants and plan what makes them match the spec."""
    actual = await read_fleet(session, tenant_refs(fleet))
    plan = make_plan(
        desired_resources(fleet),
        actual,
        resources.KINDS,
        target=target,
        tenants=[t.name for t in fleet.tenants],
        revision=revision,
    )
    return Planned(plan, actual)


def _read_artifact(path: str) -> bytes:
    return Path(path).read_bytes()


async def apply_plan(
    planned: Planned,
    fleet: DesiredFleet,
    session: QlikSession,
    *,
    secrets: Mapping[str, SecretStr],
    stop: asyncio.Event | None = None,
    listener: Listener | None = None,
    polling: ReloadPolling | None = None,
    global_limit: int = 16,
    tenant_limit: int = 4,
) -> ApplyReport:
    """Run the plan's operations in dependency order and report each outcome."""
    idents = {k: r.ident for k, r in planned.actual.resources.items() if r.ident}
    env = HandlerEnv(
        session=session,
        source_host=fleet.source.hostname,
        hosts={t.name: t.hostname for t in fleet.tenants},
        secrets=secrets,
        read_artifact=_read_artifact,
        polling=polling or ReloadPolling(),
    )
    return await execute(
        planned.plan,
        QlikRunner(env),
        idents=idents,
        global_limit=global_limit,
        tenant_limit=tenant_limit,
        stop=stop,
        listener=listener,
    )
