"""Benchmark: plan a large fleet against the in-process emulator.

Generates N customer tenants from the example fleet, applies them once, then plans again
(nothing to do) several times and prints: wall time per plan (median), API calls per tenant,
and peak memory. The emulator runs in the same process, so the figures include its own work:
they are an upper bound on qlikreconcile's CPU cost, not a Qlik Cloud latency figure.

    .venv/bin/python bench/plan_fleet.py --tenants 1000 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import fleetgen
import httpx
from pydantic import SecretStr

from qlikreconcile.emulator import EmulatorConfig, create_app
from qlikreconcile.qlik.auth import Credentials
from qlikreconcile.qlik.kinds.base import ReloadPolling
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.transport import asgi_transport
from qlikreconcile.reconcile.service import ArtifactReader, apply_plan, plan_fleet
from qlikreconcile.spec.fleet_loader import load_fleet


def make_fleet(root: Path, tenants: int) -> Path:
    desired = root / "desired"
    fleetgen.write_fleet(desired, tenants)
    return desired


async def main(tenants: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        desired = make_fleet(Path(tmp), tenants)
        fleet = load_fleet(desired)
        load_seconds = time.perf_counter() - started
        config = EmulatorConfig(reload_queue_seconds=0.0, reload_run_seconds=0.0)
        app = create_app(config=config)
        creds = Credentials(config.client_id, SecretStr(config.client_secret))
        environ = {
            "VENDOR_DW_PASSWORD": "bench",
            "QLIKRECONCILE_FINGERPRINT_KEY": "bench-key-0123456789",
        }
        secrets = {k: SecretStr(v) for k, v in environ.items()}

        def session() -> QlikSession:
            return QlikSession(credentials=creds, transport=asgi_transport(app))

        started = time.perf_counter()
        async with session() as s:
            planned = await plan_fleet(fleet, s, target="bench", environ=environ)
            report = await apply_plan(
                planned,
                s,
                secrets=secrets,
                artifacts=ArtifactReader(desired.parent),
                polling=ReloadPolling(first=0.0, factor=1.0, cap=0.0),
                global_limit=64,
            )
        assert report.ok, report.counts()
        apply_seconds = time.perf_counter() - started

        admin = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x")
        timings, calls = [], 0
        for _ in range(runs):
            await admin.delete("/_emulator/requests")
            started = time.perf_counter()
            async with session() as s:
                again = await plan_fleet(fleet, s, target="bench", environ=environ)
            timings.append(time.perf_counter() - started)
            assert again.plan.empty, again.plan.summary()
            calls = (await admin.get("/_emulator/requests")).json()["count"]
        tracemalloc.start()  # a separate run: tracing slows Python down several times
        async with session() as s:
            await plan_fleet(fleet, s, target="bench", environ=environ)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        await admin.aclose()
        print(f"tenants                 {tenants}")
        print(f"spec load + validate    {load_seconds:.2f} s")
        print(f"first apply             {apply_seconds:.1f} s ({len(planned.plan.operations)} ops)")
        print(f"plan (no changes)       median {statistics.median(timings):.2f} s of {runs} runs")
        print(f"API calls per plan      {calls} ({calls / tenants:.1f} per tenant)")
        print(f"peak traced memory      {peak / 2**20:.0f} MiB (plan runs, emulator included)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.tenants, args.runs))
