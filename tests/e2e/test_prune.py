"""Pruning, opt-in per kind (issue 12): owned objects no longer in the spec are deleted only
where fleet.yaml says so, and a published copy customers' sheets live in only where the tenant
file says so too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qlikreconcile.engine.keys import Action
from qlikreconcile.errors import SpecError
from qlikreconcile.spec.fleet_loader import load_fleet
from tests.e2e.harness import Harness, copy_desired

ACME = "acme.eu.qlikcloud.com"
PRUNE = "\nprune:\n  apps: true\n  published_apps: true\n  schedules: true\n  connections: true\n"
INVENTORY = r"  - template: inventory\n.*?max_age: 8h\}\n"


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _drop_inventory(desired: Path) -> None:
    path = desired / "tenants" / "acme.yaml"
    text, count = re.subn(INVENTORY, "", path.read_text(encoding="utf-8"), flags=re.S)
    assert count == 1
    path.write_text(text, encoding="utf-8")


async def _apps(harness: Harness) -> dict[str, str]:
    state = await harness.admin("GET", "/_emulator/state")
    tenant = next(t for t in state["tenants"].values() if ACME in t["hostnames"])
    return {a["id"]: a.get("description") or "" for a in tenant["apps"].values()}


async def _share(harness: Harness, app_id: str) -> None:
    await harness.admin(
        "POST",
        f"/_emulator/tenants/{ACME}/apps/{app_id}/sheets",
        {"title": "Ours", "type": "community", "group": "acme-analysts", "ownerId": "cust-1"},
    )


async def test_a_removed_app_is_pruned_schedule_first(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    _append(desired / "fleet.yaml", PRUNE)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    _drop_inventory(desired)
    plan = (await harness.plan()).plan
    deletes = {str(op.key): op for op in plan.operations if op.action is Action.DELETE}
    assert set(deletes) == {
        "acme/reload_task/inventory",
        "acme/published_app/inventory",
        "acme/app/inventory",
    }
    assert "acme/reload_task/inventory:delete" in deletes["acme/app/inventory"].depends_on
    assert "acme/published_app/inventory:delete" in deletes["acme/app/inventory"].depends_on
    assert not [d for d in plan.divergences if "inventory" in d]
    assert (await harness.apply()).ok
    assert not [d for d in (await _apps(harness)).values() if "template=inventory" in d]
    again = (await harness.plan()).plan
    assert again.empty
    assert again.matches


async def test_a_published_copy_with_customers_sheets_is_kept_with_its_schedule(
    tmp_path: Path,
) -> None:
    desired = copy_desired(tmp_path)
    _append(desired / "fleet.yaml", PRUNE)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    published = await harness.app_by_template(ACME, "inventory", "published")
    await _share(harness, published["id"])
    _drop_inventory(desired)
    plan = (await harness.plan()).plan
    deletes = {str(op.key) for op in plan.operations if op.action is Action.DELETE}
    assert deletes == {"acme/app/inventory"}
    left = {d.split(":", 1)[0]: d for d in plan.divergences}
    assert (
        "not pruned: customers' sheets live in it (1 community"
        in left["acme/published_app/inventory"]
    )
    assert "it reloads a published copy that is kept" in left["acme/reload_task/inventory"]
    assert (await harness.apply()).ok
    assert published["id"] in await _apps(harness)


async def test_the_tenant_file_may_prune_a_published_copy_with_sheets(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    _append(desired / "fleet.yaml", PRUNE)
    _append(desired / "tenants" / "acme.yaml", "\nprune:\n  published_apps_with_sheets: true\n")
    harness = Harness(desired)
    assert (await harness.apply()).ok
    published = await harness.app_by_template(ACME, "inventory", "published")
    await _share(harness, published["id"])
    _drop_inventory(desired)
    plan = (await harness.plan()).plan
    (delete,) = [
        op
        for op in plan.operations
        if op.action is Action.DELETE and op.key.kind == "published_app"
    ]
    assert delete.inputs == {"with_sheets": True}
    assert (await harness.apply()).ok
    assert published["id"] not in await _apps(harness)


async def test_without_prune_nothing_is_deleted(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    _drop_inventory(desired)
    plan = (await harness.plan()).plan
    assert not [op for op in plan.operations if op.action is Action.DELETE]
    assert len([d for d in plan.divergences if "deletion is opt-in" in d]) == 3


@pytest.mark.parametrize(
    ("fleet", "tenant", "message"),
    [
        ("\nprune:\n  spaces: true\n", "", "unknown key 'spaces'"),
        ("", "\nprune:\n  published_apps_with_sheets: true\n", "has no effect"),
    ],
)
def test_prune_keys_that_would_do_nothing_are_refused(
    tmp_path: Path, fleet: str, tenant: str, message: str
) -> None:
    desired = copy_desired(tmp_path)
    _append(desired / "fleet.yaml", fleet)
    _append(desired / "tenants" / "acme.yaml", tenant)
    with pytest.raises(SpecError) as refused:
        load_fleet(desired)
    assert message in str(refused.value)
    assert ".yaml:" in str(refused.value)
