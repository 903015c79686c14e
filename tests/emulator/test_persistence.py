"""State file round-trip, seed determinism, admin reset and request log."""

from __future__ import annotations

import json
import time
from pathlib import Path

from qlikreconcile.emulator import SOURCE_HOST, EmulatorConfig
from qlikreconcile.emulator.control.seed import build_seed
from tests.emulator.conftest import make_emu


async def test_state_file_round_trip(tmp_path: Path) -> None:
    state_file = tmp_path / "state" / "emulator.json"
    emu = make_emu(state_file=state_file)
    assert state_file.exists()  # the seed is written at start
    async with await emu.authed() as c:
        space = (await c.post("/api/v1/spaces", json={"name": "Kept", "type": "shared"})).json()
        app_id = (await c.post("/api/v1/apps", json={"attributes": {"name": "P"}})).json()[
            "attributes"
        ]["id"]
        await c.post(
            f"/api/v1/apps/{app_id}/scripts", json={"script": "T:\nLOAD 1 AS x AUTOGENERATE 1;"}
        )
        rid = (await c.post("/api/v1/reloads", json={"appId": app_id})).json()["id"]
        token = c.headers["Authorization"]
    assert not list(state_file.parent.glob("*.tmp"))
    # A second emulator on the same file sees the space, the token and the pending reload.
    again = make_emu(state_file=state_file)
    again.clock.now = emu.clock.now + 5
    async with again.client() as c:
        c.headers["Authorization"] = token
        assert (await c.get(f"/api/v1/spaces/{space['id']}")).status_code == 200
        assert (await c.get(f"/api/v1/reloads/{rid}")).json()["status"] == "SUCCEEDED"
        new_space = (await c.post("/api/v1/spaces", json={"name": "Next", "type": "shared"})).json()
    assert new_space["id"] != space["id"]
    saved = json.loads(state_file.read_text())
    assert any(a["last_reload_at"] for t in saved["tenants"].values() for a in t["apps"].values())


def test_seed_is_deterministic() -> None:
    a = build_seed(EmulatorConfig(seed=7)).model_dump_json()
    b = build_seed(EmulatorConfig(seed=7)).model_dump_json()
    c = build_seed(EmulatorConfig(seed=8)).model_dump_json()
    assert a == b
    assert a != c
    state = build_seed(EmulatorConfig())
    (tenant,) = state.tenants.values()
    assert tenant.hostnames == [SOURCE_HOST]
    assert sorted(a.name for a in tenant.apps.values()) == ["Inventory Insights", "Sales Analytics"]
    assert all(app.last_reload_at for app in tenant.apps.values())


async def test_reset_and_request_log() -> None:
    emu = make_emu()
    async with await emu.authed() as c:
        await c.delete("/_emulator/requests")
        await c.post("/api/v1/spaces", json={"name": "Gone", "type": "shared"})
        await c.get("/api/v1/spaces")
        log = (await c.get("/_emulator/requests")).json()
        assert [(r["method"], r["path"], r["status"]) for r in log["data"]] == [
            ("POST", "/api/v1/spaces", 201),
            ("GET", "/api/v1/spaces", 200),
        ]
        assert log["data"][0]["host"] == SOURCE_HOST
        assert (await c.post("/_emulator/reset")).status_code == 200
        # Tokens are state too: after a reset clients must authenticate again.
        assert (await c.get("/api/v1/spaces")).status_code == 401
    async with await emu.authed() as c:
        names = [s["name"] for s in (await c.get("/api/v1/spaces")).json()["data"]]
        assert names == ["Templates"]
        quirks = (await c.get("/_emulator/quirks")).json()
        assert any(q["name"] == "apps.republish.sheets" for q in quirks["quirks"])


async def test_latency_fault() -> None:
    emu = make_emu()
    async with await emu.authed() as c:
        await c.post("/_emulator/faults", json={"latency_ms": 150})
        started = time.perf_counter()
        assert (await c.get("/api/v1/spaces")).status_code == 200
        assert time.perf_counter() - started >= 0.15
        faults = (await c.get("/_emulator/faults")).json()["faults"]
        assert faults["latency_ms"] == 150


async def test_a_dumped_state_loads_into_another_emulator() -> None:
    """PUT /_emulator/state takes what GET dumped (the served benchmark reuses a fleet)."""
    emu = make_emu()
    async with await emu.authed() as c:
        space = (await c.post("/api/v1/spaces", json={"name": "Kept", "type": "shared"})).json()
        dumped = (await c.get("/_emulator/state")).content
    other = make_emu()
    async with other.client() as c:
        assert (await c.put("/_emulator/state", content=b'{"tenants": 3}')).status_code == 400
        loaded = await c.put("/_emulator/state", content=dumped)
        assert loaded.json() == {"status": "loaded", "tenants": 1}
    async with await other.authed() as c:
        assert (await c.get(f"/api/v1/spaces/{space['id']}")).status_code == 200
