"""qlik-api-version on every request, and each deprecation Qlik announces shown once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from qlikreconcile.qlik.versions import DEFAULT_API_VERSION, DeprecationLog, endpoint
from qlikreconcile.render.document import render_json
from qlikreconcile.render.markdown import render_markdown
from qlikreconcile.render.text import render_plan
from tests.e2e.harness import SECRETS, Harness, copy_desired, edit
from tests.emulator.served import served_emulator

ACME = "acme.eu.qlikcloud.com"
LEGACY = "Qlik deprecates GET /api/v1/reload-tasks"


def test_deprecation_headers_in_both_forms() -> None:
    log = DeprecationLog()
    log.note(
        "get",
        "/api/v1/reload-tasks/0123456789abcdef01234567",
        {
            "deprecation": "@1782432000",
            "sunset": "Tue, 29 Sep 2026 00:00:00 GMT",
            "link": '<https://qlik.dev/changelog/231>; rel="deprecation"',
        },
    )
    log.note("GET", "/api/v1/reload-tasks/fedcba9876543210fedcba98", {"deprecation": "true"})
    log.note("DELETE", "/api/v1/things", {"deprecation": "true"})
    assert log.warnings() == (
        "Qlik deprecates GET /api/v1/reload-tasks/{id} (since 2026-06-26); it is removed on or "
        "after Tue, 29 Sep 2026 00:00:00 GMT; see https://qlik.dev/changelog/231",
        "Qlik deprecates DELETE /api/v1/things",
    )
    assert endpoint("GET", "/api/v1/spaces/abc") == "GET /api/v1/spaces/abc"


async def _requests(harness: Harness) -> list[dict[str, Any]]:
    return list((await harness.admin("GET", "/_emulator/requests"))["data"])


async def test_every_request_carries_the_pinned_version(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    log = await _requests(harness)
    assert log
    assert {r["api_version"] for r in log} == {DEFAULT_API_VERSION}
    assert any(r["path"] == "/oauth/token" for r in log)


async def test_a_deprecation_is_shown_once_in_every_format(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    # Legacy reload tasks make discovery read the deprecated Reload Tasks API, per tenant.
    state = await harness.admin("GET", "/_emulator/state")
    for tenant in state["tenants"].values():
        for app in tenant["apps"].values():
            if "[managed by qlikreconcile: published" not in (app.get("description") or ""):
                continue
            for task in tenant["scheduling_tasks"].values():
                if task["app_id"] == app["id"]:
                    host = tenant["hostnames"][-1]
                    async with harness.session() as session:
                        path = f"/api/scheduling/tasks/{task['id']}"
                        await session.client(host).request("DELETE", path)
            body = {"appId": app["id"], "recurrence": ["RRULE:FREQ=DAILY"]}
            path = f"/_emulator/tenants/{tenant['hostnames'][-1]}/legacy-reload-tasks"
            await harness.admin("POST", path, body)
    plan = (await harness.plan()).plan
    legacy_reads = [r for r in await _requests(harness) if r["path"] == "/api/v1/reload-tasks"]
    assert len(legacy_reads) > 1
    for text in (render_plan(plan), render_markdown(plan), render_json(plan)):
        assert text.count(LEGACY) == 1, text
    assert "2026-09-29" in render_plan(plan) or "29 Sep 2026" in render_plan(plan)
    report = await harness.apply(force=True)  # every tenant's schedule moves: fleet-wide
    assert report.ok
    assert not any(LEGACY in w for w in report.warnings)  # already shown with the plan


async def test_latest_gets_no_deprecation_headers(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    transport = httpx.ASGITransport(app=harness.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://x") as client:
        for version, expected in (("latest", False), ("2026-11", True), (None, True)):
            headers = {"qlik-api-version": version} if version else {}
            r = await client.get("/api/v1/reload-tasks", headers=headers)
            assert ("deprecation" in r.headers) is expected, version
            assert r.status_code == 401  # deprecation headers come with any answer


@pytest.mark.http
def test_the_fleet_yaml_version_is_sent_over_http(
    tmp_path: Path,
) -> None:
    desired = copy_desired(tmp_path)
    edit(
        desired / "fleet.yaml",
        r"^  default: emulator$",
        '  default: emulator\n  api_version: "2026-08"',
    )
    env = {**SECRETS, "NO_COLOR": "1"}
    with served_emulator() as port:
        url = f"http://127.0.0.1:{port}"
        done = subprocess.run(
            [sys.executable, "-m", "qlikreconcile", "plan", "-d", str(desired), "--target", url],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        log = httpx.get(f"{url}/_emulator/requests", timeout=10).json()["data"]
    assert log
    assert {r["api_version"] for r in log} == {"2026-08"}


def test_a_malformed_version_fails_validate(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    edit(
        desired / "fleet.yaml",
        r"^  default: emulator$",
        '  default: emulator\n  api_version: "2026-07"',
    )
    done = subprocess.run(
        [sys.executable, "-m", "qlikreconcile", "validate", "-d", str(desired)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "fleet.yaml:" in done.stdout + done.stderr
    assert "api_version '2026-07' is not a Qlik API release" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
