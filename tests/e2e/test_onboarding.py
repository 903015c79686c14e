"""Onboarding an existing fleet end to end (issue 12): five tenants deployed the tutorial way are
imported into tenant files, reviewed, adopted by one apply (nothing recreated, the customers'
sheets kept), the next plan is empty, and a changed WHERE clause then rolls out like any change.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.engine.keys import Action
from qlikreconcile.errors import GuardError
from qlikreconcile.reconcile.fleet import load_sources
from qlikreconcile.reconcile.importing import import_targets, import_tenants
from qlikreconcile.render.markdown import render_markdown
from qlikreconcile.render.text import render_plan
from tests.e2e.harness import Harness, copy_desired, edit, one_wave
from tests.reconcile.importing.fleet import FLEET, read_yaml
from tests.reconcile.importing.tutorial import Tutorial

ACME = FLEET[0]
KEPT = ("spaces", "data_connections", "apps", "scheduling_tasks")


def objects(state: dict[str, Any]) -> dict[str, str]:
    """Id -> name of every space, connection, app and scheduling task of the customers."""
    out: dict[str, str] = {}
    for tenant in state["tenants"].values():
        if SOURCE_HOST in tenant["hostnames"]:
            continue
        for section in KEPT:
            for ident, found in (tenant.get(section) or {}).items():
                out[ident] = str(found.get("name") or found.get("attributes", {}).get("name"))
    return out


async def published_sales(harness: Harness) -> str:
    state = await harness.admin("GET", "/_emulator/state")
    tenant = next(t for t in state["tenants"].values() if ACME.host in t["hostnames"])
    analytics = next(i for i, s in tenant["spaces"].items() if s["type"] == "managed")
    return next(i for i, a in tenant["apps"].items() if a.get("space_id") == analytics)


async def test_import_then_one_adopting_apply_then_an_ordinary_rollout(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    shutil.rmtree(desired / "tenants")
    harness = Harness(one_wave(desired))
    tutorial = Tutorial(harness, desired)
    for tenant in FLEET:
        await tutorial.deploy(tenant)
    published = await published_sales(harness)
    sheet = await harness.admin(
        "POST",
        f"/_emulator/tenants/{ACME.host}/apps/{published}/sheets",
        {"title": "Churn by region", "type": "community"},
    )
    before = objects(await harness.admin("GET", "/_emulator/state"))

    # Import: one file per tenant, each adopting what it describes.
    async with harness.session() as session:
        report = await import_tenants(
            session,
            import_targets([t.host for t in FLEET], []),
            templates=load_sources(desired)[2],
            desired=desired,
        )
    assert report.ok, report
    for tenant in FLEET:
        assert read_yaml(desired / "tenants" / f"{tenant.name}.yaml")["adopt_unmarked"] is True
    # Review: the operator sets the password variables the files name.
    for tenant in FLEET:
        harness.environ[f"{tenant.name.upper()}_PG_PASSWORD"] = tenant.password

    plan = (await harness.plan()).plan
    actions = Counter((op.key.kind, op.action) for op in plan.operations)
    assert actions[("space", Action.ADOPT)] == 2 * len(FLEET)
    assert actions[("app", Action.ADOPT)] == sum(len(t.apps) for t in FLEET)
    assert actions[("published_app", Action.ADOPT)] == sum(len(t.apps) for t in FLEET)
    # Created: only what fleet.yaml's defaults add to every tenant (the vendor's warehouse
    # connection) and group roles (they carry no marker: the spec's are set).
    created = {op.key for op in plan.operations if op.action is Action.CREATE}
    assert {k.kind for k in created} <= {"assignment", "connection"}, actions
    assert {k.name.split(":")[1] for k in created if k.kind == "connection"} == {"vendor_dw"}
    assert not {a for (_, a) in actions} & {Action.DELETE, Action.REPLACE, Action.DEACTIVATE}
    # umbrella's script was edited by hand beyond the template: adopted, then updated.
    umbrella = {(op.key.kind, op.action) for op in plan.for_tenant("umbrella")}
    assert ("script", Action.UPDATE) in umbrella
    assert ("reload", Action.RELOAD) in umbrella

    shown = render_plan(plan) + json.dumps(plan.canonical()) + render_markdown(plan)
    assert all(t.password not in shown for t in FLEET)
    # The tutorial wrote connection statements in another form than apply does, so adopting
    # rewrites them, and every app reloads and republishes once: the blast-radius guard stops
    # that until the operator, having reviewed it, says so.
    with pytest.raises(GuardError, match="republish in 5 of 5 tenants"):
        await harness.apply()
    report_apply = await harness.apply(force=True)
    assert report_apply.ok, [(r.op_id, r.reason) for r in report_apply.results]
    after = objects(await harness.admin("GET", "/_emulator/state"))
    assert set(before) <= set(after), "nothing that existed was deleted or recreated"
    sheets = await harness.admin("GET", f"/_emulator/tenants/{ACME.host}/apps/{published}")
    assert sheet["id"] in {s["id"] for s in sheets["sheets"]}

    settled = (await harness.plan()).plan
    assert settled.empty, [(op.id, op.reason) for op in settled.operations]

    # From now on the fleet is ours: a changed WHERE clause rolls out as an update.
    edit(
        desired / "tenants" / "acme.yaml",
        r"^  where: .*$",
        "  where: WHERE customer_id = 4712",
    )
    change = (await harness.plan()).plan
    assert {(op.key.kind, op.action) for op in change.operations} == {
        ("script", Action.UPDATE),
        ("reload", Action.RELOAD),
        ("published_app", Action.REPUBLISH),
    }
    assert {op.key.tenant for op in change.operations} == {"acme"}
    assert (await harness.apply()).ok
    assert (await harness.plan()).plan.empty
