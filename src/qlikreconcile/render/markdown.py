"""The plan as Markdown for a pull-request comment (`--output markdown`).

A hidden marker on the first line lets CI update one sticky comment instead of adding new ones.
GitHub refuses comments over 65,536 characters, so the renderer keeps under ``limit``: first it
shortens the largest tenants' sections to one line per operation, then it leaves sections out,
always saying where the full plan is (the job summary and the uploaded plan file). Each piece
is rendered once, so a plan of thousands of tenants is sized in linear time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation, Plan
from qlikreconcile.render.environment import environment, label
from qlikreconcile.render.rollout_view import rollout_view, wave_order
from qlikreconcile.render.text import closing_line, summary_line

MARKER = "<!-- qlikreconcile:plan -->"
GITHUB_COMMENT_LIMIT = 65_536
DEFAULT_LIMIT = 60_000
SLACK = 600
"""Room kept for the "left out" lines the renderer may add while trimming."""
RISKY = {action: action.value for action in Action if action.destructive}


@dataclass
class TenantSection:
    name: str
    operations: list[Operation]
    row: str = ""
    full: str = ""
    brief: str = ""
    chosen: str = field(default="", repr=False)

    @property
    def counts(self) -> str:
        counted = Counter(op.action.value for op in self.operations)
        return ", ".join(f"{n} {a}" for a, n in sorted(counted.items()))

    @property
    def risks(self) -> list[str]:
        flags = {RISKY[a] for op in self.operations for a in op.effects if a in RISKY}
        if any(op.drift for op in self.operations):
            flags.add("drift")
        return sorted(flags)


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(
    plan: Plan,
    *,
    limit: int = DEFAULT_LIMIT,
    full_plan_at: str = "the job summary and the uploaded plan file",
) -> str:
    """Markdown for the pull request, never longer than ``limit`` characters."""
    limit = min(limit, GITHUB_COMMENT_LIMIT)
    env = environment()
    env.filters["cell"] = cell
    section_template = env.get_template("plan_md_section.j2")
    row_template = env.get_template("plan_md_row.j2")
    names = wave_order(plan)
    sections = [TenantSection(t, plan.for_tenant(t)) for t in names if plan.for_tenant(t)]
    for section in sections:
        section.row = row_template.render(section=section).rstrip("\n")
        section.full = section_template.render(
            section=section, brief=False, where=full_plan_at, label=label
        )
        section.chosen = section.full

    def page(shown: list[TenantSection], omitted: int) -> str:
        common = {"marker": MARKER, "plan": plan, "omitted": omitted, "where": full_plan_at}
        head = env.get_template("plan_md_head.j2").render(
            **common,
            # A fleet that diverges (or was not read) says so in the heading, not just "Plan:".
            summary=closing_line(plan) if plan.divergences or plan.unread else summary_line(plan),
            rows=[s.row for s in shown],
            quiet=[t for t in plan.tenants if not plan.for_tenant(t)],
            rollout=rollout_view(plan),
        )
        foot = env.get_template("plan_md_foot.j2").render(**common)
        return head + "".join(s.chosen for s in shown) + foot

    text = page(sections, 0)
    budget = limit - SLACK
    size = len(text)
    if size <= limit:
        return text
    for section in sorted(sections, key=lambda s: -len(s.full)):
        section.brief = section_template.render(
            section=section, brief=True, where=full_plan_at, label=label
        )
        section.chosen = section.brief
        size += len(section.brief) - len(section.full)
        if size <= budget:
            return page(sections, 0)
    shown = list(sections)
    while shown and size > budget:
        dropped = shown.pop()
        size -= len(dropped.chosen) + len(dropped.row) + 1
    return page(shown, len(sections) - len(shown))
