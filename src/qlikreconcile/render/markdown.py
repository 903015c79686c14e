"""The plan as Markdown for a pull-request comment (`--output markdown`).

A hidden marker on the first line lets CI update one sticky comment instead of adding new ones.
GitHub refuses comments over 65,536 characters, so the renderer keeps under ``limit``: first it
shortens the largest tenants' sections to one line per operation, then it leaves sections out,
always saying where the full plan is (the job summary and the uploaded plan file).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation, Plan
from qlikreconcile.render.environment import environment, label
from qlikreconcile.render.text import summary_line

MARKER = "<!-- qlikreconcile:plan -->"
GITHUB_COMMENT_LIMIT = 65_536
DEFAULT_LIMIT = 60_000
RISKY = {
    Action.REPUBLISH: "republish",
    Action.REPLACE: "replace",
    Action.DELETE: "delete",
    Action.DEACTIVATE: "deactivate",
}


@dataclass
class TenantSection:
    name: str
    operations: list[Operation]
    brief: bool = False

    @property
    def counts(self) -> str:
        counted = Counter(op.action.value for op in self.operations)
        return ", ".join(f"{n} {a}" for a, n in sorted(counted.items()))

    @property
    def risks(self) -> list[str]:
        flags = {RISKY[op.action] for op in self.operations if op.action in RISKY}
        if any(op.drift for op in self.operations):
            flags.add("drift")
        return sorted(flags)


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _render(plan: Plan, sections: list[TenantSection], omitted: int, where: str) -> str:
    env = environment()
    env.filters["cell"] = cell
    return env.get_template("plan.md.j2").render(
        marker=MARKER,
        plan=plan,
        summary=summary_line(plan),
        sections=sections,
        quiet=[t for t in plan.tenants if not plan.for_tenant(t)],
        omitted=omitted,
        where=where,
        label=label,
    )


def render_markdown(
    plan: Plan,
    *,
    limit: int = DEFAULT_LIMIT,
    full_plan_at: str = "the job summary and the uploaded plan file",
) -> str:
    """Markdown for the pull request, never longer than ``limit`` characters."""
    limit = min(limit, GITHUB_COMMENT_LIMIT)
    names = list(plan.tenants) or sorted({op.key.tenant for op in plan.operations})
    sections = [TenantSection(t, plan.for_tenant(t)) for t in names if plan.for_tenant(t)]
    text = _render(plan, sections, 0, full_plan_at)
    for section in sorted(sections, key=lambda s: -len(s.operations)):
        if len(text) <= limit:
            return text
        section.brief = True
        text = _render(plan, sections, 0, full_plan_at)
    omitted = 0
    while len(text) > limit and sections:
        sections.pop()
        omitted += 1
        text = _render(plan, sections, omitted, full_plan_at)
    return text
