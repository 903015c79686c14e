"""Scheduling tasks: the reload on-time-schedule create, list, get, patch, delete, runs, errors."""

from __future__ import annotations

import httpx
import pytest

from qlikreconcile.emulator import SOURCE_HOST
from tests.emulator.conftest import Emu

DAILY = "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0"
TASKS = "/api/scheduling/tasks"


async def _app_id(source: httpx.AsyncClient) -> str:
    items = (await source.get("/api/v1/items", params={"resourceType": "app"})).json()
    return str(items["data"][0]["resourceId"])


def _create_path(app_id: str) -> str:
    return f"{TASKS}/resources/{app_id}/actions/reload/on-time-schedule"


async def _create(source: httpx.AsyncClient, app_id: str, **body: object) -> dict[str, object]:
    r = await source.post(_create_path(app_id), json={"recurrence": DAILY, **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_create_get_list_patch_delete(source: httpx.AsyncClient) -> None:
    app_id = await _app_id(source)
    task = await _create(source, app_id, name="Nightly", timezone="Europe/Zurich", enabled=True)
    assert task["enabled"] is True
    assert task["resourceId"] == app_id
    assert task["specVersion"]
    assert task["start"] == {
        "stateName": "reload",
        "schedule": {"recurrence": DAILY, "timezone": "Europe/Zurich"},
    }
    action = task["states"][0]["onEvents"][0]["actions"][0]  # type: ignore[index]
    assert action["functionRef"] == {
        "refName": "app.reload",
        "arguments": {"appId": app_id, "partial": False},
    }
    meta = task["metadata"]
    assert isinstance(meta, dict)
    assert all(meta[k] for k in ("spaceId", "ownerId", "createdAt"))
    assert "disabledCode" not in meta
    ident = task["id"]
    assert (await source.get(f"{TASKS}/{ident}")).json() == task
    listed = (await source.get(TASKS, params={"resourceId": app_id})).json()
    assert [t["id"] for t in listed["data"]] == [ident]
    assert (await source.get(TASKS, params={"resourceId": "other"})).json()["data"] == []

    patch = [
        {"op": "replace", "path": "/enabled", "value": False},
        {"op": "replace", "path": "/start/schedule/recurrence", "value": "RRULE:FREQ=HOURLY"},
    ]
    patched = (await source.patch(f"{TASKS}/{ident}", json=patch)).json()
    assert patched["enabled"] is False
    assert patched["metadata"]["disabledCode"] == "MANUALLY"
    assert patched["start"]["schedule"]["recurrence"] == "RRULE:FREQ=HOURLY"
    again = [{"op": "replace", "path": "/enabled", "value": True}]
    assert (
        "disabledCode"
        not in (await source.patch(f"{TASKS}/{ident}", json=again)).json()["metadata"]
    )
    assert (await source.delete(f"{TASKS}/{ident}")).status_code == 204
    gone = await source.get(f"{TASKS}/{ident}")
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["code"] == 404
    assert "traceId" in gone.json()


async def test_created_disabled_unless_enabled(source: httpx.AsyncClient) -> None:
    task = await _create(source, await _app_id(source))
    assert task["enabled"] is False
    assert task["metadata"]["disabledCode"] == "MANUALLY"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"recurrence": "RRULE:FREQ=SECONDLY"}, 400, "CHO-017"),
        ({"recurrence": "RRULE:FREQ=DAILY;BYSETPOS=1"}, 400, "CHO-017"),
        ({"recurrence": DAILY, "timezone": "Mars/Olympus"}, 400, "CHO-017"),
        ({"recurrence": DAILY, "endDateTime": "2020-01-01T00:00:00"}, 400, "CHO-017"),
        ({}, 400, "CHO-017"),
        ({"recurrence": DAILY, "name": "x" * 101}, 400, "CHO-001"),
        ({"recurrence": DAILY, "enabled": "yes"}, 400, "CHO-001"),
    ],
)
async def test_create_errors_use_the_cho_envelope(
    source: httpx.AsyncClient, body: dict[str, object], status: int, code: str
) -> None:
    r = await source.post(_create_path(await _app_id(source)), json=body)
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert r.json()["status_code"] == status
    assert r.json()["message"]


