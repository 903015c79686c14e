"""Whatever is removed from the spec is listed as left behind, with what keeps running."""

from __future__ import annotations

import re
from pathlib import Path

from qlikreconcile.reconcile import targeting
from qlikreconcile.reconcile.service import plan_fleet
from tests.e2e.harness import Harness, copy_desired


def _rewrite(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, replacement, text, flags=re.MULTILINE | re.DOTALL)
    assert count == 1, pattern
    path.write_text(changed, encoding="utf-8")


async def test_a_removed_app_lists_its_copies_and_schedule(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    _rewrite(
        desired / "tenants" / "acme.yaml",
        r"  - template: inventory\n.*?max_age: 8h\}\n",
        "",
    )
    plan = (await harness.plan()).plan
    assert plan.operations == ()
    left = {d.split(":", 1)[0]: d for d in plan.divergences}
    assert "the build copy stays" in left["acme/app/inventory"]
    assert "customers still open it" in left["acme/published_app/inventory"]
    assert "it keeps reloading its app on schedule" in left["acme/reload_task/inventory"]
    assert all("deletion is opt-in" in d for d in left.values())
    assert not plan.matches  # never "the fleet matches the desired state"


async def test_a_removed_schedule_keeps_reloading_and_is_listed(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    _rewrite(
        desired / "tenants" / "acme.yaml",
        r"    reload: \{schedule: \"RRULE:FREQ=HOURLY;INTERVAL=6\", max_age: 8h\}\n",
        "    reload: {schedule: null, max_age: 8h}\n",
    )
    plan = (await harness.plan()).plan
    assert plan.operations == ()
    assert [d for d in plan.divergences if d.startswith("acme/reload_task/inventory:")]
    assert not plan.matches
    state = await harness.admin("GET", "/_emulator/state")
    acme = next(t for t in state["tenants"].values() if "acme.eu.qlikcloud.com" in t["hostnames"])
    assert len(acme["scheduling_tasks"]) == 2  # nothing deleted


async def test_a_removed_tenant_file_lists_what_keeps_running_there(tmp_path: Path) -> None:
    """Qlik has no tenant list: the fleet roster (source tenant) remembers applied tenants."""
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    (desired / "tenants" / "initech.yaml").unlink()
    plan = (await harness.plan()).plan
    assert plan.operations == ()
    assert not plan.matches
    mine = [d for d in plan.divergences if d.startswith("initech")]
    assert "initech: tenant initech.eu.qlikcloud.com is no longer in the spec" in mine[0]
    assert "tenant disown initech" in mine[0]
    left = {d.split(":", 1)[0]: d for d in mine[1:]}
    assert "customers still open it" in left["initech/published_app/sales"]
    assert "it keeps reloading its app on schedule" in left["initech/reload_task/sales"]
    assert "the build copy stays" in left["initech/app/sales"]
    assert not [d for d in plan.divergences if d.startswith(("acme", "globex"))]


async def test_a_removed_publish_to_keeps_the_published_copy_and_its_schedule(
    tmp_path: Path,
) -> None:
    """Customers' copy keeps being reloaded; the build copy gets its own schedule."""
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    published = await harness.app_by_template("acme.eu.qlikcloud.com", "sales", "published")
    _rewrite(
        desired / "tenants" / "acme.yaml",
        r"(  - template: sales .*?\n    space: Acme build\n)    publish_to: Acme analytics\n",
        r"\1",
    )
    plan = (await harness.plan()).plan
    deletes = [op for op in plan.operations if op.action.value == "delete"]
    assert deletes == [], "nothing customers use is deleted"
    left = {d.split(":", 1)[0]: d for d in plan.divergences}
    assert "customers still open it" in left["acme/published_app/sales"]
    (task,) = [k for k in left if k.startswith("acme/reload_task/sales~")]
    assert "it keeps reloading its app on schedule" in left[task]
    assert (await harness.apply()).ok
    state = await harness.admin("GET", "/_emulator/state")
    acme = next(t for t in state["tenants"].values() if "acme.eu.qlikcloud.com" in t["hostnames"])
    scheduled = {t["app_id"] for t in acme["scheduling_tasks"].values()}
    assert published["id"] in scheduled, "customers' copy is still reloaded"


async def test_a_targeted_or_sharded_plan_reports_only_truly_removed_tenants(
    tmp_path: Path,
) -> None:
    """--tenant narrows the plan, not the spec: the other tenants are not 'removed'."""
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    async with harness.session() as session:
        only_acme = targeting.select(harness.fleet(), include=["acme"])
        planned = await plan_fleet(only_acme, session, target="t", environ=harness.environ)
        assert not [d for d in planned.plan.divergences if "no longer in the spec" in d]

        (desired / "tenants" / "initech.yaml").unlink()
        fleet = harness.fleet()
        reported = []
        for index in (1, 2, 3):
            shard = targeting.select(fleet, shard=(index, 3))
            planned = await plan_fleet(shard, session, target="t", environ=harness.environ)
            reported += [d for d in planned.plan.divergences if d.startswith("initech: tenant")]
    assert len(reported) == 1, "each removed tenant is reported by exactly one shard"
