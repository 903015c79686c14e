"""A canary whose data fails its checks halts the rollout, and the next apply after the fix
completes it.

The template change filters every row of ``Orders`` out (a WHERE that holds for no row: the
emulator loads 0 rows, quirk ``reloads.data_model``). Every reload still SUCCEEDS, so only the
sales template's health gate (``table Orders has at least 1 row``) tells: the canary's reload
fails its gate, its published app is not republished, and the later waves never start.
"""

from __future__ import annotations

from pathlib import Path

from qlikreconcile.engine.report import Status, WaveStatus
from tests.e2e.harness import Harness, copy_desired, edit

HOSTS = {
    "acme": "acme.eu.qlikcloud.com",
    "initech": "initech.eu.qlikcloud.com",
    "globex": "globex.us.qlikcloud.com",
}
ORDERS = r"^FROM sales\.orders\n\{\{ where \}\};$"
EMPTIED = 'FROM sales.orders\n{{ where if where else "WHERE 1 = 1" }} AND 1 = 0;'


async def published(harness: Harness) -> dict[str, dict[str, object]]:
    apps = {t: await harness.app_by_template(h, "sales", "published") for t, h in HOSTS.items()}
    return {
        t: {k: a[k] for k in ("publish_time", "data_model", "scripts")} for t, a in apps.items()
    }


async def test_a_canary_failing_its_data_check_halts_the_rollout(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    before = await published(harness)

    script = desired / "templates" / "sales" / "sales.qvs.j2"
    edit(script, ORDERS, EMPTIED)
    halted = await harness.apply(force=True)
    assert [(w.name, w.status) for w in halted.waves] == [
        ("canary", WaveStatus.HALTED),
        ("early", WaveStatus.NOT_STARTED),
        ("main", WaveStatus.NOT_STARTED),
    ]
    (tenant, why), *_ = halted.waves[0].failed
    assert tenant == "acme"
    assert "table Orders has at least 1 row: observed 0 rows" in why
    reload = next(r for r in halted.results if r.op_id == "acme/reload/sales:reload")
    assert reload.status is Status.FAILED
    assert [c.observed for c in reload.checks if not c.passed] == ["0 rows"]
    assert set(halted.gate_failures()) == {"acme"}
    assert await published(harness) == before, "no customer sees the emptied data"

    edit(script, r"^FROM sales\.orders\n.*AND 1 = 0;$", "FROM sales.orders\n{{ where }};")
    done = await harness.apply(force=True)
    assert done.ok, [(r.op_id, r.reason) for r in done.results if r.status is not Status.SUCCEEDED]
    assert [w.status for w in done.waves] == [WaveStatus.COMPLETED] * 3
    assert (await harness.plan()).plan.matches
