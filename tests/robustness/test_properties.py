"""Properties over random fleets and random fault schedules (hypothesis).

For any generated fleet and faults: applying until converged takes a bounded number of runs; then
the plan is empty, every tenant has exactly one build app and one published app per template,
nothing exists twice, customers' community sheets are intact, and resources without our marker
(seeded before and between the applies) are untouched. The second phase changes every tenant's
script (new reload, republish) under a new fault schedule.

Profiles: ``default`` (small, fast, in the default run) and ``ci`` (larger), chosen by
``HYPOTHESIS_PROFILE``; the ``slow`` test adds template upgrades and bigger fleets.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qlikreconcile.reconcile.release import find_source_app, release_template
from qlikreconcile.spec.fleet_loader import load_fleet
from tests.robustness.customers import (
    pre_create_tenant,
    seed_community_sheets,
    seed_lookalike,
    seed_unowned,
)
from tests.robustness.fleetgen import FleetSpec, fault_schedules, fleet_specs, write_fleet
from tests.robustness.invariants import community_sheets, duplicates, missing, unowned
from tests.robustness.rig import Rig

settings.register_profile(
    "default",
    max_examples=4,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
MAX_TENANTS = 6 if CI else 3
MAX_ROUNDS = 12


async def _converged(rig: Rig, spec: FleetSpec, faults: dict[str, Any]) -> dict[str, Any]:
    await rig.faults(faults)
    await rig.converge(max_rounds=MAX_ROUNDS)
    await rig.faults({})
    assert (await rig.plan()).plan.empty, "a fault-free plan after convergence is not empty"
    state = await rig.state()
    assert duplicates(state) == []
    assert missing(state, rig.fleet()) == []
    return state


async def scenario(
    root: Path,
    spec: FleetSpec,
    first: dict[str, Any],
    second: dict[str, Any],
    *,
    pre_created: int,
    upgrade: bool = False,
) -> Rig:
    desired = write_fleet(spec, root)
    rig = Rig(desired, secrets=spec.secrets(), seed=int(str(first["seed"])) % 1000)
    seeded: list[str] = []
    for tenant in spec.tenants[:pre_created]:
        await pre_create_tenant(rig, tenant)
        seeded += await seed_unowned(rig, tenant)
    before = unowned(await rig.state(), seeded)

    state = await _converged(rig, spec, first)
    assert unowned(state, seeded) == before
    seeded.append(await seed_lookalike(rig, state, spec.tenants[0]))
    published = sum(1 for t in spec.tenants for a in t.apps if a.publish)
    assert await seed_community_sheets(rig, state, spec) == 2 * published
    state = await rig.state()
    sheets, before = community_sheets(state), unowned(state, seeded)

    changed = spec.with_customer_ids(1)
    write_fleet(changed, root)
    if upgrade:
        await _new_release(rig)
    state = await _converged(rig, changed, second)
    assert unowned(state, seeded) == before
    after = community_sheets(state)
    assert {k: v for k, v in after.items() if k in sheets} == sheets, "community sheets lost"
    return rig


async def _new_release(rig: Rig) -> None:
    """The vendor changes the source app and releases it: every sales tenant upgrades."""
    fleet = load_fleet(rig.desired)
    template = fleet.templates["sales"]
    async with rig.session() as session:
        source = session.client(fleet.source.hostname)
        app_id = await find_source_app(session, fleet.source, template)
        current = await source.get_json(f"/api/v1/apps/{app_id}/scripts/current")
        script = {"script": current["script"] + "\n// v2\n", "versionMessage": "v2"}
        await source.post_json(f"/api/v1/apps/{app_id}/scripts", script)
        result = await release_template(session, fleet.source, template)
    assert result.release is not None


@given(
    spec=fleet_specs(max_tenants=MAX_TENANTS),
    first=fault_schedules(),
    second=fault_schedules(),
    pre_created=st.integers(min_value=0, max_value=2),
)
def test_random_fleets_converge_under_faults(
    spec: FleetSpec, first: dict[str, Any], second: dict[str, Any], pre_created: int
) -> None:
    with tempfile.TemporaryDirectory() as root:
        asyncio.run(scenario(Path(root), spec, first, second, pre_created=pre_created))


@pytest.mark.slow
@settings(max_examples=25 if CI else 6)
@given(
    spec=fleet_specs(max_tenants=8),
    first=fault_schedules(max_rate=0.15),
    second=fault_schedules(max_rate=0.15),
)
def test_upgrades_converge_under_heavy_faults(
    spec: FleetSpec, first: dict[str, Any], second: dict[str, Any]
) -> None:
    with tempfile.TemporaryDirectory() as root:
        asyncio.run(scenario(Path(root), spec, first, second, pre_created=1, upgrade=True))
