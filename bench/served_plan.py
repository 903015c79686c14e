"""Benchmark: a no-change ``qlikreconcile plan`` against a served emulator with injected latency.

The emulator runs in another process (``qlikreconcile emulator serve``), every request delayed by
``--latency`` ms. The bench generates N tenants x 2 apps, converges them once (without latency),
then runs ``qlikreconcile plan`` as a subprocess ``--runs`` times and prints the medians of:

* wall time of the whole command (start-up, spec load, reads, plan);
* requests per tenant (the emulator's request log, tokens included);
* client CPU seconds (user + sys of the plan process, from ``wait4``) and per request;
* peak RSS of the plan process (its own: see :data:`LAUNCHER`);

and, in the same run, a tutorial-style sequential check of the fleet: one request at a time with
a plain ``httpx.Client``, the reads a hand-written script makes per tenant. It is timed on
``--baseline-tenants`` tenants and scaled to the fleet (it is latency-bound, so linear); the
ratio is that figure over the plan's wall time.

    .venv/bin/python bench/served_plan.py --tenants 100            # about a minute
    .venv/bin/python bench/served_plan.py --tenants 1000 --runs 3  # several minutes
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fleetgen
import httpx
from pydantic import SecretStr

from qlikreconcile.emulator import EmulatorConfig
from qlikreconcile.qlik.auth import Credentials
from qlikreconcile.qlik.kinds.base import ReloadPolling
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.transport import LoopbackTransport
from qlikreconcile.reconcile.service import ArtifactReader, apply_plan, plan_fleet
from qlikreconcile.spec.fleet_loader import load_fleet

ENVIRON = {
    "VENDOR_DW_PASSWORD": "bench",
    "QLIKRECONCILE_FINGERPRINT_KEY": "bench-key-0123456789",
}
CONFIG = EmulatorConfig()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served_emulator(log: Path) -> Iterator[str]:
    """``qlikreconcile emulator serve`` in another process (in memory, no state file)."""
    port = free_port()
    command = [sys.executable, "-m", "qlikreconcile", "emulator", "serve", "--port", str(port)]
    command += ["--reload-slots", "100000"]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/_emulator/quirks", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    shown = log.read_text()
                    raise SystemExit(f"emulator serve did not come up:\n{shown}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


async def converge(url: str, desired: Path) -> int:
    """Apply the generated fleet once (in this process, over HTTP); the operations applied."""
    fleet = load_fleet(desired)
    creds = Credentials(CONFIG.client_id, SecretStr(CONFIG.client_secret))
    # Only the stage: the client's own pacing to Qlik's rate tiers is off here. Kept to, the
    # source tenant's write tier (three control-record writes per tenant create) holds a first
    # apply to about 33 new tenants a minute: 5,000 would take hours. No figure depends on it.
    transport = LoopbackTransport(url)
    async with QlikSession(credentials=creds, transport=transport, rate_limits=False) as session:
        planned = await plan_fleet(fleet, session, target="bench", environ=ENVIRON)
        report = await apply_plan(
            planned,
            session,
            secrets={k: SecretStr(v) for k, v in ENVIRON.items()},
            artifacts=ArtifactReader(desired.parent),
            polling=ReloadPolling(first=0.2, factor=1.5, cap=1.0),
            global_limit=64,
        )
    if not report.ok:
        raise SystemExit(f"the first apply failed: {report.counts()}")
    return len(planned.plan.operations)


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float
    requests: int
    tree_rss_mib: float = 0.0
    """The largest sum of the RSS of the plan and its worker processes, sampled."""


PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _descendants_rss_mib(root: int) -> float:
    """The resident memory of the processes under ``root`` (the plan and its workers), now."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parent[pid], rss[pid] = int(fields[1]), int(fields[21])
    total = 0
    for pid in rss:
        up = parent.get(pid)
        while up is not None and up != root:
            up = parent.get(up)
        total += rss[pid] if up == root else 0
    return total * PAGE_MIB