async def test_missing_app_is_403_and_ten_tasks_per_app(source: httpx.AsyncClient) -> None:
    r = await source.post(_create_path("no-such-app"), json={"recurrence": DAILY})
    assert (r.status_code, r.json()["code"]) == (403, "CHO-003")
    app_id = await _app_id(source)
    for _ in range(10):
        await _create(source, app_id)
    r = await source.post(_create_path(app_id), json={"recurrence": DAILY})
    assert (r.status_code, r.json()["code"]) == (422, "CHO-014")


async def test_pagination_by_page_cursor(source: httpx.AsyncClient) -> None:
    app_id = await _app_id(source)
    for _ in range(3):
        await _create(source, app_id)
    first = (await source.get(TASKS, params={"limit": 2})).json()
    assert len(first["data"]) == 2
    assert "page=" in first["links"]["next"]["href"]
    rest = (await source.get(first["links"]["next"]["href"])).json()
    assert len(rest["data"]) == 1
    assert (await source.get(TASKS, params={"limit": 101})).status_code == 400


async def test_patch_refuses_what_it_cannot_change(source: httpx.AsyncClient) -> None:
    ident = (await _create(source, await _app_id(source)))["id"]
    for patch in (
        [{"op": "remove", "path": "/enabled"}],
        [{"op": "replace", "path": "/resourceId", "value": "x"}],
        [{"op": "replace", "path": "/enabled", "value": "yes"}],
        [{"op": "replace", "path": "/start/schedule/recurrence", "value": "RRULE:FREQ=SECONDLY"}],
        {"enabled": True},
    ):
        r = await source.patch(f"{TASKS}/{ident}", json=patch)
        assert r.status_code == 400, patch
        assert isinstance(r.json()["errors"][0]["code"], int)


async def test_runs_reload_the_app_and_failures_disable_the_task(
    emu: Emu, source: httpx.AsyncClient
) -> None:
    app_id = await _app_id(source)
    ident = (await _create(source, app_id, enabled=True))["id"]
    never = await source.get(f"{TASKS}/{ident}/runs/last")
    assert never.status_code == 404
    assert (await source.post(f"{TASKS}/{ident}/actions/start")).status_code == 200
    run = (await source.get(f"{TASKS}/{ident}/runs/last")).json()
    assert run["status"] == "RUNNING"
    assert (run["taskId"], run["resourceId"]) == (ident, app_id)
    reload_id = run["workerId"]
    assert (await source.get(f"/api/v1/reloads/{reload_id}")).status_code == 200
    emu.clock.advance(120)
    run = (await source.get(f"{TASKS}/{ident}/runs/last")).json()
    assert run["status"] in ("SUCCEEDED", "FAILED")
    assert run["endedAt"]
    task = (await source.get(f"{TASKS}/{ident}")).json()
    assert task["metadata"]["orchestration"]["attrs"]["last_run_status"] == run["status"]

    async with emu.client() as admin:
        faults = {"reload_fail_rate": 1.0}
        assert (await admin.post("/_emulator/faults", json=faults)).status_code == 200
    for _ in range(5):
        assert (await source.post(f"{TASKS}/{ident}/actions/start")).status_code == 200
        emu.clock.advance(120)
        await source.get(f"{TASKS}/{ident}/runs/last")
    task = (await source.get(f"{TASKS}/{ident}")).json()
    assert task["enabled"] is False
    assert task["metadata"]["disabledCode"] == "CONSECUTIVE-FAILURES"


async def test_admin_disables_with_a_qlik_reason_and_app_delete_cascades(
    emu: Emu, source: httpx.AsyncClient
) -> None:
    app = (await source.post("/api/v1/apps", json={"attributes": {"name": "T"}})).json()
    app_id = app["attributes"]["id"]
    ident = (await _create(source, app_id, enabled=True))["id"]
    path = f"/_emulator/tenants/{SOURCE_HOST}/scheduling-tasks/{ident}/disable"
    async with emu.client() as admin:
        assert (await admin.post(path, json={"code": "NOPE"})).status_code == 400
        r = await admin.post(path, json={"code": "APP-SCRIPT-UPDATED"})
    assert r.status_code == 200
    task = (await source.get(f"{TASKS}/{ident}")).json()
    assert task["enabled"] is False
    assert task["metadata"]["disabledCode"] == "APP-SCRIPT-UPDATED"
    assert (await source.delete(f"/api/v1/apps/{app_id}")).status_code == 200
    assert (await source.get(f"{TASKS}/{ident}")).status_code == 404


