"""Two published copies of one app (two applies raced before the lease existed), issue 9.

The copy customers use is the one kept: sheets are counted through the engine (QIX), the only
place Qlik lists them. The other copy is deleted only on an explicit decision in fleet.yaml
and only while no customer's sheet is seen in it; otherwise it is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.errors import SpecError
from qlikreconcile.qlik.resources import published_key
from qlikreconcile.reconcile.service import ArtifactReader, apply_plan, plan_fleet
from qlikreconcile.spec.fleet_loader import load_fleet
from tests.e2e.harness import FAST_POLLING, Harness, copy_desired

HOST = "acme.eu.qlikcloud.com"
HEAL = "\nduplicates:\n  published_apps: delete_without_sheets\n"


async def _second_copy(harness: Harness) -> tuple[dict[str, Any], str]:
    """Publish the build app once more into the managed space, as a racing apply did."""
    first = await harness.app_by_template(HOST, "sales", "published")
    build = await harness.app_by_template(HOST, "sales", "build")
    body = {
        "spaceId": first["space_id"],
        "attributes": {"name": first["name"], "description": first["description"]},
    }
    async with harness.session() as session:
        second = await session.client(HOST).post_json(
            f"/api/v1/apps/{build['id']}/publish", body, expected=(200,)
        )
    return first, str(second["attributes"]["id"])


async def _community_sheet(harness: Harness, app_id: str, title: str) -> None:
    await harness.admin(
        "POST",
        f"/_emulator/tenants/{HOST}/apps/{app_id}/sheets",
        {"title": title, "type": "community", "group": "acme-analysts", "ownerId": "cust-1"},
    )


async def _exists(harness: Harness, app_id: str) -> bool:
    state = await harness.admin("GET", "/_emulator/state")
    tenant = next(t for t in state["tenants"].values() if HOST in t["hostnames"])
    return app_id in tenant["apps"]


def _published_deletes(operations: Sequence[Operation]) -> list[Operation]:
    return [
        op for op in operations if op.action is Action.DELETE and op.key.kind == "published_app"
    ]


def _heal(desired: Path) -> None:
    fleet = desired / "fleet.yaml"
    fleet.write_text(fleet.read_text(encoding="utf-8") + HEAL, encoding="utf-8")


async def test_the_copy_with_customers_sheets_is_kept_and_the_unused_one_deleted(
    tmp_path: Path,
) -> None:
    desired = copy_desired(tmp_path)
    _heal(desired)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    first, second = await _second_copy(harness)
    await _community_sheet(harness, second, "Churn by region")  # customers use the newer copy

    planned = await harness.plan()
    managed = planned.actual.resources[published_key("acme", "sales")]
    assert managed.ident == second, "the copy with customers' sheets is the managed one"
    deletes = _published_deletes(planned.plan.operations)
    assert [op.ident for op in deletes] == [first["id"]]
    assert f"id {first['id']}; sheets: 0 community" in deletes[0].reason
    assert f"managed copy {second} (1 community" in deletes[0].reason

    report = await harness.apply()
    assert report.ok
    assert not await _exists(harness, first["id"])
    kept = await harness.admin("GET", f"/_emulator/tenants/{HOST}/apps/{second}")
    assert [s["title"] for s in kept["sheets"] if s["type"] == "community"] == ["Churn by region"]
    again = await harness.plan()
    assert again.plan.empty
    assert not again.plan.divergences, again.plan.divergences
    state = await harness.admin("GET", "/_emulator/state")
    tenant = next(t for t in state["tenants"].values() if HOST in t["hostnames"])
    tasks = tenant["scheduling_tasks"].values()
    scheduled = {t["app_id"] for t in tasks if "template=sales" in t["description"]}
    assert scheduled == {second}, "the schedule follows the copy customers use"


async def test_without_the_decision_a_duplicate_is_reported_not_deleted(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    first, second = await _second_copy(harness)
    planned = await harness.plan()
    assert planned.plan.empty
    (shown,) = [d for d in planned.plan.divergences if "duplicate, left in place" in d]
    assert f"sales~{second}" in shown
    assert "0 community" in shown
    assert "delete_without_sheets" in shown
    assert (await harness.apply()).ok
    assert await _exists(harness, first["id"])
    assert await _exists(harness, second)


async def test_two_copies_with_customers_sheets_are_both_kept(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    _heal(desired)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    first, second = await _second_copy(harness)
    await _community_sheet(harness, first["id"], "Mine")
    await _community_sheet(harness, second, "Ours")
    await _community_sheet(harness, second, "Theirs")
    planned = await harness.plan()
    assert planned.actual.resources[published_key("acme", "sales")].ident == second
    assert not _published_deletes(planned.plan.operations)
    (shown,) = [d for d in planned.plan.divergences if "duplicate, left in place" in d]
    assert "customers' sheets live in it" in shown
    assert "1 community" in shown
    assert (await harness.apply()).ok
    assert await _exists(harness, first["id"])
    assert await _exists(harness, second)


async def test_a_sheet_made_after_the_plan_stops_the_delete(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    _heal(desired)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    _first, second = await _second_copy(harness)
    async with harness.session() as session:
        planned = await plan_fleet(
            harness.fleet(), session, target="test emulator", environ=harness.environ
        )
        (delete,) = _published_deletes(planned.plan.operations)
        assert delete.ident == second, "equal sheets: the oldest copy is kept"
        await _community_sheet(harness, second, "Made in the meantime")
        report = await apply_plan(
            planned,
            session,
            secrets=harness.secrets,
            artifacts=ArtifactReader(desired.parent),
            polling=FAST_POLLING,
        )
    assert not report.ok
    (failed,) = [r for r in report.results if r.key.kind == "published_app"]
    assert failed.status.value == "failed"
    assert "customers' sheets appeared in it since the plan" in failed.reason
    assert await _exists(harness, second)


@pytest.mark.parametrize("value", ["delete", "yes"])
def test_an_unknown_decision_is_refused_with_its_position(tmp_path: Path, value: str) -> None:
    desired = copy_desired(tmp_path)
    fleet = desired / "fleet.yaml"
    fleet.write_text(
        fleet.read_text(encoding="utf-8") + f"\nduplicates:\n  published_apps: {value}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as refused:
        load_fleet(desired)
    assert "fleet.yaml:" in str(refused.value)
    assert "published_apps" in str(refused.value)
