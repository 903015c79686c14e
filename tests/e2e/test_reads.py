"""What a no-change plan reads per tenant: few requests, tenant-wide lists, and the same plan
when Qlik refuses the tenant-wide reloads list (a client that is no tenant admin)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from qlikreconcile.emulator import EmulatorConfig
from qlikreconcile.emulator.quirks import Quirks
from tests.e2e.harness import Harness, copy_desired

SOURCE = "vendor-source.eu.qlikcloud.com"


async def _no_change_reads(harness: Harness) -> Counter[tuple[str, str, bool]]:
    assert (await harness.apply()).ok
    await harness.admin("DELETE", "/_emulator/requests")
    assert (await harness.plan()).plan.empty
    log = (await harness.admin("GET", "/_emulator/requests"))["data"]
    return Counter(
        (r["host"], r["path"], "appId=" in r["query"]) for r in log if r["host"] != SOURCE
    )


async def test_a_no_change_plan_reads_each_tenant_with_tenant_wide_lists(tmp_path: Path) -> None:
    reads = await _no_change_reads(Harness(copy_desired(tmp_path)))
    # Once per tenant: the token, the spaces, the tenant, and each tenant-wide list; per build app
    # only its script history; per group the spec names one lookup, per space its assignments.
    once = [
        "/oauth/token",
        "/api/v1/spaces",
        "/api/v1/data-connections",
        "/api/v1/items",
        "/api/scheduling/tasks",
        "/api/v1/reloads",
    ]
    for host in {host for host, _, _ in reads}:
        assert [reads[(host, path, False)] for path in once] == [1] * len(once), host
        assert sum(n for (h, p, _), n in reads.items() if h == host and p.endswith("/scripts")) <= 2
    assert not any(by_app for _, path, by_app in reads if path == "/api/v1/reloads")
    assert not any(path == "/api/v1/tenants/me" for _, path, _ in reads)
    assert not any(path.endswith("/scripts/current") for _, path, _ in reads)


async def test_a_client_that_may_not_list_all_reloads_asks_per_app(tmp_path: Path) -> None:
    config = EmulatorConfig(
        reload_queue_seconds=0.01,
        reload_run_seconds=0.02,
        quirks=Quirks(reloads_list_needs_app_id=True),
    )
    reads = await _no_change_reads(Harness(copy_desired(tmp_path), config=config))
    assert any(by_app for _, path, by_app in reads if path == "/api/v1/reloads")
