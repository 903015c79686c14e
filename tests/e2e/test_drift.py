"""Drift: changes made in the tenant, outside git, show up in the plan labelled with a reason."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from tests.e2e.harness import Harness, copy_desired, fast_config

ACME = "acme.eu.qlikcloud.com"


async def converged(tmp_path: Path) -> Harness:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    return harness


async def plan_ops(harness: Harness, **kwargs: object) -> dict[str, Operation]:
    planned = await harness.plan(**kwargs)  # type: ignore[arg-type]
    return {f"{op.key.tenant}/{op.key.kind}/{op.key.name}": op for op in planned.plan.operations}


async def test_script_edited_in_the_tenant(tmp_path: Path) -> None:
    harness = await converged(tmp_path)
    build = await harness.app_by_template(ACME, "sales", "build")
    async with harness.session() as session:
        await session.client(ACME).post_json(
            f"/api/v1/apps/{build['id']}/scripts",
            {"script": "// quick fix\nLOAD 1 AS x AUTOGENERATE 1;", "versionMessage": "quick fix"},
        )
    ops = await plan_ops(harness)
    script = ops["acme/script/sales"]
    assert script.drift
    assert "load script was edited in the tenant" in script.reason
    assert ops["acme/reload/sales"].action is Action.RELOAD


async def test_build_app_deleted(tmp_path: Path) -> None:
    harness = await converged(tmp_path)
    build = await harness.app_by_template(ACME, "sales", "build")
    async with harness.session() as session:
        await session.client(ACME).delete(f"/api/v1/apps/{build['id']}")
    ops = await plan_ops(harness)
    app = ops["acme/app/sales"]
    assert app.action is Action.CREATE
    assert app.drift
    assert "build app is missing" in app.reason
    assert ops["acme/published_app/sales"].action is Action.REPUBLISH
    assert (await harness.apply()).ok
    assert (await harness.plan()).plan.empty


async def test_published_app_deleted(tmp_path: Path) -> None:
    harness = await converged(tmp_path)
    published = await harness.app_by_template(ACME, "sales", "published")
    async with harness.session() as session:
        await session.client(ACME).delete(f"/api/v1/apps/{published['id']}")
    ops = await plan_ops(harness)
    op = ops["acme/published_app/sales"]
    assert op.action is Action.PUBLISH
    assert op.drift
    assert "published app is missing" in op.reason


async def test_data_connection_changed(tmp_path: Path) -> None:
    harness = await converged(tmp_path)
    async with harness.session() as session:
        client = session.client(ACME)
        conns = [c async for c in client.paginate("/api/v1/data-connections")]
        conn = next(c for c in conns if c["qName"] == "vendor_dw")
        full = await client.get_json(f"/api/v1/data-connections/{conn['qID']}")
        body = {
            k: full[k]
            for k in ("qID", "qName", "qType", "qEngineObjectID", "datasourceID", "space", "tags")
        }
        body["qConnectStatement"] = full["qConnectStatement"].replace("5432", "6432")
        await client.put_json(f"/api/v1/data-connections/{conn['qID']}", body)
    ops = await plan_ops(harness)
    op = ops["acme/connection/Acme build:vendor_dw"]
    assert op.action is Action.UPDATE
    assert op.drift
    assert "changed outside qlikreconcile" in op.reason
    assert ops["acme/reload/sales"].action is Action.RELOAD


async def test_ownership_marker_removed_is_left_alone(tmp_path: Path) -> None:
    harness = await converged(tmp_path)
    build = await harness.app_by_template(ACME, "sales", "build")
    async with harness.session() as session:
        await session.client(ACME).put_json(
            f"/api/v1/apps/{build['id']}", {"attributes": {"description": "ours now"}}
        )
    planned = await harness.plan()
    keys = {str(op.key) for op in planned.plan.operations}
    assert "acme/app/sales" not in keys, "never a second copy of an app that lost its marker"
    assert any(
        w.startswith("acme/app/sales:") and "ownership marker" in w
        for w in planned.plan.divergences
    )


async def test_last_reload_failed(tmp_path: Path) -> None:
    harness = await converged(tmp_path)
    build = await harness.app_by_template(ACME, "sales", "build")
    await harness.admin("POST", "/_emulator/faults", {"reload_fail_apps": [build["id"]]})
    async with harness.session() as session:
        client = session.client(ACME)
        reload = await client.post_json("/api/v1/reloads", {"appId": build["id"]})
        for _ in range(200):
            status = (await client.get_json(f"/api/v1/reloads/{reload['id']}"))["status"]
            if status == "FAILED":
                break
            await asyncio.sleep(0.01)
    ops = await plan_ops(harness)
    op = ops["acme/reload/sales"]
    assert op.drift
    assert "last reload FAILED" in op.reason


async def test_data_older_than_max_age(tmp_path: Path) -> None:
    harness = await converged(tmp_path)
    later = time.time() + 9 * 3600  # acme's inventory allows 8 h, the default is 26 h
    ops = await plan_ops(harness, clock=lambda: later)
    op = ops["acme/reload/inventory"]
    assert op.drift
    assert "more than max_age 8 h" in op.reason
    assert ops["acme/published_app/inventory"].action is Action.REPUBLISH
    assert "acme/reload/sales" not in ops


async def test_deactivated_tenant_is_unreadable_and_planned_for_no_further(tmp_path: Path) -> None:
    harness = await converged(tmp_path)
    state = await harness.admin("GET", "/_emulator/state")
    acme = next(t for t in state["tenants"].values() if ACME in t["hostnames"])
    async with harness.session() as session:
        register = session.client("register.eu.qlikcloud.com")
        await register.request(
            "POST",
            f"/api/v1/tenants/{acme['id']}/actions/deactivate",
            json={},
            headers={"qlik-confirm-hostname": ACME},
        )
    planned = await harness.plan()
    assert planned.actual.unreadable == {
        "acme": "the tenant is deactivated; reactivate it before it is purged"
    }
    assert {op.key.tenant for op in planned.plan.operations} == set()
    assert any(w.startswith("acme: not planned") for w in planned.plan.divergences)


async def test_published_app_reloaded_in_place_counts_as_fresh_data(tmp_path: Path) -> None:
    offset = [0.0]
    config = fast_config()
    config.clock = lambda: time.time() + offset[0]
    harness = Harness(copy_desired(tmp_path), config=config)
    assert (await harness.apply()).ok
    offset[0] = 9 * 3600  # nine hours later, its reload task refreshes the published copy
    published = await harness.app_by_template(ACME, "inventory", "published")
    async with harness.session() as session:
        client = session.client(ACME)
        reload = await client.post_json("/api/v1/reloads", {"appId": published["id"]})
        for _ in range(200):
            if (await client.get_json(f"/api/v1/reloads/{reload['id']}"))["status"] == "SUCCEEDED":
                break
            await asyncio.sleep(0.01)
    ops = await plan_ops(harness, clock=lambda: time.time() + offset[0])
    assert "acme/reload/inventory" not in ops, "customers' data is fresh: nothing to reload"