class _Sampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak, self.done = root, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak = max(self.peak, _descendants_rss_mib(self.root))


LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs the plan and writes its peak RSS (KiB) and CPU seconds to a file. Linux keeps a
process's peak RSS across ``execve`` from the process it was forked from, so a plan forked
from this one (which holds the fleet and, after converging it, 600 MiB at 5,000 tenants)
reported this process's peak, not its own; forked from the small launcher, it reports its own
(the launcher's 10 MiB being less than any plan's). Its CPU includes its worker processes' (its
waited-for children); their memory is sampled (:class:`_Sampler`)."""


def plan_once(
    url: str, desired: Path, parallelism: int | None, processes: int | None = None
) -> Run:
    """One ``qlikreconcile plan`` subprocess: wall time, CPU (its workers' included), its own
    peak RSS and the sampled peak of it with its workers, requests."""
    httpx.delete(f"{url}/_emulator/requests").raise_for_status()
    command = [sys.executable, "-m", "qlikreconcile", "plan", "-d", str(desired)]
    command += ["--target", url, "-o", "json", "--detailed-exitcode"]
    if parallelism is not None:
        command += ["--parallelism", str(parallelism)]
    if processes is not None:
        command += ["--processes", str(processes)]
    env = {**os.environ, **ENVIRON}
    with tempfile.TemporaryDirectory() as tmp:
        usage = Path(tmp) / "usage"
        launched = [sys.executable, "-c", LAUNCHER, str(usage), *command]
        started = time.perf_counter()
        process = subprocess.Popen(
            launched, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        sampler = _Sampler(process.pid)
        sampler.start()
        _, errors = process.communicate()
        sampler.done.set()
        wall = time.perf_counter() - started
        if process.returncode != 0:
            raise SystemExit(f"plan exited {process.returncode}:\n{errors.decode()[-3000:]}")
        peak_kib, cpu = usage.read_text().split()
    log = httpx.get(f"{url}/_emulator/requests").json()
    requests = log.get("total", log["count"])  # count: an emulator from before "total"
    own = int(peak_kib) / 1024
    return Run(wall, float(cpu), own, requests, max(sampler.peak, own))


def tutorial_check(url: str, hosts: list[tuple[str, str]]) -> tuple[float, int]:
    """The reads a hand-written script makes, one request at a time; (seconds, requests)."""
    started, sent = time.perf_counter(), 0
    with httpx.Client(base_url=url, timeout=60) as http:

        def get(host: str, path: str, token: str, **params: Any) -> Any:
            nonlocal sent
            headers = {"Host": host, "X-Forwarded-Proto": "https"}
            headers["Authorization"] = f"Bearer {token}"
            response = http.get(path, params=params, headers=headers)
            sent += 1
            if response.status_code in (301, 302):
                return get(host, httpx.URL(response.headers["location"]).path, token)
            response.raise_for_status()
            return response.json()

        for name, host in hosts:
            form = {
                "grant_type": "client_credentials",
                "client_id": CONFIG.client_id,
                "client_secret": CONFIG.client_secret,
            }
            answer = http.post("/oauth/token", data=form, headers={"Host": host})
            sent += 1
            token = answer.raise_for_status().json()["access_token"]
            get(host, "/api/v1/tenants/me", token)
            spaces = get(host, "/api/v1/spaces", token)["data"]
            get(host, "/api/v1/data-connections", token)
            items = get(host, "/api/v1/items", token, resourceType="app")["data"]
            for item in items:
                app = item["resourceId"]
                get(host, f"/api/v1/apps/{app}/scripts/current", token)
                get(host, f"/api/v1/apps/{app}/scripts", token, limit=1)
                get(host, "/api/v1/reloads", token, appId=app, limit=1)
            get(host, "/api/v1/groups", token, filter=f'name eq "{name}-viewers"')
            for space in spaces:
                if space["type"] == "managed":
                    get(host, f"/api/v1/spaces/{space['id']}/assignments", token)
            get(host, "/api/scheduling/tasks", token)
    return time.perf_counter() - started, sent


def median(values: list[float]) -> float:
    return statistics.median(values)


def prepared(url: str, work: Path, tenants: int, keep: bool) -> tuple[int, float]:
    """The generated fleet converged in the served emulator: (operations applied, seconds).

    With ``keep``, the converged state is kept in ``work`` and loaded again next time (a fleet of
    thousands takes many minutes to converge: Qlik paces tenant creation)."""
    desired, saved = work / "desired", work / f"state-{tenants}.json"
    if not (desired / "tenants").is_dir() or len(list((desired / "tenants").iterdir())) != tenants:
        fleetgen.write_fleet(desired, tenants)
        # The first apply only sets the stage: let it run more reloads at once than the
        # example's 8, so a large fleet converges in minutes (no figure depends on it).
        fleet_yaml = desired / "fleet.yaml"
        text = fleet_yaml.read_text(encoding="utf-8")
        wider = text.replace("  reload:\n", "  reload:\n    max_concurrent: 200\n", 1)
        fleet_yaml.write_text(wider, encoding="utf-8")
        saved.unlink(missing_ok=True)
    started = time.perf_counter()
    if keep and saved.exists():
        httpx.put(f"{url}/_emulator/state", content=saved.read_bytes(), timeout=300)
        return 0, time.perf_counter() - started
    ops = asyncio.run(converge(url, desired))
    if keep:
        saved.write_bytes(httpx.get(f"{url}/_emulator/state", timeout=300).content)
    return ops, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100, help="100, 1000 or 5000 (any N)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=int, default=50, help="injected latency, ms")
    parser.add_argument("--baseline-tenants", type=int, default=20)
    parser.add_argument("--parallelism", type=int, default=None, help="plan --parallelism")
    parser.add_argument("--processes", type=int, default=None, help="plan --processes")
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the converged fleet here and reuse it"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        desired = work / "desired"
        with served_emulator(Path(tmp) / "serve.log") as url:
            ops, converge_seconds = prepared(url, work, args.tenants, args.keep is not None)
            faults = {"latency_ms": args.latency}
            httpx.post(f"{url}/_emulator/faults", json=faults).raise_for_status()
            sample = min(args.baseline_tenants, args.tenants)
            fleet = load_fleet(desired)
            hosts = [(t.name, t.hostname) for t in fleet.tenants[:sample]]
            runs = [
                plan_once(url, desired, args.parallelism, args.processes) for _ in range(args.runs)
            ]
            base_seconds, base_requests = tutorial_check(url, hosts)
    wall = median([r.wall for r in runs])
    cpu = median([r.cpu for r in runs])
    requests = median([r.requests for r in runs])
    baseline = base_seconds / sample * args.tenants
    print(f"tenants x apps                {args.tenants} x 2, latency {args.latency} ms")
    first = f"{ops} operations" if ops else "loaded from --keep"
    print(f"first apply (no latency)      {converge_seconds:.0f} s ({first})")
    print(f"no-change plan, wall          median {wall:.2f} s of {len(runs)} runs")
    print(f"requests per tenant           {requests / args.tenants:.1f}")
    print(f"client CPU (user+sys)         {cpu:.2f} s, {cpu / requests * 1000:.2f} ms per request")
    print(f"peak RSS of the plan          {median([r.rss_mib for r in runs]):.0f} MiB")
    tree = median([r.tree_rss_mib for r in runs])
    print(f"  with its workers (sampled)  {tree:.0f} MiB")
    print(
        f"tutorial-style sequential     {baseline:.0f} s for the fleet ({base_seconds:.1f} s "
        f"measured on {sample} tenants, {base_requests / sample:.1f} requests each)"
    )
    print(f"plan vs sequential            {baseline / wall:.0f}x faster")
    print(f"runs (wall s / CPU s)         {', '.join(f'{r.wall:.2f}/{r.cpu:.2f}' for r in runs)}")


if __name__ == "__main__":
    main()
