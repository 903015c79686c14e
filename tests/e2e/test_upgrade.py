"""A new template release rolls out to the tenants that follow it, keeping customers' sheets."""

from __future__ import annotations

from pathlib import Path

from qlikreconcile.engine.keys import Action
from qlikreconcile.reconcile.release import release_template
from qlikreconcile.spec.fleet_loader import load_sources
from tests.e2e.harness import Harness, copy_desired

ACME = "acme.eu.qlikcloud.com"


async def test_new_release_replaces_build_app_and_republishes_in_place(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    published = await harness.app_by_template(ACME, "sales", "published")
    old_build = await harness.app_by_template(ACME, "sales", "build")
    await harness.admin(
        "POST",
        f"/_emulator/tenants/{ACME}/apps/{published['id']}/sheets",
        {"title": "Acme's own forecast", "type": "community", "group": "acme-analysts"},
    )

    # The vendor changes the template in the source tenant and cuts release 2.
    source, _, templates = load_sources(desired)
    async with harness.session() as session:
        app_id = (await release_template(session, source, templates["sales"])).app_id
        current = await session.client(source.hostname).get_json(
            f"/api/v1/apps/{app_id}/scripts/current"
        )
        await session.client(source.hostname).post_json(
            f"/api/v1/apps/{app_id}/scripts",
            {"script": current["script"] + "\n// v2: margin\n", "versionMessage": "v2"},
        )
        assert (await release_template(session, source, templates["sales"])).release

    planned = await harness.plan()
    ops = {(op.key.tenant, op.key.kind, op.action) for op in planned.plan.operations}
    # acme follows the newest release; globex and initech pin sales@1 and are not touched.
    assert {tenant for tenant, _, _ in ops} == {"acme"}
    assert ("acme", "app", Action.REPLACE) in ops
    assert ("acme", "published_app", Action.REPUBLISH) in ops
    retire = [op for op in planned.plan.operations if op.action is Action.DELETE]
    assert [op.key.name for op in retire] == [f"sales~{old_build['id']}"]
    assert "acme/published_app/sales:republish" in retire[0].depends_on

    report = await harness.apply()
    assert report.ok, [(r.op_id, r.reason) for r in report.results if r.status.value != "succeeded"]
    assert (await harness.plan()).plan.empty

    after = await harness.app_by_template(ACME, "sales", "published")
    new_build = await harness.app_by_template(ACME, "sales", "build")
    assert after["id"] == published["id"], "republished in place: customers keep their links"
    assert new_build["id"] != old_build["id"]
    assert after["origin_app_id"] == new_build["id"]
    assert "Acme's own forecast" in {s["title"] for s in after["sheets"]}
    state = await harness.admin("GET", "/_emulator/state")
    acme = next(t for t in state["tenants"].values() if ACME in t["hostnames"])
    assert old_build["id"] not in acme["apps"], "the replaced build copy was removed"
