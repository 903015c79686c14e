"""Text rendering of plans and reports: grouping, glyphs, diffs, masking and the summary."""

from __future__ import annotations

from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.plan import SENSITIVE, FieldChange, Operation, Plan
from qlikreconcile.engine.report import ApplyReport, OpResult, Status
from qlikreconcile.render.text import render_plan, render_report, summary_line


def k(kind: str, name: str, tenant: str = "acme") -> ResourceKey:
    return ResourceKey(tenant, kind, name)


PLAN = Plan(
    target="emulator",
    tenants=("acme", "beta"),
    operations=(
        Operation(
            k("space", "Acme build"),
            Action.CREATE,
            "does not exist",
            (FieldChange("type", None, "shared"),),
        ),
        Operation(
            k("connection", "Acme build:dw"),
            Action.UPDATE,
            "differs in password",
            (FieldChange("password", SENSITIVE, SENSITIVE, sensitive=True),),
        ),
        Operation(
            k("script", "sales"),
            Action.UPDATE,
            "differs in script",
            (FieldChange("script", "LOAD 1;\nWHERE a=1;", "LOAD 1;\nWHERE a=2;", text=True),),
        ),
        Operation(k("reload", "sales"), Action.RELOAD, "after changes to acme/script/sales"),
        Operation(k("published_app", "sales"), Action.REPUBLISH, "differs in content"),
    ),
    warnings=("acme/space/Other: exists without qlikreconcile's ownership marker",),
)


def test_plan_text_groups_by_tenant_with_glyphs_and_diffs() -> None:
    text = render_plan(PLAN)
    lines = text.splitlines()
    assert lines[0] == "acme"
    assert any(line.startswith("  +   create    space Acme build") for line in lines)
    assert '        type: (none) -> "shared"' in lines
    assert "        -WHERE a=1;" in lines
    assert "        +WHERE a=2;" in lines
    assert any(line.startswith("  ↻   reload    sales ") for line in lines)
    assert any(line.startswith("  ⇪~  republish published app sales") for line in lines)
    assert "beta: no changes" in lines
    assert "  ! acme/space/Other: exists without qlikreconcile's ownership marker" in lines
    assert lines[-1] == (
        "Plan: 1 to create, 2 to update, 1 to reload, 0 to publish, 1 to republish, 0 to delete."
    )
    assert 'password: changed "(sensitive)"' in text


def test_empty_plan_says_so() -> None:
    text = render_plan(Plan(target="t", operations=(), tenants=("acme",)))
    assert "acme: no changes" in text
    assert text.rstrip().endswith("No changes. The fleet matches the desired state.")


def test_summary_shows_replace_only_when_present() -> None:
    plan = Plan("t", (Operation(k("app", "sales"), Action.REPLACE, "release changed"),))
    assert "1 to replace" in summary_line(plan)
    assert "replace" not in summary_line(PLAN)


def test_report_lists_failures_with_qlik_log_line() -> None:
    report = ApplyReport(
        target="t",
        results=(
            OpResult(
                "acme/reload/sales:reload",
                k("reload", "sales"),
                Action.RELOAD,
                Status.FAILED,
                "reload r1 FAILED",
                "The following error occurred: Connection not found: 'x'",
            ),
            OpResult(
                "acme/published_app/sales:republish",
                k("published_app", "sales"),
                Action.REPUBLISH,
                Status.SKIPPED,
                "skipped: acme/reload/sales:reload failed",
            ),
        ),
    )
    text = render_report(report)
    assert "Qlik: The following error occurred: Connection not found: 'x'" in text
    assert "Apply finished with failures: 0 succeeded, 1 failed, 1 skipped." in text


def test_summary_counts_deactivations_and_adoptions_only_when_present() -> None:
    offboard = Plan("t", (Operation(k("tenant", "acme"), Action.DEACTIVATE, "decommission"),))
    assert "1 to deactivate" in summary_line(offboard)
    assert "adopt" not in summary_line(offboard)
    plain = Plan("t", (Operation(k("app", "sales"), Action.UPDATE, "name"),))
    assert "deactivate" not in summary_line(plain)
    assert "adopt" not in summary_line(plain)
