"""Reload lifecycle driven by a fake clock: statuses, listing, cancel, faults."""

from __future__ import annotations

import httpx

from tests.emulator.conftest import Emu


async def _app(source: httpx.AsyncClient, script: str = "T:\nLOAD * INLINE [a\n1];\n") -> str:
    r = await source.post("/api/v1/apps", json={"attributes": {"name": "R"}})
    app_id = str(r.json()["attributes"]["id"])
    await source.post(f"/api/v1/apps/{app_id}/scripts", json={"script": script})
    return app_id


async def test_status_progression_and_fields(emu: Emu, source: httpx.AsyncClient) -> None:
    app_id = await _app(source)
    r = await source.post("/api/v1/reloads", json={"appId": app_id})
    assert r.status_code == 201
    reload = r.json()
    assert reload["type"] == "external"
    assert "startTime" not in reload
    assert reload["links"]["self"]["href"].endswith(reload["id"])
    emu.clock.advance(0.25)
    running = (await source.get(f"/api/v1/reloads/{reload['id']}")).json()
    assert running["status"] == "RELOADING"
    assert "startTime" in running
    emu.clock.advance(0.5)
    done = (await source.get(f"/api/v1/reloads/{reload['id']}")).json()
    assert done["status"] == "SUCCEEDED"
    assert "Finished successfully" in done["log"]
    assert done["endTime"] > done["startTime"]
    assert (await source.post("/api/v1/reloads", json={"appId": "nope"})).status_code == 404
    assert (await source.post("/api/v1/reloads", json={})).status_code == 400


async def test_list_newest_first_filter_and_log(emu: Emu, source: httpx.AsyncClient) -> None:
    app_id = await _app(source)
    ids = []
    for _ in range(3):
        ids.append((await source.post("/api/v1/reloads", json={"appId": app_id})).json()["id"])
        emu.clock.advance(1)
    listed = (await source.get("/api/v1/reloads", params={"appId": app_id})).json()["data"]
    assert [r["id"] for r in listed] == ids[::-1]
    assert "log" not in listed[0]
    with_log = (await source.get("/api/v1/reloads", params={"appId": app_id, "log": "true"})).json()
    assert "log" in with_log["data"][0]
    page = (await source.get("/api/v1/reloads", params={"appId": app_id, "limit": 2})).json()
    assert "next" in page["links"]
    failed = await source.get(
        "/api/v1/reloads", params={"appId": app_id, "filter": 'status eq "FAILED"'}
    )
    assert failed.json()["data"] == []


async def test_cancel(emu: Emu, source: httpx.AsyncClient) -> None:
    app_id = await _app(source)
    queued = (await source.post("/api/v1/reloads", json={"appId": app_id})).json()
    r = await source.post(f"/api/v1/reloads/{queued['id']}/actions/cancel")
    assert r.status_code == 204
    assert (await source.get(f"/api/v1/reloads/{queued['id']}")).json()["status"] == "CANCELED"
    running = (await source.post("/api/v1/reloads", json={"appId": app_id})).json()
    emu.clock.advance(0.3)
    assert (await source.post(f"/api/v1/reloads/{running['id']}/actions/cancel")).status_code == 202
    assert (await source.get(f"/api/v1/reloads/{running['id']}")).json()["status"] == "CANCELING"
    emu.clock.advance(1)
    assert (await source.get(f"/api/v1/reloads/{running['id']}")).json()["status"] == "CANCELED"
    r = await source.post(f"/api/v1/reloads/{running['id']}/actions/cancel")
    assert r.status_code == 409
    meta = (await source.get(f"/api/v1/apps/{app_id}/data/metadata")).json()
    assert meta["tables"] == []


