"""A tenant is never created twice, whatever happens to the create's answer, across runs.

Qlik has no tenant list, so a lost create cannot be settled by looking (qlik-cloud-api.md §14.2).
The emulator faults ``POST /api/v1/tenants`` only (``only``), at 100%; repeated runs must leave
at most one tenant per spec entry, block the tenant with the recovery steps, and after the
operator's recovery (``tenant.id`` in the spec, or ``tenant forget``) converge with exactly one.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.engine.report import ApplyReport
from qlikreconcile.errors import PlanError
from qlikreconcile.qlik.control import PREFIX
from qlikreconcile.reconcile.pending import forget_pending_create
from qlikreconcile.reconcile.service import ArtifactReader, Planned, apply_plan
from tests.robustness.invariants import duplicates, missing
from tests.robustness.rig import Rig

REPO = Path(__file__).resolve().parents[2]
SECRETS = {
    "VENDOR_DW_PASSWORD": "vendor-dw-pw",
    "GLOBEX_PG_PASSWORD": "globex-pg-pw",
    "QLIKRECONCILE_FINGERPRINT_KEY": "test-fingerprint-key-5b1e0c",
}
CREATE = "POST /api/v1/tenants"
HEADER = "tenant: {name: acme, region: eu}"


def acme_rig(tmp_path: Path, *, only_acme: bool = True) -> Rig:
    desired = tmp_path / "desired"
    shutil.copytree(REPO / "desired", desired)
    if only_acme:
        for other in ("globex", "initech"):
            (desired / "tenants" / f"{other}.yaml").unlink()
    return Rig(desired, secrets=SECRETS)


def customer_tenants(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in state["tenants"].values() if SOURCE_HOST not in t["hostnames"]]


def control_spaces(state: dict[str, Any]) -> list[str]:
    source = next(t for t in state["tenants"].values() if SOURCE_HOST in t["hostnames"])
    return [s["name"] for s in source["spaces"].values() if s["name"].startswith(PREFIX)]


def set_tenant_id(rig: Rig, tenant_id: str) -> None:
    path = rig.desired / "tenants" / "acme.yaml"
    text = path.read_text()
    assert HEADER in text
    path.write_text(text.replace(HEADER, f"tenant: {{name: acme, region: eu, id: {tenant_id}}}"))


def assert_recovery_steps(text: str) -> None:
    assert "answer was lost" in text
    assert "id: TENANT_ID" in text
    assert "qlikreconcile tenant forget acme" in text


@pytest.mark.parametrize("fault", ["drop", "reset", "500"])
async def test_lost_create_is_never_repeated_and_recovers(tmp_path: Path, fault: str) -> None:
    rig = acme_rig(tmp_path)
    await rig.faults({fault: 1.0, "only": [CREATE], "seed": 1})
    first = await rig.run()
    [failure] = [f for f in first.failed if "acme/tenant/acme" in f]
    assert_recovery_steps(failure)
    assert len(first.failed) == 1  # the tenant only: its dependents are skipped, not failed
    for _ in range(3):
        again = await rig.run()
        assert again.planned == 0
        assert again.report is None
        assert_recovery_steps(again.blocked["acme"])
        assert len(customer_tenants(await rig.state())) <= 1
    state = await rig.state()
    created = customer_tenants(state)
    assert control_spaces(state) == [f"{PREFIX} tenant-create acme"]
    await rig.faults({})

    if created:  # Qlik made it: the operator names it in the spec, and the next run takes over
        assert fault in ("drop", "500")
        set_tenant_id(rig, created[0]["id"])
        plan = (await rig.plan()).plan
        adopt = next(op for op in plan.operations if op.key.kind == "tenant")
        assert adopt.action.value == "adopt"
        assert {c.path for c in adopt.changes} == {"hostname", "name"}
    else:  # nothing was made: the operator says so, and the next run creates it
        assert fault in ("reset", "500")
        assert (await _forget(rig))["record"] == f"{PREFIX} tenant-create acme"
    await rig.converge(max_rounds=3)
    state = await rig.state()
    [tenant] = customer_tenants(state)
    assert tenant["hostnames"][1:] == ["acme.eu.qlikcloud.com"]
    assert tenant["name"] == "acme"
    assert control_spaces(state) == []
    assert duplicates(state) == []
    assert missing(state, rig.fleet()) == []


async def _forget(rig: Rig) -> Any:
    async with rig.session() as session:
        return await forget_pending_create(session, source_host=SOURCE_HOST, tenant="acme")


@pytest.mark.parametrize(("fault", "next_action"), [("reset", "adopt"), ("drop", "delete")])
async def test_a_create_that_answered_is_finished_by_the_next_run(
    tmp_path: Path, fault: str, next_action: str
) -> None:
    """The 201 arrived, so the record holds the id, but the alias PATCH failed.

    Not applied (reset): the next run takes the tenant over by the recorded id, no operator
    needed. Applied with its answer lost (drop): the tenant answers on its alias, and the
    obsolete record is deleted. ``tenant forget`` is refused either way (the tenant exists).
    """
    rig = acme_rig(tmp_path)
    await rig.faults({fault: 1.0, "only": ["PATCH /api/v1/tenants/{id}"]})
    first = await rig.run()
    assert any(f.startswith("acme/tenant/acme create") for f in first.failed)
    with pytest.raises(PlanError, match="not forgotten"):
        await _forget(rig)
    await rig.faults({})
    plan = (await rig.plan()).plan
    assert next_action in {op.action.value for op in plan.operations if op.key.tenant == "acme"}
    if next_action == "delete":
        assert any(op.key.kind == "pending_create" for op in plan.operations)
    await rig.converge(max_rounds=3)
    state = await rig.state()
    assert len(customer_tenants(state)) == 1
    assert control_spaces(state) == []


async def test_a_blocked_tenant_does_not_hold_up_the_others(tmp_path: Path) -> None:
    rig = acme_rig(tmp_path)
    await rig.converge(max_rounds=3)
    acme = rig.desired / "tenants" / "acme.yaml"
    text = acme.read_text()
    umbrella = text.replace(HEADER, "tenant: {name: umbrella, region: eu}").replace(
        "Acme", "Umbrella"
    )
    (rig.desired / "tenants" / "umbrella.yaml").write_text(umbrella)
    acme.write_text(text.replace("What Acme's users see", "What Acme's users read"))
    await rig.faults({"drop": 1.0, "only": [CREATE]})
    first = await rig.run()
    assert first.report is not None
    [failure] = first.failed
    assert failure.startswith("umbrella/tenant/umbrella create")
    done = {str(r.key) for r in first.report.results if r.status.value == "succeeded"}
    assert "acme/space/Acme analytics" in done
    second = await rig.run()
    assert second.planned == 0
    assert list(second.blocked) == ["umbrella"]
    assert len(customer_tenants(await rig.state())) == 2


async def test_a_wrong_tenant_id_is_a_clear_error(tmp_path: Path) -> None:
    rig = acme_rig(tmp_path)
    set_tenant_id(rig, "TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69")
    unknown = await rig.run()
    assert unknown.planned == 0
    assert unknown.unreadable["acme"] == (
        "desired/tenants/acme.yaml: tenant.id TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69 names no tenant on "
        "register.eu.qlikcloud.com; correct the id (or remove it to create the tenant)"
    )
    path = rig.desired / "tenants" / "acme.yaml"
    path.write_text(path.read_text().replace(", id: TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69", ""))
    await rig.converge(max_rounds=3)
    [acme] = customer_tenants(await rig.state())
    set_tenant_id(rig, "TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69")
    other = await rig.run()
    assert other.planned == 0
    assert f"already answers as tenant {acme['id']}" in other.unreadable["acme"]
    path.write_text(path.read_text().replace("TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69", acme["id"]))
    assert (await rig.run()).converged  # naming the tenant it already is changes nothing


async def test_a_create_that_certainly_did_not_arrive_is_retried(tmp_path: Path) -> None:
    """A real 429 on the create: Qlik did not take it, so it is sent again; one tenant."""
    rig = acme_rig(tmp_path)
    await rig.faults({"once": {CREATE: "429"}})
    first = await rig.run()
    assert first.failed == []
    assert first.stats.rate_limited == 1
    assert len(customer_tenants(await rig.state())) == 1
    assert (await rig.run()).converged


async def test_two_machines_applying_at_once_create_one_tenant(tmp_path: Path) -> None:
    """Both planned the create; the control record lets only one of them send it."""
    rig = acme_rig(tmp_path)
    plans = [await rig.plan(), await rig.plan()]

    async def apply(planned: Planned) -> ApplyReport:
        async with rig.session() as session:
            return await apply_plan(
                planned, session, secrets=rig.secrets, artifacts=ArtifactReader(tmp_path)
            )

    reports = await asyncio.gather(*(apply(p) for p in plans))
    outcomes = sorted(
        r.status.value for report in reports for r in report.results if r.key.kind == "tenant"
    )
    assert outcomes == ["failed", "succeeded"]
    refused = next(r for rep in reports for r in rep.results if r.status.value == "failed")
    assert refused.reason.startswith("not creating tenant acme: ")
    assert len(customer_tenants(await rig.state())) == 1
    await rig.converge(max_rounds=3)
    assert len(customer_tenants(await rig.state())) == 1
