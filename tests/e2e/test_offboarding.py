"""Offboarding a customer from git (issue 12): decommission deactivates the tenant, every plan
shows the purge date, and removing the block before then reactivates it with its content."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from qlikreconcile.engine.keys import Action
from qlikreconcile.errors import SpecError
from qlikreconcile.spec.fleet_loader import load_fleet
from tests.e2e.harness import Harness, copy_desired

INITECH = "initech.eu.qlikcloud.com"
BLOCK = f"\ndecommission:\n  confirm_hostname: {INITECH}\n  purge_after_days: 30\n"


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


async def _status(harness: Harness) -> str:
    state = await harness.admin("GET", "/_emulator/state")
    tenant = next(t for t in state["tenants"].values() if INITECH in t["hostnames"])
    return str(tenant["status"])


async def test_decommission_deactivates_and_removing_it_reactivates(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    tenant_file = desired / "tenants" / "initech.yaml"
    original = tenant_file.read_text(encoding="utf-8")
    _append(tenant_file, BLOCK)

    plan = (await harness.plan()).plan
    (op,) = plan.for_tenant("initech")
    assert op.action is Action.DEACTIVATE
    assert "Qlik purges it 30 days later" in op.reason
    assert not [d for d in plan.divergences if d.startswith("initech")]
    assert (await harness.apply()).ok
    assert await _status(harness) == "disabled"

    after = (await harness.plan()).plan
    assert not after.for_tenant("initech")
    (note,) = [w for w in after.warnings if w.startswith("initech:")]
    assert "deactivated" in note
    assert "Qlik purges it on 20" in note

    tenant_file.write_text(original, encoding="utf-8")  # the customer stays after all
    back = (await harness.plan()).plan
    (reactivate,) = back.for_tenant("initech")
    assert reactivate.action is Action.UPDATE
    assert [c.path for c in reactivate.changes] == ["status"]
    assert (await harness.apply()).ok
    assert await _status(harness) == "active"
    settled = (await harness.plan()).plan
    assert settled.empty, [op.id for op in settled.operations]
    assert settled.matches


def test_the_hostname_must_be_confirmed(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    _append(
        desired / "tenants" / "initech.yaml",
        "\ndecommission:\n  confirm_hostname: acme.eu.qlikcloud.com\n",
    )
    with pytest.raises(SpecError) as refused:
        load_fleet(desired)
    assert "not this tenant's host name" in str(refused.value)
    assert f"write confirm_hostname: {INITECH}" in str(refused.value)


async def test_published_apps_are_archived_before_the_deactivation(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    _append(desired / "tenants" / "initech.yaml", BLOCK + "  export_to: archive/initech\n")

    (op,) = (await harness.plan()).plan.for_tenant("initech")
    assert op.action is Action.DEACTIVATE
    assert "export its published apps without data to archive/initech/, then deactivate" in (
        op.reason
    )
    report = await harness.apply()
    assert report.ok
    assert "exported 1 published app(s) to archive/initech" in report.results[0].detail
    assert await _status(harness) == "disabled"

    folder = tmp_path / "archive" / "initech"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tenant_host"] == INITECH
    assert manifest["without_data"] is True
    (app,) = manifest["apps"]
    assert app["space"] == "Initech analytics"
    data = (folder / app["file"]).read_bytes()
    assert len(data) == app["size"]
    assert hashlib.sha256(data).hexdigest() == app["sha256"]
    assert app["file"].endswith(f"({app['app_id']}).qvf")


async def test_a_failed_export_leaves_the_tenant_active(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    _append(desired / "tenants" / "initech.yaml", BLOCK + "  export_to: archive/initech\n")
    faults = {"500": 1.0, "only": ["POST /api/v1/apps/{id}/export"]}
    await harness.admin("POST", "/_emulator/faults", faults)
    report = await harness.apply()
    assert not report.ok
    assert await _status(harness) == "active"
    assert not (tmp_path / "archive" / "initech" / "manifest.json").exists()


@pytest.mark.parametrize("folder", ["../outside", "/tmp/archive", "C:/archive", " "])
def test_the_export_folder_stays_inside_the_repository(tmp_path: Path, folder: str) -> None:
    desired = copy_desired(tmp_path)
    _append(desired / "tenants" / "initech.yaml", BLOCK + f"  export_to: '{folder}'\n")
    with pytest.raises(SpecError) as refused:
        load_fleet(desired)
    text = str(refused.value)
    assert "initech.yaml:" in text
    assert "decommission.export_to" in text
    assert "write a relative path without '..'" in text
