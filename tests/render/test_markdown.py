"""Markdown for pull requests: sticky marker, summary table, risk flags, size cap."""

from __future__ import annotations

from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.plan import FieldChange, Operation, Plan
from qlikreconcile.render.markdown import GITHUB_COMMENT_LIMIT, MARKER, render_markdown


def op(tenant: str, kind: str, name: str, action: Action, **extra: object) -> Operation:
    return Operation(ResourceKey(tenant, kind, name), action, "because", **extra)  # type: ignore[arg-type]


def big_plan(tenants: int, script_lines: int) -> Plan:
    before = "\n".join(f"LOAD {i} AS x AUTOGENERATE 1;" for i in range(script_lines))
    after = before.replace("AUTOGENERATE 1;", "AUTOGENERATE 2;")
    ops = []
    for t in range(tenants):
        name = f"tenant{t:04d}"
        ops.append(
            op(
                name,
                "script",
                "sales",
                Action.UPDATE,
                changes=(FieldChange("script", before, after, text=True),),
            )
        )
        ops.append(op(name, "published_app", "sales", Action.REPUBLISH))
    return Plan("emulator", tuple(ops), tenants=tuple(f"tenant{t:04d}" for t in range(tenants)))


def test_marker_table_sections_and_risks() -> None:
    plan = Plan(
        "emulator",
        (
            op(
                "acme",
                "space",
                "Acme | build",
                Action.CREATE,
                changes=(FieldChange("type", None, "shared"),),
            ),
            op("acme", "published_app", "sales", Action.REPUBLISH, drift=True),
            op(
                "acme",
                "script",
                "sales",
                Action.UPDATE,
                changes=(FieldChange("script", "a\nb", "a\nc", text=True),),
            ),
        ),
        tenants=("acme", "quiet"),
        warnings=("a warning",),
    )
    text = render_markdown(plan)
    assert text.startswith(MARKER + "\n")
    assert "| acme | 3: 1 create, 1 republish, 1 update | drift, republish |" in text
    assert "<details><summary><b>acme</b>: 3 operations (drift, republish)</summary>" in text
    assert "space Acme \\| build" in text
    assert "```diff\n--- script (actual)\n+++ script (desired)\n" in text
    assert "-b\n+c\n```" in text
    assert "No changes for: quiet." in text
    assert "- a warning" in text
    assert "**drift**: because" in text


def test_empty_plan() -> None:
    text = render_markdown(Plan("emulator", (), tenants=("acme",)))
    assert "**No changes.**" in text


def test_size_cap_shortens_then_omits_and_says_where_the_full_plan_is() -> None:
    plan = big_plan(tenants=400, script_lines=40)
    text = render_markdown(plan)
    assert len(text) <= 60_000 < GITHUB_COMMENT_LIMIT
    assert "Field changes left out" in text
    assert "more tenants left out" in text
    assert "the job summary and the uploaded plan file" in text
    small = render_markdown(big_plan(tenants=3, script_lines=40))
    assert "left out" not in small
    shortened = render_markdown(big_plan(tenants=30, script_lines=40), limit=20_000)
    assert len(shortened) <= 20_000
    assert "Field changes left out" in shortened
