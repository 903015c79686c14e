"""The subscription's shared reload queue and apply's fleet-wide reload cap.

Every tenant of the fleet shares the source tenant's licence, so all their reloads wait in one
emulated queue; apply keeps at most ``defaults.reload.max_concurrent`` of its own reloads in
flight (created and not finished), and a customer's own reload still gets its turn.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from qlikreconcile.emulator import EmulatorConfig
from qlikreconcile.emulator.state.apps import Reload
from qlikreconcile.emulator.state.reload_queue import peak
from qlikreconcile.qlik.kinds.reload import TERMINAL
from tests.e2e.harness import Harness, copy_desired, edit

ACME = "acme.eu.qlikcloud.com"


def _reloads(state: dict[str, Any]) -> list[Reload]:
    return [
        Reload.model_validate(r) for t in state["tenants"].values() for r in t["reloads"].values()
    ]


async def _customer_reload(harness: Harness, app_id: str) -> dict[str, Any]:
    """A reload a customer starts through the API while apply runs; its final status."""
    async with harness.session() as session:
        client = session.client(ACME)
        started = await client.post_json("/api/v1/reloads", {"appId": app_id}, expected=(201,))
        while True:
            reload = await client.get_json(f"/api/v1/reloads/{started['id']}")
            if reload["status"] in TERMINAL:
                return dict(reload)
            await asyncio.sleep(0.02)


async def test_apply_caps_its_reloads_fleet_wide_and_a_customer_reload_still_runs(
    tmp_path: Path,
) -> None:
    desired = copy_desired(tmp_path)
    edit(desired / "fleet.yaml", r"^    max_age: 26h$", "    max_age: 26h\n    max_concurrent: 2")
    config = EmulatorConfig(reload_queue_seconds=0.01, reload_run_seconds=0.3, reload_slots=2)
    harness = Harness(desired, config=config)
    assert harness.fleet().reload_max_concurrent == 2
    assert (await harness.apply()).ok
    published = await harness.app_by_template(ACME, "sales", "published")

    # a changed row filter reloads apps again, next to a customer's reload
    edit(desired / "fleet.yaml", r'^    where: ""$', '    where: "WHERE 1 = 1"')
    report, customer = await asyncio.gather(
        harness.apply(), _customer_reload(harness, published["id"])
    )
    assert report.ok, report
    assert customer["status"] == "SUCCEEDED"
    assert "startTime" in customer

    ours = [
        r
        for r in _reloads(await harness.admin("GET", "/_emulator/state"))
        if r.id != customer["id"]
    ]
    assert len(ours) > 4  # enough reloads that an uncapped apply would overlap them
    in_flight = peak((r.created_at, r.final_end_at or r.end_at) for r in ours)
    assert in_flight <= 2
    queue = await harness.admin("GET", f"/_emulator/tenants/{ACME}/reload-queue")
    assert queue["slots"] == 2
    assert queue["peakRunning"] <= 2
    assert queue["peakWaiting"] >= 1  # the customer's reload and ours did share the queue
    assert (await harness.plan()).plan.operations == ()  # converged
