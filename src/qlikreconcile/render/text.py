"""Plain-text plans and apply reports for the terminal (the CLI adds colour by glyph)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.report import ApplyReport, Status
from qlikreconcile.render.environment import environment, label
from qlikreconcile.render.rollout_view import rollout_view, wave_order

SUMMARY_ACTIONS = (
    "create",
    "update",
    "replace",
    "reload",
    "publish",
    "republish",
    "delete",
    "deactivate",
    "adopt",
)
RARE_ACTIONS = frozenset({"replace", "deactivate", "adopt"})
"""Shown in the summary only when the plan has some."""


def summary_line(plan: Plan) -> str:
    counts = plan.summary()
    parts = [f"{counts[a]} to {a}" for a in SUMMARY_ACTIONS if counts[a] or a not in RARE_ACTIONS]
    return "Plan: " + ", ".join(parts) + "."


def closing_line(plan: Plan) -> str:
    """The last line: says whether the fleet matches, never more than the plan knows."""
    if plan.nothing_read:
        return "No tenant could be read: nothing is planned and the fleet's state is unknown."
    if plan.matches:
        return "No changes. The fleet matches the desired state."
    gap = len(plan.divergences)
    diverging = (
        f"{gap} divergence{'s' if gap != 1 else ''} this run will not repair (listed above)."
    )
    if plan.empty:
        return f"No changes to make, but the fleet does not match the desired state: {diverging}"
    return summary_line(plan) + (f" {diverging}" if gap else "")


def _tenant_groups(plan: Plan) -> list[dict[str, Any]]:
    """Tenants in rollout order; the first tenant of each wave carries the wave's heading."""
    groups = []
    frozen = {h.tenant: h for h in plan.held if h.operations}
    rollout = plan.rollout
    waves = (
        {w.name: (n, len(rollout.waves)) for n, w in enumerate(rollout.waves, 1)} if rollout else {}
    )
    previous = None
    for tenant in wave_order(plan):
        wave = rollout.wave_of(tenant) if rollout else None
        heading = None
        if wave is not None and len(waves) > 1 and wave != previous:
            number, total = waves[wave]
            heading = f"Wave {number} of {total}: {wave}"
        previous = wave
        ops = plan.for_tenant(tenant)
        groups.append(
            {"name": tenant, "operations": ops, "heading": heading, "held": frozen.get(tenant)}
        )
    return groups


def render_plan(plan: Plan) -> str:
    template = environment().get_template("plan.txt.j2")
    return template.render(
        plan=plan,
        tenants=_tenant_groups(plan),
        summary=summary_line(plan),
        closing=closing_line(plan),
        width=max((len(label(o)) for o in plan.operations), default=0),
        rollout=rollout_view(plan),
    )


def render_report(
    report: ApplyReport, *, already_shown: Collection[str] = (), refused: int = 0
) -> str:
    """The apply result, without the results (by op id) progress already printed as they ended.

    ``refused`` counts tenants a saved plan was not applied to because they changed since.
    """
    template = environment().get_template("report.txt.j2")
    counts = report.counts()
    not_started = {r.op_id for r in report.results if r.reason.startswith("not started:")}
    return template.render(
        report=report,
        failed=report.with_status(Status.FAILED),
        skipped=report.with_status(Status.SKIPPED),
        counts=counts,
        results=[
            r for r in report.results if r.op_id not in already_shown and r.op_id not in not_started
        ],
        refused=refused,
        not_started=len(not_started),
        waves=report.waves if len(report.waves) > 1 or report.halted else (),
    )
