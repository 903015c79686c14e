"""A reload that fails outside its script is retried within the apply; a script error is not.

The emulator's injected reload failures are engine failures (quirk
``reloads.transient_failure``); a script naming a connection the tenant lacks fails like Qlik
does, with "The following error occurred" in its log. The fleet's retry pause is cut to 1 s.
"""

from __future__ import annotations

from pathlib import Path

from qlikreconcile.engine.report import ApplyReport, OpResult, Status
from tests.e2e.harness import Harness, copy_desired, edit

ACME = "acme.eu.qlikcloud.com"


def result(report: ApplyReport, op_id: str) -> OpResult:
    return next(r for r in report.results if r.op_id == op_id)


async def converged(tmp_path: Path, retries: int = 2) -> tuple[Harness, str]:
    desired = copy_desired(tmp_path)
    edit(
        desired / "fleet.yaml",
        r"^    max_age: 26h$",
        f"    max_age: 26h\n    retries: {retries}\n    retry_delay: 1s",
    )
    harness = Harness(desired)
    assert (await harness.apply()).ok
    build = await harness.app_by_template(ACME, "sales", "build")
    return harness, str(build["id"])


async def reloads_of(harness: Harness, app_id: str) -> list[dict[str, object]]:
    state = await harness.admin("GET", "/_emulator/state")
    tenant = next(t for t in state["tenants"].values() if ACME in t["hostnames"])
    return [r for r in tenant["reloads"].values() if r["app_id"] == app_id]


def change_acme_script(harness: Harness) -> None:
    edit(harness.desired / "tenants" / "acme.yaml", r"^  customer_id: 4711$", "  customer_id: 4712")


async def test_transient_failures_are_retried_within_the_apply(tmp_path: Path) -> None:
    harness, build = await converged(tmp_path)
    before = len(await reloads_of(harness, build))
    await harness.admin("POST", "/_emulator/faults", {"reload_fail_times": {build: 2}})
    change_acme_script(harness)
    report = await harness.apply()
    assert report.ok, [r.reason for r in report.results if r.status is not Status.SUCCEEDED]
    reload = result(report, "acme/reload/sales:reload")
    assert reload.detail is not None
    assert reload.detail.endswith("SUCCEEDED after 2 retries")
    assert len(await reloads_of(harness, build)) == before + 3
    assert result(report, "acme/published_app/sales:republish").status is Status.SUCCEEDED


async def test_retries_are_bounded(tmp_path: Path) -> None:
    harness, build = await converged(tmp_path, retries=1)
    before = len(await reloads_of(harness, build))
    await harness.admin("POST", "/_emulator/faults", {"reload_fail_apps": [build]})
    change_acme_script(harness)
    report = await harness.apply()
    failed = result(report, "acme/reload/sales:reload")
    assert failed.status is Status.FAILED
    assert "FAILED outside its script, after 1 retries" in failed.reason
    assert failed.detail == "failed to complete reload: unexpected EOF"
    assert len(await reloads_of(harness, build)) == before + 2
    assert result(report, "acme/published_app/sales:republish").status is Status.SKIPPED


async def test_a_script_error_is_not_retried(tmp_path: Path) -> None:
    harness, build = await converged(tmp_path)
    before = len(await reloads_of(harness, build))
    edit(
        harness.desired / "tenants" / "acme.yaml",
        r"^  customer_id: 4711$",
        "  customer_id: 4711\n  connection: nowhere",
    )
    report = await harness.apply()
    failed = result(report, "acme/reload/sales:reload")
    assert failed.status is Status.FAILED
    assert "retr" not in failed.reason
    assert failed.detail is not None
    assert "The following error occurred: Connection not found: 'Acme build:nowhere'" in (
        failed.detail
    )
    assert len(await reloads_of(harness, build)) == before + 1
