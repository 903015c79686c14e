"""Whatever is removed from the spec is listed as left behind, with what keeps running."""

from __future__ import annotations

import re
from pathlib import Path

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
