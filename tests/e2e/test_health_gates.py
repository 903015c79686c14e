"""Health gates: a reload whose data fails a template's checks never reaches customers.

The emulator derives each app's data model from its load script (quirk ``reloads.data_model``):
a WHERE that holds for no row loads 0 rows, so a tenant's `where:` variable decides whether its
data passes the example templates' checks (``table Orders has at least 1 row``...).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.report import ApplyReport, OpResult, Status
from tests.e2e.harness import Harness, copy_desired, edit

ACME = "acme.eu.qlikcloud.com"
WHERE = r'^  where: "WHERE customer_id = \{\{ customer_id \}\}"$'
EMPTY_WHERE = '  where: "WHERE customer_id = {{ customer_id }} AND 1 = 0"'


def result(report: ApplyReport, op_id: str) -> OpResult:
    return next(r for r in report.results if r.op_id == op_id)


async def test_failed_check_stops_the_republish_until_the_where_is_fixed(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    first = await harness.apply()
    assert first.ok
    passed = result(first, "acme/reload/sales:reload").checks
    assert [c.check for c in passed] == [
        "table Orders has at least 1 row",
        "table Customers has at least 1 row",
        "field CustomerID exists in table Orders",
    ]
    assert all(c.passed for c in passed)
    before = await harness.app_by_template(ACME, "sales", "published")

    tenant_file = harness.desired / "tenants" / "acme.yaml"
    edit(tenant_file, WHERE, EMPTY_WHERE)
    report = await harness.apply()
    assert not report.ok
    failed = result(report, "acme/reload/sales:reload")
    assert failed.status is Status.FAILED
    assert "so it is not published" in failed.reason
    assert "table Orders has at least 1 row: observed 0 rows" in failed.reason
    assert "table Customers has at least 1 row: observed 0 rows" in failed.reason
    by_check = {c.check: c for c in failed.checks}
    assert by_check["field CustomerID exists in table Orders"].passed
    assert by_check["table Orders has at least 1 row"].observed == "0 rows"
    skipped = result(report, "acme/published_app/sales:republish")
    assert skipped.status is Status.SKIPPED
    assert "acme/reload/sales:reload failed" in skipped.reason
    assert set(report.gate_failures()) == {"acme"}, "only acme's data failed its gate"
    as_json = report.to_dict()["results"]
    entry = next(r for r in as_json if r["id"] == "acme/reload/sales:reload")
    assert {"check": "table Orders has at least 1 row", "passed": False, "observed": "0 rows"} in (
        entry["checks"]
    )
    after = await harness.app_by_template(ACME, "sales", "published")
    for field in ("description", "publish_time", "data_model"):
        assert after[field] == before[field], f"customers' copy changed: {field}"

    # Not "converged": the build app's data still fails its gate, so it is reloaded again.
    planned = (await harness.plan()).plan
    ops = {op.id: op for op in planned.operations}
    again = ops["acme/reload/sales:reload"]
    assert again.drift
    assert "data check failed: table Orders has at least 1 row: observed 0 rows" in again.reason
    assert again.gates == tuple(c.check for c in passed)
    assert "acme/reload/sales:reload" in ops["acme/published_app/sales:republish"].depends_on
    assert not (await harness.apply()).ok

    edit(tenant_file, r"^  where: .*$", '  where: "WHERE customer_id = {{ customer_id }}"')
    fixed = await harness.apply()
    assert fixed.ok, [r.reason for r in fixed.results if r.status is not Status.SUCCEEDED]
    assert result(fixed, "acme/published_app/sales:republish").status is Status.SUCCEEDED
    assert (await harness.plan()).plan.matches


async def test_a_missing_field_blocks_the_first_publish(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    template = harness.desired / "templates" / "sales" / "template.yaml"
    edit(template, r"^  - \{field: CustomerID, table: Orders\}$", r"\g<0>\n  - {field: Region}")
    report = await harness.apply()
    failed = result(report, "acme/reload/sales:reload")
    assert failed.status is Status.FAILED
    assert "field Region exists: observed no field Region (fields: CustomerID," in failed.reason
    assert result(report, "acme/published_app/sales:publish").status is Status.SKIPPED
    assert result(report, "acme/reload_task/sales:create").status is Status.SKIPPED
    assert report.halted, "the canary's failed gate halts the rollout"
    state = await harness.admin("GET", "/_emulator/state")
    published = [
        app["name"]
        for tenant in state["tenants"].values()
        for app in tenant["apps"].values()
        if "published template=sales" in (app.get("description") or "")
    ]
    assert published == [], "no customer sees data that failed its gate"
    plan = (await harness.plan()).plan
    actions = {op.id: op.action for op in plan.operations if op.key.tenant == "acme"}
    assert actions["acme/reload/sales:reload"] is Action.RELOAD
    assert actions["acme/published_app/sales:publish"] is Action.PUBLISH


async def _judged(harness: Harness) -> list[tuple[str, str]]:
    """The apps whose data model the plan since the last call read (host, app id)."""
    log = (await harness.admin("GET", "/_emulator/requests"))["data"]
    await harness.admin("DELETE", "/_emulator/requests")
    suffix = "/data/metadata"
    return sorted((r["host"], r["path"].split("/")[4]) for r in log if r["path"].endswith(suffix))


async def test_a_reload_whose_data_passed_is_not_judged_again_any_other_is(
    tmp_path: Path,
) -> None:
    """The gate note: apply notes the reload that passed; a plan reads the data model only of
    a reload made since (in the tenant) or when the checks changed."""
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    build = await harness.app_by_template(ACME, "sales", "build")
    assert "[qlikreconcile gate: reload=" in build["description"]
    await harness.admin("DELETE", "/_emulator/requests")
    assert (await harness.plan()).plan.matches
    assert await _judged(harness) == []

    # Someone reloads the build app in the tenant after emptying its data: judged, and failed.
    async with harness.session() as session:
        client = session.client(ACME)
        path = f"/api/v1/apps/{build['id']}/scripts"
        script = (await client.get_json(f"{path}/current"))["script"]
        emptied = re.sub(r"(WHERE customer_id = \d+)", r"\1 AND 1 = 0", script)
        assert emptied != script
        await client.post_json(path, {"script": emptied, "versionMessage": "by hand"})
        reload = await client.post_json("/api/v1/reloads", {"appId": build["id"]})
        for _ in range(200):
            answer = await client.get_json(f"/api/v1/reloads/{reload['id']}")
            if answer["status"] == "SUCCEEDED":
                break
            await asyncio.sleep(0.01)
    await harness.admin("DELETE", "/_emulator/requests")
    ops = {op.id: op for op in (await harness.plan()).plan.operations}
    assert "data check failed" in ops["acme/reload/sales:reload"].reason
    assert await _judged(harness) == [(ACME, build["id"])]
    assert (await harness.apply()).ok  # the script set again, reloaded, judged and noted
    await harness.admin("DELETE", "/_emulator/requests")
    assert (await harness.plan()).plan.matches
    assert await _judged(harness) == []

    # Other checks: no note names them, so every sales build app is judged again.
    template = harness.desired / "templates" / "sales" / "template.yaml"
    edit(
        template, r"\{table: Orders, min_rows: 1\}", "{table: Orders, min_rows: 1, max_rows: 10000}"
    )
    await harness.plan()
    judged = await _judged(harness)
    assert len(judged) == 3
    assert (ACME, build["id"]) in judged
