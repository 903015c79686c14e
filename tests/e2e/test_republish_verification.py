"""After a republish the published app is read back and customers' sheets are counted again
(issue 10, item 5): the same copy, linked to the build app, and not one sheet fewer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from qlikreconcile.emulator.quirks import Quirks
from qlikreconcile.engine.report import Status
from qlikreconcile.qlik.resources import published_key
from tests.e2e.harness import Harness, copy_desired, edit, fast_config

ACME = "acme.eu.qlikcloud.com"


async def _change_and_share(harness: Harness) -> str:
    published = await harness.app_by_template(ACME, "sales", "published")
    await harness.admin(
        "POST",
        f"/_emulator/tenants/{ACME}/apps/{published['id']}/sheets",
        {"title": "Acme's forecast", "type": "community", "group": "acme-analysts"},
    )
    edit(harness.desired / "tenants" / "acme.yaml", r"customer_id: 4711", "customer_id: 4712")
    return str(published["id"])


async def test_a_republish_that_keeps_customers_sheets_succeeds(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    published = await _change_and_share(harness)
    report = await harness.apply()
    assert report.ok
    (republish,) = [r for r in report.results if r.key == published_key("acme", "sales")]
    assert republish.status is Status.SUCCEEDED
    assert republish.detail is None
    log = await harness.admin("GET", "/_emulator/requests")
    sockets = [r for r in log["data"] if r["path"] == f"/app/{published}"]
    assert [r["status"] for r in sockets] == [101, 101], "counted before and after"


async def test_a_republish_that_drops_customers_sheets_fails_loudly(tmp_path: Path) -> None:
    config = replace(fast_config(), quirks=Quirks(republish_keeps_user_sheets=False))
    harness = Harness(copy_desired(tmp_path), config=config)
    assert (await harness.apply()).ok
    published = await _change_and_share(harness)
    report = await harness.apply()
    assert not report.ok
    (republish,) = [r for r in report.results if r.key == published_key("acme", "sales")]
    assert republish.status is Status.FAILED
    assert f"customers' sheets dropped in {published} after the republish" in republish.reason
    assert "before 1 community" in republish.reason
    assert "after 0 community" in republish.reason