async def test_connection_resolution_rules(emu: Emu, source: httpx.AsyncClient) -> None:
    spaces = (await source.get("/api/v1/spaces", params={"filter": 'name eq "Templates"'})).json()
    templates = spaces["data"][0]["id"]
    cases = {
        "LIB CONNECT TO 'Templates:vendor_dw';": "SUCCEEDED",
        "LOAD * FROM [lib://Templates:vendor_dw/x.qvd] (qvd);": "SUCCEEDED",
        "LIB CONNECT TO 'vendor_dw';": "FAILED",  # personal app: own space has no such connection
        "LOAD * FROM [lib://DataFiles/x.qvd] (qvd);": "SUCCEEDED",
        "// LIB CONNECT TO 'Nope:gone';": "SUCCEEDED",
        "LIB CONNECT TO 'Nowhere:vendor_dw';": "FAILED",
    }
    for script, expected in cases.items():
        app_id = await _app(source, script)
        rid = (await source.post("/api/v1/reloads", json={"appId": app_id})).json()["id"]
        emu.clock.advance(1)
        assert (await source.get(f"/api/v1/reloads/{rid}")).json()["status"] == expected, script
    moved = await _app(source, "LIB CONNECT TO ':vendor_dw';\nT: SQL SELECT a FROM t;")
    await source.put(f"/api/v1/apps/{moved}/space", json={"spaceId": templates})
    rid = (await source.post("/api/v1/reloads", json={"appId": moved})).json()["id"]
    emu.clock.advance(1)
    assert (await source.get(f"/api/v1/reloads/{rid}")).json()["status"] == "SUCCEEDED"


async def test_fault_injection_reload_fail(emu: Emu, source: httpx.AsyncClient) -> None:
    app_id = await _app(source)
    r = await source.post(
        "/_emulator/faults", json={"reload_fail_apps": [app_id], "future_5xx": 0.1}
    )
    assert r.json()["notImplemented"] == ["future_5xx"]
    rid = (await source.post("/api/v1/reloads", json={"appId": app_id})).json()["id"]
    emu.clock.advance(1)
    body = (await source.get(f"/api/v1/reloads/{rid}")).json()
    assert body["status"] == "FAILED"
    assert body["errorCode"] == "EngineConnectionError"  # not the script's fault
    assert "The following error occurred" not in body["log"]
    await source.post("/_emulator/faults", json={"reload_fail_rate": 1.0})
    rid = (await source.post("/api/v1/reloads", json={"appId": await _app(source)})).json()["id"]
    emu.clock.advance(1)
    assert (await source.get(f"/api/v1/reloads/{rid}")).json()["status"] == "FAILED"
    bad = await source.post("/_emulator/faults", json={"reload_fail_rate": 3})
    assert bad.status_code == 400


async def test_subscription_queue_holds_reloads_beyond_its_slots() -> None:
    from qlikreconcile.emulator import SOURCE_HOST
    from tests.emulator.conftest import make_emu

    emu = make_emu(reload_slots=1)
    async with await emu.authed() as source:
        first, second = await _app(source), await _app(source)
        a = (await source.post("/api/v1/reloads", json={"appId": first})).json()
        b = (await source.post("/api/v1/reloads", json={"appId": second})).json()
        emu.clock.advance(0.3)  # a runs from 0.2 to 0.7; b waits for its slot
        assert (await source.get(f"/api/v1/reloads/{a['id']}")).json()["status"] == "RELOADING"
        waiting = (await source.get(f"/api/v1/reloads/{b['id']}")).json()
        assert waiting["status"] == "QUEUED"
        assert "startTime" not in waiting
        emu.clock.advance(0.45)
        running = (await source.get(f"/api/v1/reloads/{b['id']}")).json()
        assert running["status"] == "RELOADING"
        done = (await source.get(f"/api/v1/reloads/{a['id']}")).json()
        assert running["startTime"] == done["endTime"]  # started when a's slot came free
        queue = (await source.get(f"/_emulator/tenants/{SOURCE_HOST}/reload-queue")).json()
    assert queue["slots"] == 1
    assert queue["peakRunning"] == 1
    assert queue["peakWaiting"] == 2
    assert max(queue["peakRunningByUser"].values()) == 1
