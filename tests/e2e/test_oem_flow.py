"""The whole OEM flow against the in-process emulator: plan, apply, converge, change, fail."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.report import Status
from tests.e2e.harness import Harness, copy_desired, edit


def actions_by_key(planned_ops: object) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for op in planned_ops:  # type: ignore[attr-defined]
        out[f"{op.key.kind} {op.key.name}"].add(op.action.value)
    return out


async def test_plan_apply_plan_converges(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    first = await harness.plan()
    summary = first.plan.summary()
    assert summary["create"] > 0
    assert summary["publish"] == 5
    assert summary["reload"] == 5
    assert {op.key.tenant for op in first.plan.operations} == {"acme", "globex", "initech"}
    tenants = [op.key.name for op in first.plan.operations if op.key.kind == "tenant"]
    assert tenants == ["acme", "globex", "initech"]

    report = await harness.apply()
    assert report.ok, [r for r in report.results if r.status is not Status.SUCCEEDED]

    second = await harness.plan()
    assert second.plan.empty, [op.id for op in second.plan.operations]
    assert second.plan.warnings == ()
    assert second.plan.divergences == ()


async def test_variable_change_plans_script_reload_republish_for_that_tenant_only(
    tmp_path: Path,
) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok

    edit(desired / "tenants" / "acme.yaml", r"^  customer_id: 4711$", "  customer_id: 4712")
    planned = await harness.plan()
    ops = planned.plan.operations
    assert {op.key.tenant for op in ops} == {"acme"}
    by_key = actions_by_key(ops)
    changed_apps = {name.split(" ", 1)[1] for name in by_key if name.startswith("script ")}
    assert changed_apps, "the WHERE clause feeds at least one app's script"
    for app in changed_apps:
        assert by_key.pop(f"script {app}") == {"update"}
        assert by_key.pop(f"reload {app}") == {"reload"}
        assert by_key.pop(f"published_app {app}") == {"republish"}
    assert by_key == {}
    script_change = next(op for op in ops if op.key.kind == "script").changes[0]
    assert "4711" in script_change.before
    assert "4712" in script_change.after

    report = await harness.apply()
    assert report.ok
    assert (await harness.plan()).plan.empty


async def test_failed_reload_keeps_the_published_app_and_other_tenants_complete(
    tmp_path: Path,
) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    before = await harness.app_by_template("globex.us.qlikcloud.com", "sales", "published")

    # globex's scripts now connect to a connection its tenant does not have; acme changes too.
    edit(desired / "tenants" / "globex.yaml", r"^  connection: globex_pg$", "  connection: gone_pg")
    edit(desired / "tenants" / "acme.yaml", r"^  customer_id: 4711$", "  customer_id: 4712")
    report = await harness.apply()

    failed = report.with_status(Status.FAILED)
    assert failed
    assert all(r.key.tenant == "globex" and r.key.kind == "reload" for r in failed)
    assert all("gone_pg" in (r.detail or "") for r in failed), [r.detail for r in failed]
    skipped = report.with_status(Status.SKIPPED)
    assert skipped
    assert all(r.key.kind == "published_app" for r in skipped)
    assert all(r.key.tenant == "globex" for r in skipped)
    acme = [r for r in report.results if r.key.tenant == "acme"]
    assert acme
    assert all(r.status is Status.SUCCEEDED for r in acme)

    after = await harness.app_by_template("globex.us.qlikcloud.com", "sales", "published")
    assert after["id"] == before["id"]
    assert after["scripts"] == before["scripts"]
    assert after["description"] == before["description"]

    replan = await harness.plan()
    globex = {(op.key.kind, op.action) for op in replan.plan.operations}
    assert ("reload", Action.RELOAD) in globex
    assert ("published_app", Action.REPUBLISH) in globex
    reload_op = next(op for op in replan.plan.operations if op.key.kind == "reload")
    assert reload_op.drift
    assert "FAILED" in reload_op.reason


async def test_customers_community_sheet_survives_a_republish(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    host = "acme.eu.qlikcloud.com"
    published = await harness.app_by_template(host, "sales", "published")
    base_titles = {s["title"] for s in published["sheets"]}
    await harness.admin(
        "POST",
        f"/_emulator/tenants/{host}/apps/{published['id']}/sheets",
        {"title": "Acme's own churn view", "type": "community"},
    )
    await harness.admin(
        "POST",
        f"/_emulator/tenants/{host}/apps/{published['id']}/sheets",
        {"title": "My notes", "type": "private"},
    )

    edit(desired / "tenants" / "acme.yaml", r"^  customer_id: 4711$", "  customer_id: 4712")
    report = await harness.apply()
    assert report.ok
    assert any(
        r.key.kind == "published_app" and r.action is Action.REPUBLISH for r in report.results
    )

    after = await harness.app_by_template(host, "sales", "published")
    assert after["id"] == published["id"]
    titles = {s["title"] for s in after["sheets"]}
    assert {"Acme's own churn view", "My notes"} <= titles
    assert base_titles <= titles
    assert "4712" in after["scripts"][-1]["script"] or "4712" in str(after["scripts"])
