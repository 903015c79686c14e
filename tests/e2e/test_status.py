"""`qlikreconcile status`: the fleet at a glance (issue 12), read-only, with version skew."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from qlikreconcile.engine.status import FleetStatus
from qlikreconcile.reconcile.release import release_template
from qlikreconcile.reconcile.status import fleet_status
from qlikreconcile.render.status import (
    render_status_json,
    render_status_markdown,
    render_status_text,
)
from qlikreconcile.spec.fleet_loader import load_sources
from tests.cli.test_cli import run, workdir
from tests.e2e.harness import Harness, copy_desired

__all__ = ["workdir"]

ACME = "acme.eu.qlikcloud.com"


async def _status(harness: Harness) -> FleetStatus:
    planned = await harness.plan()
    return fleet_status(harness.fleet(), planned.plan, planned.actual, time.time())


async def _new_sales_release(harness: Harness) -> None:
    source, _, templates = load_sources(harness.desired)
    async with harness.session() as session:
        app_id = (await release_template(session, source, templates["sales"])).app_id
        client = session.client(source.hostname)
        current = await client.get_json(f"/api/v1/apps/{app_id}/scripts/current")
        await client.post_json(
            f"/api/v1/apps/{app_id}/scripts",
            {"script": current["script"] + "\n// v2\n", "versionMessage": "v2"},
        )
        assert (await release_template(session, source, templates["sales"])).release


async def test_status_shows_releases_reloads_schedules_and_the_skew(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    before = await _status(harness)
    assert {t.state for t in before.tenants} == {"changes pending"}
    assert before.releases["sales"] == {"none": 3}
    assert (await harness.apply()).ok

    synced = await _status(harness)
    assert {t.name: t.state for t in synced.tenants} == dict.fromkeys(
        ["acme", "globex", "initech"], "in sync"
    )
    assert {t.name: t.wave for t in synced.tenants} == {
        "acme": "canary",
        "initech": "early",
        "globex": "main",
    }
    acme = next(t for t in synced.tenants if t.name == "acme")
    inventory = next(a for a in acme.apps if a.template == "inventory")
    assert inventory.reload == "SUCCEEDED"
    assert inventory.schedule == "enabled"
    assert inventory.max_age_hours == 8
    assert inventory.data_age_hours is not None
    assert inventory.data_age_hours < 1
    assert synced.releases == {"inventory": {"1": 2}, "sales": {"1": 3}}

    await _new_sales_release(harness)
    pending = await _status(harness)
    rows = render_status_text(pending)
    assert "1 of 2 (upgrade pending)" in rows  # acme follows the newest release
    assert "1 of 2 (pinned)" in rows  # globex and initech pin sales@1
    assert (await harness.apply(force=True)).ok
    upgraded = await _status(harness)
    assert upgraded.releases["sales"] == {"1": 2, "2": 1}
    markdown = render_status_markdown(upgraded)
    assert "pie showData title sales: tenants per release" in markdown
    assert '    "release 1" : 2' in markdown
    assert '    "release 2" : 1' in markdown
    assert json.loads(render_status_json(upgraded))["releases"]["sales"] == {"1": 2, "2": 1}


async def test_a_disabled_schedule_shows_with_its_reason(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    state = await harness.admin("GET", "/_emulator/state")
    tenant = next(t for t in state["tenants"].values() if ACME in t["hostnames"])
    task = next(
        t for t in tenant["scheduling_tasks"].values() if "template=sales" in t["description"]
    )
    await harness.admin(
        "POST",
        f"/_emulator/tenants/{ACME}/scheduling-tasks/{task['id']}/disable",
        {"code": "CONSECUTIVE-FAILURES"},
    )
    acme = next(t for t in (await _status(harness)).tenants if t.name == "acme")
    sales = next(a for a in acme.apps if a.template == "sales")
    assert sales.schedule == "disabled"
    assert "disabled by Qlik (CONSECUTIVE-FAILURES)" in sales.drift
    assert acme.state == "changes pending"  # apply re-enables it


def test_status_on_the_command_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    code, out, err = run(capsys, "status")
    assert code == 0, out + err
    assert "Tenants: 3 in sync." in out
    code, out, err = run(capsys, "status", "-o", "json")
    assert code == 0, out + err
    document = json.loads(out)
    assert document["format"] == "qlikreconcile-status"
    assert [t["name"] for t in document["tenants"]] == ["acme", "globex", "initech"]
    code, out, err = run(capsys, "status", "-o", "markdown")
    assert code == 0, out + err
    assert "```mermaid" in out
