"""Taking over a fleet deployed the tutorial way (``adopt_unmarked: true`` in the tenant files).

The example fleet's tenants are deployed by raw REST calls with none of qlikreconcile's markers
(:mod:`tests.e2e.tutorial`); a customer shares a community sheet. With the key, one plan shows
every described resource as ``adopt``, one apply marks them without recreating anything, and the
next plan is empty; a changed WHERE clause then rolls out as an ordinary update. Without the key
nothing unmarked is touched.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path
from typing import Any

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.engine import plan_file
from qlikreconcile.engine.keys import Action
from qlikreconcile.reconcile.service import (
    ArtifactReader,
    apply_plan,
    plan_secrets,
    refresh_saved,
)
from qlikreconcile.reconcile.status import fleet_status
from qlikreconcile.render.markdown import render_markdown
from qlikreconcile.render.text import render_plan
from tests.e2e.harness import FAST_POLLING, Harness, copy_desired, edit, one_wave
from tests.e2e.tutorial import Deployed, Tutorial

ACME = "acme.eu.qlikcloud.com"
MARKED = ("space", "connection", "app", "script", "published_app", "reload_task")
"""Kinds that carry (or whose app carries) qlikreconcile's ownership marker."""


def adopting(desired: Path) -> Path:
    for path in (desired / "tenants").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^(tenant: .*\n)", r"\1adopt_unmarked: true\n", text, count=1)
        path.write_text(text, encoding="utf-8")
    return desired


