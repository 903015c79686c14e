"""Every non-idempotent create survives a lost answer: adopted when made, sent again when not.

The emulator faults exactly one create (``once``) during the first apply of the demo fleet; the
run must still succeed, nothing may exist twice, and the next plan must be empty.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.robustness.invariants import duplicates, missing
from tests.robustness.rig import Rig

REPO = Path(__file__).resolve().parents[2]
SECRETS = {
    "VENDOR_DW_PASSWORD": "vendor-dw-pw",
    "GLOBEX_PG_PASSWORD": "globex-pg-pw",
    "QLIKRECONCILE_FINGERPRINT_KEY": "test-fingerprint-key-5b1e0c",
}

# Tenant creation is never sent twice nor settled by a lookup: test_tenant_create.py covers it.
CREATES = [
    "POST /api/v1/spaces",
    "POST /api/v1/groups",
    "POST /api/v1/spaces/{id}/assignments",
    "POST /api/v1/data-connections",
    "POST /api/v1/apps/import",
    "POST /api/v1/apps/{id}/publish",
    "POST /api/v1/reloads",
    "POST /api/scheduling/tasks/resources/{id}/actions/reload/on-time-schedule",
]


def demo_rig(tmp_path: Path, **options: object) -> Rig:
    desired = tmp_path / "desired"
    shutil.copytree(REPO / "desired", desired)
    return Rig(desired, secrets=SECRETS, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("call", CREATES)
@pytest.mark.parametrize("fault", ["drop", "500-after"])
async def test_lost_answer_is_adopted(tmp_path: Path, call: str, fault: str) -> None:
    rig = demo_rig(tmp_path)
    await rig.faults({"once": {call: fault}})
    first = await rig.run()
    assert first.failed == []
    assert first.stats.adopted == 1
    state = await rig.state()
    assert duplicates(state) == []
    assert missing(state, rig.fleet()) == []
    assert (await rig.run()).converged


@pytest.mark.parametrize("call", CREATES)
@pytest.mark.parametrize("fault", ["500-before", "reset"])
async def test_create_not_made_is_sent_again(tmp_path: Path, call: str, fault: str) -> None:
    rig = demo_rig(tmp_path)
    await rig.faults({"once": {call: fault}})
    first = await rig.run()
    assert first.failed == []
    assert first.stats.adopted == 0
    assert duplicates(await rig.state()) == []
    assert (await rig.run()).converged


async def test_pending_reload_is_joined_under_faults(tmp_path: Path) -> None:
    """A reload already running when apply wants one: the 429 'pending' answer is waited out."""
    rig = demo_rig(tmp_path)
    await rig.converge(max_rounds=2)
    await rig.faults({"slow-reload": "60s"})
    state = await rig.state()
    acme = next(t for t in state["tenants"].values() if "acme.eu.qlikcloud.com" in t["hostnames"])
    build = next(
        a for a in acme["apps"].values() if "build template=sales" in (a["description"] or "")
    )
    async with rig.session() as session:
        client = session.client("acme.eu.qlikcloud.com")
        running = await client.post_json("/api/v1/reloads", {"appId": build["id"]})
    faults = {"slow-reload": "60s", "500": 0.05, "drop": 0.05, "reset": 0.05, "seed": 3}
    await rig.faults(faults)
    tenant_file = rig.desired / "tenants" / "acme.yaml"
    tenant_file.write_text(tenant_file.read_text().replace("4711", "4712"))
    result = await rig.run()
    assert result.report is not None
    joined = [r for r in result.report.results if str(r.key) == "acme/reload/sales" and r.detail]
    assert joined, result.failed
    assert f"reload {running['id']} SUCCEEDED" in str(joined[0].detail)
    await rig.faults({})
    await rig.converge(max_rounds=3)
    assert duplicates(await rig.state()) == []
