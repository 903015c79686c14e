"""``import`` against tenants deployed the tutorial way: files that validate and describe them,
a report of what they cannot express, read-only, and no secret anywhere."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from qlikreconcile.reconcile.importing import (
    ADOPT_UNMARKED_KEY,
    ImportReport,
    import_targets,
    import_tenants,
)
from qlikreconcile.reconcile.importing.files import MODELINE
from qlikreconcile.spec.desired_state import SecretRef
from qlikreconcile.spec.fleet_loader import load_fleet
from tests.e2e.harness import Harness, copy_desired
from tests.reconcile.importing.fleet import (
    DAILY,
    FLEET,
    PASSWORDS,
    SIX_HOURLY,
    read_yaml,
)
from tests.reconcile.importing.tutorial import Tutorial, render_script


@pytest.fixture
def desired(tmp_path: Path) -> Path:
    desired = copy_desired(tmp_path)
    shutil.rmtree(desired / "tenants")
    return desired


async def _deployed(desired: Path) -> Harness:
    harness = Harness(desired)
    tutorial = Tutorial(harness, desired)
    for tenant in FLEET:
        await tutorial.deploy(tenant)
    await _by_hand(tutorial, FLEET[4].host)
    return harness


async def _by_hand(tutorial: Tutorial, host: str) -> None:
    """What people add that the spec cannot express: a user's role, a personal app."""
    async with await tutorial.client(host) as qlik:
        me = await qlik.get("/api/v1/users/me", follow_redirects=True)
        spaces = (await qlik.get("/api/v1/spaces")).json()["data"]
        build = next(s for s in spaces if s["type"] == "shared")
        body = {"type": "user", "assigneeId": me.json()["id"], "roles": ["producer"]}
        assert (await qlik.post(f"/api/v1/spaces/{build['id']}/assignments", json=body)).is_success
        personal = {"attributes": {"name": "My scratch app"}}
        assert (await qlik.post("/api/v1/apps", json=personal)).is_success


async def _import(harness: Harness, desired: Path, *, overwrite: bool = False) -> ImportReport:
    fleet_templates = load_fleet_templates(desired)
    targets = import_targets([t.host for t in FLEET], [])
    async with harness.session() as session:
        return await import_tenants(
            session, targets, templates=fleet_templates, desired=desired, overwrite=overwrite
        )


def load_fleet_templates(desired: Path) -> dict[str, object]:
    from qlikreconcile.reconcile.fleet import load_sources

    return dict(load_sources(desired)[2])


async def test_imported_files_validate_and_describe_what_the_tutorial_deployed(
    desired: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness = await _deployed(desired)
    await harness.admin("DELETE", "/_emulator/requests")

    report = await _import(harness, desired)

    assert report.ok, report
    log = (await harness.admin("GET", "/_emulator/requests"))["data"]
    writes = [(r["method"], r["path"]) for r in log if r["method"] != "GET"]
    assert {path for _, path in writes} <= {"/oauth/token"}, writes
    assert sum(r["method"] == "GET" for r in log) > 5 * len(FLEET)

    for tenant in FLEET:
        text = (desired / "tenants" / f"{tenant.name}.yaml").read_text(encoding="utf-8")
        assert text.startswith(MODELINE + "\n")
        assert read_yaml(desired / "tenants" / f"{tenant.name}.yaml")[ADOPT_UNMARKED_KEY] is True
    fleet = load_fleet(desired)
    tenants = {t.name: t for t in fleet.tenants}
    assert set(tenants) == {t.name for t in FLEET}

    acme = tenants["acme"]
    written = read_yaml(desired / "tenants" / "acme.yaml")["variables"]
    assert (written["where"], written["connection"]) == ("WHERE customer_id = 4711", "acme_pg")
    (sales,) = acme.apps
    assert (sales.template, sales.release, sales.pinned) == ("sales", 1, True)
    assert (sales.space, sales.publish_to) == ("Acme build", "Acme analytics")
    assert (sales.reload.schedule, sales.reload.timezone) == (DAILY, "UTC")
    deployed = render_script(
        desired / "templates" / "sales", FLEET[0], "Sales Analytics", FLEET[0].apps[0]
    )
    assert sales.script == deployed, "the spec renders exactly the script the tenant runs"
    (conn,) = [c for c in acme.connections if c.name == "acme_pg"]
    assert (conn.space, conn.type) == ("Acme build", "postgres")
    assert conn.password == SecretRef(env="ACME_PG_PASSWORD")
    analytics = next(s for s in acme.spaces if s.name == "Acme analytics")
    assert analytics.type == "managed"
    assert {(m.group, m.roles) for m in analytics.members} == {
        ("acme-viewers", ("consumer",)),
        ("acme-analysts", ("consumer", "contributor")),
    }

    initech = tenants["initech"].apps[0]
    assert (initech.name, initech.template, initech.reload.schedule) == (
        "Initech Sales",
        "sales",
        None,
    ), "no schedule in the tenant: the fleet's default schedule is switched off"
    globex = {a.template: a for a in tenants["globex"].apps}
    assert globex["inventory"].reload.schedule == SIX_HOURLY
    assert globex["inventory"].reload.timezone == "America/New_York"
    assert read_yaml(desired / "tenants" / "globex.yaml")["variables"]["where"] == ""

    by_name = {t.name: t for t in report.tenants}
    evidence = " ".join(by_name["acme"].apps[0].evidence)
    assert "load script is template sales's" in evidence
    assert "originAppId" in evidence
    umbrella = by_name["umbrella"]
    assert umbrella.apps[0].template == "sales"
    assert not umbrella.apps[0].script_matches
    assert any("no values of the template's variables reproduce" in n for n in umbrella.notes)
    hooli = " ".join(by_name["hooli"].notes)
    assert "app 'Hooli board' in 'Hooli build' matches no template" in hooli
    assert "a user assignment" in hooli
    assert "app 'My scratch app' is a personal app" in hooli
    assert all(any("write-only" in n for n in t.notes) for t in report.tenants)

    outputs = [
        json.dumps(report.as_dict()),
        caplog.text,
        *(p.read_text(encoding="utf-8") for p in (desired / "tenants").glob("*.yaml")),
    ]
    for password in PASSWORDS:
        assert all(password not in text for text in outputs)


async def test_existing_files_are_kept_unless_overwrite(desired: Path) -> None:
    harness = await _deployed(desired)
    (desired / "tenants").mkdir()
    kept = desired / "tenants" / "acme.yaml"
    kept.write_text("# mine\n", encoding="utf-8")

    report = await _import(harness, desired)

    acme = next(t for t in report.tenants if t.name == "acme")
    assert not acme.written
    assert acme.error is not None
    assert "--overwrite" in acme.error
    assert kept.read_text(encoding="utf-8") == "# mine\n"
    assert sum(t.written for t in report.tenants) == len(FLEET) - 1

    again = await _import(harness, desired, overwrite=True)
    assert again.ok
    assert kept.read_text(encoding="utf-8").startswith(MODELINE)


async def test_a_link_leading_out_of_the_folder_is_never_written_through(
    desired: Path, tmp_path: Path
) -> None:
    harness = await _deployed(desired)
    (desired / "tenants").mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_text("x\n", encoding="utf-8")
    (desired / "tenants" / "acme.yaml").symlink_to(outside)

    report = await _import(harness, desired, overwrite=True)

    acme = next(t for t in report.tenants if t.name == "acme")
    assert acme.error is not None
    assert "link" in acme.error
    assert outside.read_text(encoding="utf-8") == "x\n"