def objects(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every space, connection, app and scheduling task of the customer tenants, by id."""
    out: dict[str, dict[str, Any]] = {}
    for tenant in state["tenants"].values():
        if SOURCE_HOST in tenant["hostnames"]:  # apply keeps its fleet roster there
            continue
        for section in ("spaces", "data_connections", "apps", "scheduling_tasks"):
            out.update(tenant.get(section) or {})
    return out


async def deploy(harness: Harness) -> tuple[dict[str, Deployed], str]:
    """The tutorial deployment, and the community sheet a customer shares in acme's sales."""
    deployed = await Tutorial(harness).deploy(harness.fleet())
    published = deployed["acme"].published["sales"]
    sheet = await harness.admin(
        "POST",
        f"/_emulator/tenants/{ACME}/apps/{published}/sheets",
        {"title": "Churn by region", "type": "community"},
    )
    return deployed, str(sheet["id"])


async def sheets(harness: Harness, app_id: str) -> dict[str, str]:
    app = await harness.admin("GET", f"/_emulator/tenants/{ACME}/apps/{app_id}")
    return {s["id"]: s["type"] for s in app["sheets"]}


async def test_a_tutorial_fleet_is_adopted_by_one_apply_and_then_updated(tmp_path: Path) -> None:
    harness = Harness(one_wave(adopting(copy_desired(tmp_path))))
    deployed, sheet = await deploy(harness)
    before = objects(await harness.admin("GET", "/_emulator/state"))

    planned = await harness.plan()
    plan = planned.plan
    # Until adopted, status knows no release of the unmarked apps.
    status = fleet_status(harness.fleet(), plan, planned.actual, time.time())
    assert {a.release for t in status.tenants for a in t.apps} == {None}
    assert plan.divergences == ()
    adopted = {(op.key.tenant, op.key.kind, op.key.name) for op in plan.operations}
    for tenant, done in deployed.items():
        names = {
            "space": set(done.spaces),
            "app": set(done.apps),
            "script": set(done.apps),
            "published_app": set(done.published),
            "reload_task": set(done.tasks),
        }
        for kind, wanted in names.items():
            for name in wanted:
                assert (tenant, kind, name) in adopted, (tenant, kind, name)
        conns = {
            op.key.name.split(":", 1)[1]
            for op in plan.for_tenant(tenant)
            if op.key.kind == "connection"
        }
        assert set(done.connections) <= conns
    for op in plan.operations:
        if op.key.kind in MARKED:
            assert op.action is Action.ADOPT, (op.key, op.action, op.reason)
            assert op.then is None  # nothing changed in content: nothing is republished
        else:  # the tutorial gave no group roles on the spaces: the spec's are created
            assert (op.key.kind, op.action) == ("assignment", Action.CREATE), op
    assert plan.summary()["republish"] == 0
    assert plan.summary()["reload"] == 0
    text = render_plan(plan)
    assert re.search(r"⇐ +adopt +space Acme analytics", text)
    assert "takes over" in text
    assert "adopt" in render_markdown(plan)
    assert not {op.action for op in plan.operations} & {Action.REPLACE, Action.DELETE}

    report = await harness.apply()
    assert report.ok, [(r.op_id, r.reason) for r in report.results if r.status.value != "ok"]
    replanned = await harness.plan()
    after_plan = replanned.plan
    assert after_plan.matches, render_plan(after_plan)
    status = fleet_status(harness.fleet(), after_plan, replanned.actual, time.time())
    assert {a.release for t in status.tenants for a in t.apps} == {1}

    after = objects(await harness.admin("GET", "/_emulator/state"))
    assert set(before) <= set(after)  # same ids: nothing recreated, nothing deleted
    published = deployed["acme"].published["sales"]
    assert sheet in await sheets(harness, published)
    assert "[managed by qlikreconcile: published template=sales" in after[published]["description"]
    build = deployed["acme"].apps["sales"]
    assert "[managed by qlikreconcile: build template=sales" in after[build]["description"]

    # A changed WHERE clause rolls out as an ordinary update: script, reload, republish.
    edit(harness.desired / "tenants" / "acme.yaml", r"customer_id: 4711", "customer_id: 4712")
    change = (await harness.plan()).plan
    actions = {(op.key.kind, op.key.name): op.action for op in change.operations}
    assert actions[("script", "sales")] is Action.UPDATE
    assert actions[("reload", "sales")] is Action.RELOAD
    assert actions[("published_app", "sales")] is Action.REPUBLISH
    assert {op.key.tenant for op in change.operations} == {"acme"}
    assert Action.ADOPT not in actions.values()
    assert (await harness.apply()).ok
    assert (await harness.plan()).plan.matches
    assert sheet in await sheets(harness, published)
    script = await harness.admin("GET", f"/_emulator/tenants/{ACME}/apps/{build}")
    assert "customer_id = 4712" in str(script)


async def test_an_adopted_app_whose_script_differs_is_updated_and_republished(
    tmp_path: Path,
) -> None:
    harness = Harness(one_wave(adopting(copy_desired(tmp_path))))
    deployed, sheet = await deploy(harness)
    # The spec's WHERE clause differs from what the tutorial deployed in acme.
    edit(harness.desired / "tenants" / "acme.yaml", r"customer_id: 4711", "customer_id: 4712")
    plan = (await harness.plan()).plan
    ops = {(op.key.kind, op.key.name): op for op in plan.for_tenant("acme")}
    assert ops[("app", "sales")].action is Action.ADOPT
    assert ops[("script", "sales")].action is Action.UPDATE
    assert not ops[("script", "sales")].drift  # never ours before: not drift
    assert ops[("reload", "sales")].action is Action.RELOAD
    published = ops[("published_app", "sales")]
    assert published.action is Action.ADOPT
    assert published.then is Action.REPUBLISH
    assert "then republish after changes to acme/reload/sales" in published.reason
    assert published.to_dict()["then"] == "republish"
    # Other tenants' apps are only adopted.
    assert all(op.then is None for op in plan.operations if op.key.tenant != "acme")

    assert (await harness.apply(force=True)).ok
    assert (await harness.plan()).plan.matches
    app_id = deployed["acme"].published["sales"]
    assert sheet in await sheets(harness, app_id)
    shown = await harness.admin("GET", f"/_emulator/tenants/{ACME}/apps/{app_id}")
    assert "customer_id = 4712" in str(shown)


async def test_without_the_key_nothing_unmarked_is_touched(tmp_path: Path) -> None:
    harness = Harness(one_wave(copy_desired(tmp_path)))
    await deploy(harness)
    before = objects(await harness.admin("GET", "/_emulator/state"))

    await harness.admin("DELETE", "/_emulator/requests")
    plan = (await harness.plan()).plan
    # Unmarked apps are known from the item list alone: no app is read by itself (issue 11).
    log = (await harness.admin("GET", "/_emulator/requests"))["data"]
    assert log
    assert not [r for r in log if r["path"].startswith("/api/v1/apps/")]
    assert Action.ADOPT not in {op.action for op in plan.operations}
    assert any("adopt_unmarked: true in the tenant file" in d for d in plan.divergences)
    assert not any(op.key.kind in MARKED for op in plan.operations)
    await harness.apply()
    after = objects(await harness.admin("GET", "/_emulator/state"))
    assert after == before


async def test_a_saved_adoption_plan_applies_from_its_file(tmp_path: Path) -> None:
    """A saved plan carries no scripts: the tenants it touches are read again from its context
    alone, recognise the same adoptions (nothing stale), and apply."""
    harness = Harness(one_wave(adopting(copy_desired(tmp_path))))
    deployed, sheet = await deploy(harness)
    edit(harness.desired / "tenants" / "acme.yaml", r"customer_id: 4711", "customer_id: 4712")
    path = tmp_path / "plan.json"
    plan_file.save((await harness.plan()).plan, path)
    saved = plan_file.load(path)
    assert saved.context["tenants"]["acme"]["adopt_unmarked"] is True
    async with harness.session() as session:
        refreshed = await refresh_saved(saved, session)
        assert refreshed.stale == {}
        report = await apply_plan(
            refreshed.planned,
            session,
            secrets=plan_secrets(saved, harness.environ),
            artifacts=ArtifactReader(harness.desired.parent),
            polling=FAST_POLLING,
            force=True,
        )
    assert report.ok
    assert (await harness.plan()).plan.matches
    assert sheet in await sheets(harness, deployed["acme"].published["sales"])


async def test_an_adoption_interrupted_after_marking_the_app_ends_without_a_reload(
    tmp_path: Path,
) -> None:
    """A run stops after marking the apps and before writing their scripts: the next plan still
    takes the scripts over as they are (no reload, no republish)."""
    harness = Harness(one_wave(adopting(copy_desired(tmp_path))))
    await deploy(harness)
    planned = await harness.plan()
    cut = dataclasses.replace(
        planned.plan,
        operations=tuple(op for op in planned.plan.operations if op.key.kind != "script"),
    )
    async with harness.session() as session:
        report = await apply_plan(
            dataclasses.replace(planned, plan=cut),
            session,
            secrets=harness.secrets,
            artifacts=ArtifactReader(harness.desired.parent),
            polling=FAST_POLLING,
        )
    assert report.ok

    plan = (await harness.plan()).plan
    assert {(op.key.kind, op.action) for op in plan.operations} == {("script", Action.ADOPT)}
    assert not any(op.drift for op in plan.operations)
    assert (await harness.apply()).ok
    assert (await harness.plan()).plan.matches

    # Once ours, a script edited in the tenant is drift again, adopting tenant or not.
    build = await harness.app_by_template(ACME, "sales", "build")
    async with harness.session() as session:
        await session.client(ACME).post_json(
            f"/api/v1/apps/{build['id']}/scripts",
            {"script": "// hand edit\nLOAD 1 AS x AUTOGENERATE 1;", "versionMessage": "hotfix"},
        )
    edited = (await harness.plan()).plan
    script = next(op for op in edited.for_tenant("acme") if op.key.kind == "script")
    assert (script.action, script.drift) == (Action.UPDATE, True)


async def test_two_unmarked_apps_of_one_name_are_never_guessed_between(tmp_path: Path) -> None:
    harness = Harness(one_wave(adopting(copy_desired(tmp_path))))
    deployed, _ = await deploy(harness)
    acme = next(t for t in harness.fleet().tenants if t.name == "acme")
    sales = next(a for a in acme.apps if a.template == "sales")
    tutorial = Tutorial(harness)
    async with tutorial.client(ACME) as c:  # someone copies the app in the same space
        source = deployed["acme"].apps["sales"]
        space = {"attributes": {"spaceId": deployed["acme"].spaces[sales.space]}}
        copied = await c.post(f"/api/v1/apps/{source}/copy", json=space)
        copied.raise_for_status()

    plan = (await harness.plan()).plan
    kinds = {op.key.kind for op in plan.for_tenant("acme") if op.key.name == "sales"}
    assert kinds == set()  # neither the app nor anything built on it
    ambiguous = f"2 apps named {sales.name!r} in {sales.space!r}: which one is meant is ambiguous"
    assert any(ambiguous in d and "acme/app/sales" in d for d in plan.divergences)
    # The inventory app of the same tenant is adopted as usual.
    assert any(op.key.name == "inventory" for op in plan.for_tenant("acme"))
