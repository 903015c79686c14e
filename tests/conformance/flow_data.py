"""Scripted steps: data connections (write-only credentials) and reload tasks (schedules)."""

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


async def reload_tasks(run: Run, app_id: str) -> None:
    base = "/api/v1/reload-tasks"
    body: dict[str, Any] = {
        "appId": app_id,
        "recurrence": [DAILY],
        "timeZone": "Europe/Zurich",
        "startDateTime": "2025-01-01T00:00:00",
        "partial": False,
        "type": "scheduled_reload",
    }
    async with await run.authed() as c:
        task = run.expect(await c.post(base, json=body), 201).json()
        task_id = task.get("id", UNKNOWN_HEX)
        run.later("DELETE", f"{base}/{task_id}")
        if task.get("state") != "Enabled" or not task.get("nextExecutionTime"):
            run.problems.append(f"reload task: not Enabled with a next run: {task}")
        bad_rule = {**body, "recurrence": ["RRULE:FREQ=SOMETIMES"]}
        run.expect(await c.post(base, json=bad_rule), 400)
        run.expect(await c.post(base, json={**body, "timeZone": "Mars/Olympus"}), 400)
        run.expect(await c.post(base, json={**body, "appId": UNKNOWN_UUID}), 404)
        run.expect(await c.get(f"{base}/{task_id}"), 200)
        run.expect(await c.get(f"{base}/{UNKNOWN_HEX}"), 404)
        run.expect(await c.get(base, params={"appId": app_id, "limit": 1}), 200)
        run.expect(await c.get(base, params={"limit": 101}), 400)
        disabled = run.expect(
            await c.put(f"{base}/{task_id}", json={**body, "state": "Disabled"}), 200
        )
        if disabled.json().get("state") != "Disabled":
            run.problems.append("reload task PUT state=Disabled did not apply")
        run.expect(await c.delete(f"{base}/{task_id}"), 204)
        run.expect(await c.delete(f"{base}/{task_id}"), 404)