async def test_a_new_task_turns_the_apps_legacy_tasks_off(
    emu: Emu, source: httpx.AsyncClient
) -> None:
    app_id = await _app_id(source)
    body = {"appId": app_id, "recurrence": [DAILY], "timeZone": "UTC"}
    async with emu.client() as admin:
        seeded = await admin.post(
            f"/_emulator/tenants/{SOURCE_HOST}/legacy-reload-tasks", json=body
        )
    legacy = seeded.json()["legacyTaskId"]
    assert (await source.get(f"/api/v1/reload-tasks/{legacy}")).json()["state"] == "Enabled"
    await _create(source, app_id, enabled=True)
    assert (await source.get(f"/api/v1/reload-tasks/{legacy}")).json()["state"] == "Disabled"


async def test_put_replaces_the_whole_task(source: httpx.AsyncClient) -> None:
    app_id = await _app_id(source)
    task = await _create(source, app_id, name="Nightly", description="d", enabled=True)
    ident = task["id"]
    body = {k: v for k, v in task.items() if k not in ("id", "resourceId", "metadata")}
    body.pop("description")
    body.pop("enabled")
    hourly = "RRULE:FREQ=HOURLY;INTERVAL=2"
    body["start"] = {"schedule": {"recurrence": hourly, "timezone": "Europe/Oslo"}}
    put = await source.put(f"{TASKS}/{ident}", json=body)
    assert put.status_code == 200, put.text
    replaced = put.json()
    # omitted fields reset to their defaults: disabled (MANUALLY), empty description
    assert (replaced["enabled"], replaced["description"]) == (False, "")
    assert replaced["metadata"]["disabledCode"] == "MANUALLY"
    assert replaced["start"]["schedule"] == {"recurrence": hourly, "timezone": "Europe/Oslo"}
    assert (await source.get(f"{TASKS}/{ident}")).json() == replaced

    def bad(**change: object) -> dict[str, object]:
        return {**body, **change}

    for wrong, status in (
        (bad(extra=1), 400),
        (bad(name=""), 400),
        (bad(specVersion=None), 400),
        (bad(start={"schedule": "PT15M"}), 400),
        (bad(start={"schedule": {"recurrence": "RRULE:FREQ=SECONDLY"}}), 400),
        (bad(states=[]), 400),
        (
            bad(
                states=[
                    {
                        "onEvents": [
                            {
                                "eventRefs": [],
                                "actions": [
                                    {
                                        "functionRef": {
                                            "refName": "app.reload",
                                            "arguments": {"appId": "nope"},
                                        }
                                    }
                                ],
                            }
                        ]
                    }
                ]
            ),
            403,
        ),
    ):
        r = await source.put(f"{TASKS}/{ident}", json=wrong)
        assert r.status_code == status, (wrong, r.text)
        assert isinstance(r.json()["errors"][0]["code"], int)
    assert (await source.put(f"{TASKS}/missing", json=body)).status_code == 404


async def test_run_lists_per_task_and_per_app(emu: Emu, source: httpx.AsyncClient) -> None:
    app_id = await _app_id(source)
    first = (await _create(source, app_id, enabled=True))["id"]
    second = (await _create(source, app_id, enabled=True))["id"]
    assert (await source.get(f"{TASKS}/{first}/runs")).json()["data"] == []
    for ident in (first, second, first):
        assert (await source.post(f"{TASKS}/{ident}/actions/start")).status_code == 200
        emu.clock.advance(120)
    runs = (await source.get(f"{TASKS}/{first}/runs")).json()["data"]
    assert [r["taskId"] for r in runs] == [first, first]
    assert all(r["status"] in ("SUCCEEDED", "FAILED") for r in runs)
    assert runs[0]["startedAt"] > runs[1]["startedAt"]
    everything = (await source.get(f"{TASKS}/resources/{app_id}/runs", params={"limit": 2})).json()
    assert [r["taskId"] for r in everything["data"]] == [first, second]
    rest = (await source.get(everything["links"]["next"]["href"])).json()
    assert [r["taskId"] for r in rest["data"]] == [first]
    assert (await source.get(f"{TASKS}/resources/other/runs")).json()["data"] == []
    assert (await source.get(f"{TASKS}/missing/runs")).status_code == 404


@pytest.mark.parametrize("param", ["filter", "sort"])
async def test_lists_refuse_what_the_emulator_does_not_model(
    source: httpx.AsyncClient, param: str
) -> None:
    for path in (TASKS, f"{TASKS}/resources/any/runs"):
        r = await source.get(path, params={param: "x"})
        assert r.status_code == 400
        assert "not modelled" in r.text
