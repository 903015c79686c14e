"""Scripted steps: data connections (write-only credentials) and schedules (scheduling tasks)."""

from __future__ import annotations

from typing import Any

from tests.conformance.target import Run

UNKNOWN_UUID = "00000000-0000-4000-a000-000000000000"
UNKNOWN_HEX = "000000000000000000000000"
DAILY = "RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=2;BYMINUTE=30;BYSECOND=0"


async def connections(run: Run, space_id: str) -> None:
    name = run.name("conn").replace("-", "_")
    body = {
        "qName": name,
        "qType": "QvOdbcConnectorPackage.exe",
        "qConnectStatement": 'CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;'
        'driver=postgres;host=db.example.invalid;port=5432;db=dw;"',
        "datasourceID": "postgres",
        "space": space_id,
        "qUsername": "reader",
        "qPassword": "s3cret-conformance",
    }
    base = "/api/v1/data-connections"
    async with await run.authed() as c:
        created = run.expect(await c.post(base, json=body), 201).json()
        qid = created.get("qID") or created.get("id") or UNKNOWN_UUID
        run.later("DELETE", f"{base}/{qid}")
        run.expect(await c.post(base, json=body), 409)
        run.expect(await c.post(base, json={"qName": name}), 400)
        got = run.expect(await c.get(f"{base}/{qid}"), 200).json()
        listed = run.expect(await c.get(base, params={"spaceId": space_id}), 200).json()
        for where, shown in (
            ("create", created),
            ("get", got),
            *[("list", x) for x in listed.get("data", [])],
        ):
            if "qPassword" in shown or "s3cret-conformance" in str(shown):
                run.problems.append(f"data connection {where}: the password is readable")
        by_name = {"type": "connectionname", "spaceId": space_id}
        run.expect(await c.get(f"{base}/{name}", params=by_name), 200)
        run.expect(await c.get(f"{base}/not-a-uuid"), 400)
        run.expect(await c.get(f"{base}/{UNKNOWN_UUID}"), 404)
        run.expect(await c.get(base, params={"limit": 101}), 400)
        run.expect(await c.get(base, params={"filter": f'qName eq "{name}"', "limit": 1}), 200)
        put = {
            **{k: v for k, v in body.items() if k != "qPassword"},
            "qID": qid,
            "qEngineObjectID": qid,
            "qConnectStatement": body["qConnectStatement"].replace("dw;", "dw2;"),
        }
        run.expect(await c.put(f"{base}/{qid}", json=put), 204)
        ops = [{"op": "replace", "path": "/qName", "value": f"{name}_renamed"}]
        run.expect(await c.patch(f"{base}/{qid}", json=ops), 204)
        run.expect(await c.patch(f"{base}/{UNKNOWN_UUID}", json=ops), 404)
        run.expect(await c.delete(f"{base}/{qid}"), 204)
        run.expect(await c.delete(f"{base}/{qid}"), 404)


async def schedules(run: Run, app_id: str) -> None:
    """Scheduling tasks (the 2026 API), then the removed Reload Tasks API as Qlik answers now."""
    base = "/api/scheduling/tasks"
    create = f"{base}/resources/{app_id}/actions/reload/on-time-schedule"
    body: dict[str, Any] = {
        "name": run.name("schedule"),
        "recurrence": DAILY,
        "timezone": "Europe/Zurich",
        "enabled": True,
    }
    async with await run.authed() as c:
        task = run.expect(await c.post(create, json=body), 201).json()
        task_id = task.get("id", UNKNOWN_UUID)
        run.later("DELETE", f"{base}/{task_id}")
        if task.get("enabled") is not True or task.get("resourceId") != app_id:
            run.problems.append(f"scheduling task: not enabled on the app: {task}")
        bad = {**body, "recurrence": "RRULE:FREQ=SECONDLY"}
        run.expect(await c.post(create, json=bad), 400)
        run.expect(await c.post(create, json={**body, "timezone": "Mars/Olympus"}), 400)
        missing = f"{base}/resources/{UNKNOWN_HEX}/actions/reload/on-time-schedule"
        run.expect(await c.post(missing, json=body), 403)
        run.expect(await c.get(f"{base}/{task_id}"), 200)
        run.expect(await c.get(f"{base}/{UNKNOWN_UUID}"), 404)
        run.expect(await c.get(base, params={"resourceId": app_id, "limit": 1}), 200)
        run.expect(await c.get(base, params={"limit": 101}), 400)
        run.expect(await c.get(f"{base}/{task_id}/runs/last"), 404)
        off = [{"op": "replace", "path": "/enabled", "value": False}]
        patched = run.expect(await c.patch(f"{base}/{task_id}", json=off), 200).json()
        if patched.get("enabled") is not False:
            run.problems.append("scheduling task PATCH /enabled=false did not apply")
        run.expect(await c.post(f"{base}/{task_id}/actions/start"), 200)
        run.expect(await c.get(f"{base}/{task_id}/runs/last"), 200)
        run.expect(await c.get(f"{base}/{task_id}/runs", params={"limit": 1}), 200)
        run.expect(await c.get(f"{base}/{UNKNOWN_UUID}/runs"), 404)
        run.expect(await c.get(f"{base}/resources/{app_id}/runs", params={"limit": 1}), 200)
        whole = {k: v for k, v in patched.items() if k not in ("id", "resourceId", "metadata")}
        put = run.expect(await c.put(f"{base}/{task_id}", json={**whole, "enabled": True}), 200)
        if put.json().get("enabled") is not True:
            run.problems.append("scheduling task PUT enabled=true did not apply")
        run.expect(await c.put(f"{base}/{task_id}", json={**whole, "name": ""}), 400)
        run.expect(await c.delete(f"{base}/{task_id}"), 204)
        run.expect(await c.delete(f"{base}/{task_id}"), 404)
    await legacy_reload_tasks(run, app_id)


async def legacy_reload_tasks(run: Run, app_id: str) -> None:
    base = "/api/v1/reload-tasks"
    body = {"appId": app_id, "recurrence": [DAILY], "timeZone": "UTC"}
    async with await run.authed() as c:
        run.expect(await c.post(base, json=body), 410)
        run.expect(await c.get(base, params={"appId": app_id, "limit": 1}), 200)
        run.expect(await c.get(base, params={"limit": 101}), 400)
        run.expect(await c.get(f"{base}/{UNKNOWN_HEX}"), 404)
        if run.target.live:
            return  # tasks made before the removal cannot be made again on a real tenant
        seeded = {}
        async with run.client() as admin:
            for migrate in (False, True):
                path = f"/_emulator/tenants/{run.target.tenant_host}/legacy-reload-tasks"
                made = await admin.post(path, json={**body, "migrate": migrate})
                seeded[migrate] = made.json()
        old, migrated = seeded[False]["legacyTaskId"], seeded[True]["legacyTaskId"]
        run.later("DELETE", f"/api/scheduling/tasks/{seeded[True]['taskId']}")
        run.expect(await c.get(f"{base}/{old}"), 200)
        run.expect(await c.put(f"{base}/{old}", json={"state": "Disabled"}), 200)
        run.expect(await c.put(f"{base}/{migrated}", json={"state": "Enabled"}), 400)
        run.expect(await c.delete(f"{base}/{migrated}"), 400)
        run.expect(await c.delete(f"{base}/{old}"), 204)
