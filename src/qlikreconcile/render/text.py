"""Plain-text plans and apply reports for the terminal (the CLI adds colour by glyph)."""

from __future__ import annotations

from typing import Any

from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.report import ApplyReport, Status
from qlikreconcile.render.environment import environment, label

SUMMARY_ACTIONS = ("create", "update", "replace", "reload", "publish", "republish", "delete")


def summary_line(plan: Plan) -> str:
    counts = plan.summary()
    parts = [f"{counts[a]} to {a}" for a in SUMMARY_ACTIONS if counts[a] or a != "replace"]
    return "Plan: " + ", ".join(parts) + "."


def _tenant_groups(plan: Plan) -> list[dict[str, Any]]:
    groups = []
    for tenant in plan.tenants or sorted({op.key.tenant for op in plan.operations}):
        ops = plan.for_tenant(tenant)
        groups.append({"name": tenant, "operations": ops})
    return groups


def render_plan(plan: Plan) -> str:
    template = environment().get_template("plan.txt.j2")
    return template.render(
        plan=plan,
        tenants=_tenant_groups(plan),
        summary=summary_line(plan),
        width=max((len(label(o)) for o in plan.operations), default=0),
    )


def render_report(report: ApplyReport, *, list_results: bool = True, refused: int = 0) -> str:
    """The apply result; ``list_results=False`` when progress already listed each operation.

    ``refused`` counts tenants a saved plan was not applied to because they changed since.
    """
    template = environment().get_template("report.txt.j2")
    counts = report.counts()
    return template.render(
        report=report,
        failed=report.with_status(Status.FAILED),
        skipped=report.with_status(Status.SKIPPED),
        counts=counts,
        list_results=list_results,
        refused=refused,
    )
