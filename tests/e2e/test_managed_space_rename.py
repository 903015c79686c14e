"""Renaming a managed space in the spec is never planned as a move of the published apps."""

from __future__ import annotations

from pathlib import Path

from qlikreconcile.engine.keys import Action
from tests.e2e.harness import Harness, copy_desired


async def test_a_renamed_managed_space_is_a_divergence_with_the_way_to_do_it(
    tmp_path: Path,
) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    tenant = desired / "tenants" / "acme.yaml"
    tenant.write_text(
        tenant.read_text(encoding="utf-8").replace("Acme analytics", "Acme dashboards"),
        encoding="utf-8",
    )
    plan = (await harness.plan()).plan
    ops = {str(op.key): op for op in plan.operations}
    assert ops["acme/space/Acme dashboards"].action is Action.CREATE
    assert not [k for k in ops if "/published_app/" in k]  # no second copy, no move
    moved = [d for d in plan.divergences if "/published_app/" in d]
    assert len(moved) == 2
    assert all("rename the space itself in Qlik" in d for d in moved)
    assert any("acme/space/Acme analytics" in d for d in plan.divergences)  # left behind
    state = await harness.admin("GET", "/_emulator/state")
    acme = next(t for t in state["tenants"].values() if "acme.eu.qlikcloud.com" in t["hostnames"])
    old = next(s for s in acme["spaces"].values() if s["name"] == "Acme analytics")
    published = [
        a
        for a in acme["apps"].values()
        if "[managed by qlikreconcile: published" in (a.get("description") or "")
    ]
    assert {a["space_id"] for a in published} == {old["id"]}
