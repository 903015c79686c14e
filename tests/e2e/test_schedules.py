"""Schedules live in Qlik's Scheduling Tasks API; legacy reload tasks are migrated in one apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qlikreconcile.engine.keys import Action
from tests.e2e.harness import Harness, copy_desired

ACME = "acme.eu.qlikcloud.com"
MARKER = "[managed by qlikreconcile: schedule template="


async def _tasks(harness: Harness, host: str) -> list[dict[str, Any]]:
    state = await harness.admin("GET", "/_emulator/state")
    tenant = next(t for t in state["tenants"].values() if host in t["hostnames"])
    return list(tenant["scheduling_tasks"].values())


async def _ops(harness: Harness) -> dict[str, Any]:
    planned = await harness.plan()
    return {f"{op.key.tenant}/{op.key.kind}/{op.key.name}": op for op in planned.plan.operations}


async def test_the_fleet_converges_without_the_removed_api(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    log = (await harness.admin("GET", "/_emulator/requests"))["data"]
    assert not [r for r in log if r["method"] == "POST" and r["path"] == "/api/v1/reload-tasks"]
    assert [r for r in log if r["path"].endswith("/actions/reload/on-time-schedule")]
    tasks = await _tasks(harness, ACME)
    published = {
        (await harness.app_by_template(ACME, t, "published"))["id"] for t in ("sales", "inventory")
    }
    assert {t["app_id"] for t in tasks} == published
    assert all(t["enabled"] and MARKER in t["description"] for t in tasks)
    assert (await harness.plan()).plan.operations == ()


async def test_an_earlier_versions_legacy_tasks_are_migrated_by_one_apply(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    # What an earlier qlikreconcile left: legacy reload tasks, one of them migrated by Qlik.
    async with harness.session() as session:
        for task in await _tasks(harness, ACME):
            await session.client(ACME).request("DELETE", f"/api/scheduling/tasks/{task['id']}")
    seeded = {}
    for template, migrate in (("sales", False), ("inventory", True)):
        app = await harness.app_by_template(ACME, template, "published")
        body = {"appId": app["id"], "recurrence": ["RRULE:FREQ=DAILY"], "migrate": migrate}
        path = f"/_emulator/tenants/{ACME}/legacy-reload-tasks"
        seeded[template] = await harness.admin("POST", path, body)

    ops = await _ops(harness)
    sales = ops["acme/reload_task/sales"]
    assert sales.action is Action.REPLACE
    assert "legacy reload task of the removed Reload Tasks API" in sales.reason
    legacy_id = seeded["sales"]["legacyTaskId"]
    assert ops[f"acme/reload_task/sales~legacy:{legacy_id}"].action is Action.DELETE
    inventory = ops["acme/reload_task/inventory"]
    assert inventory.action is Action.ADOPT
    assert "Qlik migrated legacy reload task" in inventory.reason

    assert (await harness.apply()).ok
    assert (await harness.plan()).plan.operations == ()
    tasks = await _tasks(harness, ACME)
    assert len(tasks) == 2
    assert all(t["enabled"] and MARKER in t["description"] for t in tasks)
    assert seeded["inventory"]["taskId"] in {t["id"] for t in tasks}  # adopted, not duplicated
    async with harness.session() as session:
        client = session.client(ACME)
        gone = await client.request("GET", f"/api/v1/reload-tasks/{legacy_id}", expected=(404,))
        assert gone.status_code == 404
        kept = await client.get_json(f"/api/v1/reload-tasks/{seeded['inventory']['legacyTaskId']}")
    assert kept["migrated"] is True
    assert kept["state"] == "Disabled"


async def test_a_task_qlik_disabled_is_drift_and_is_enabled_again(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    app = await harness.app_by_template(ACME, "sales", "published")
    task = next(t for t in await _tasks(harness, ACME) if t["app_id"] == app["id"])
    path = f"/_emulator/tenants/{ACME}/scheduling-tasks/{task['id']}/disable"
    await harness.admin("POST", path, {"code": "CONSECUTIVE-FAILURES"})

    op = (await _ops(harness))["acme/reload_task/sales"]
    assert op.action is Action.UPDATE
    assert op.drift
    assert "disabled by Qlik (CONSECUTIVE-FAILURES)" in op.reason
    assert (await harness.apply()).ok
    again = next(t for t in await _tasks(harness, ACME) if t["id"] == task["id"])
    assert again["enabled"] is True
    assert (await harness.plan()).plan.operations == ()


async def test_a_changed_schedule_is_patched_in_place(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    before = {t["id"] for t in await _tasks(harness, ACME)}
    tenant_file = desired / "tenants" / "acme.yaml"
    text = tenant_file.read_text(encoding="utf-8")
    tenant_file.write_text(
        text.replace("RRULE:FREQ=HOURLY;INTERVAL=6", "RRULE:FREQ=HOURLY;INTERVAL=4"),
        encoding="utf-8",
    )
    op = (await _ops(harness))["acme/reload_task/inventory"]
    assert op.action is Action.UPDATE
    assert not op.drift
    assert (await harness.apply()).ok
    tasks = await _tasks(harness, ACME)
    assert {t["id"] for t in tasks} == before
    assert "RRULE:FREQ=HOURLY;INTERVAL=4" in {t["recurrence"] for t in tasks}
    assert (await harness.plan()).plan.operations == ()
