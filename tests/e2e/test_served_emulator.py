"""The same end-to-end run over real HTTP: `qlikreconcile emulator serve` on a loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from qlikreconcile.emulator import EmulatorConfig
from qlikreconcile.engine.report import WaveStatus
from qlikreconcile.qlik.transport import LoopbackTransport
from tests.e2e.harness import SECRETS, Harness, copy_desired, edit
from tests.e2e.test_rollout_gates import EMPTIED, ORDERS, published

pytestmark = pytest.mark.http


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    state = tmp_path / "served-state.json"
    command = [sys.executable, "-m", "qlikreconcile", "emulator", "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--state", str(state)], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/_emulator/quirks", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert process.poll() is None, log.read_text()
                time.sleep(0.1)
        else:
            pytest.fail("emulator serve did not come up within 20 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert state.exists(), "the served emulator persists its state when --state is given"


def _cli(
    desired: Path, served: str, cwd: Path, *, timeout: float = 120
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The CLI as a separate process against the served emulator, with the demo's secrets."""
    env = {**os.environ, **SECRETS, "NO_COLOR": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "qlikreconcile", *args, "-d", str(desired), "--target", served],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=timeout,
            check=False,
        )

    return run


async def test_plan_apply_plan_over_real_http(served: str, tmp_path: Path) -> None:
    harness = Harness(
        copy_desired(tmp_path),
        app=object(),
        transport=LoopbackTransport(served),
        config=EmulatorConfig(),
    )
    assert not (await harness.plan()).plan.empty
    report = await harness.apply()
    assert report.ok, [r for r in report.results if r.reason and r.status.value != "succeeded"]
    assert (await harness.plan()).plan.empty
    requests = await harness.admin("GET", "/_emulator/requests")
    assert requests["count"] > 50
    # Today's Qlik Cloud: schedules through the Scheduling Tasks API, never the removed one;
    # every request acknowledges an API release.
    sent = {(r["method"], r["path"]) for r in requests["data"]}
    assert ("POST", "/api/v1/reload-tasks") not in sent
    assert any(path.endswith("/actions/reload/on-time-schedule") for _, path in sent)
    assert all(r["api_version"] for r in requests["data"])


def test_cli_plan_apply_plan_against_the_served_emulator(served: str, tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    run = _cli(desired, served, tmp_path)

    first = run("plan", "--detailed-exitcode")
    assert first.returncode == 2, first.stderr
    assert first.stdout.startswith(f"Target: emulator at {served}")
    applied = run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete" in applied.stdout
    second = run("plan", "--detailed-exitcode")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "No changes." in second.stdout
    for secret in SECRETS.values():
        assert secret not in first.stdout + applied.stdout + applied.stderr + second.stdout


def test_cli_rollout_halts_on_a_failing_canary_then_completes(served: str, tmp_path: Path) -> None:
    """Over `emulator serve`: the guard's exit 4, a canary halting the rollout with exit 3 (later
    waves untouched), and the apply after the fix completing it."""
    desired = copy_desired(tmp_path)
    run = _cli(desired, served, tmp_path, timeout=180)

    assert run("apply", "--auto-approve").returncode == 0
    edit(
        desired / "templates" / "sales" / "sales.qvs.j2",
        r"^LIB CONNECT TO .*$",
        r"\g<0>\nLIB CONNECT TO '{{ connection_space }}:fx_rates';",
    )
    planned = run("plan", "-o", "markdown")
    assert "**Rollout** in 3 waves" in planned.stdout
    assert "apply refuses this plan without `--force`" in planned.stdout
    refused = run("apply", "--auto-approve")
    assert refused.returncode == 4, refused.stdout + refused.stderr
    assert "republish in 3 of 3 tenants (100%)" in refused.stderr

    httpx.delete(f"{served}/_emulator/requests", timeout=10).raise_for_status()
    halted = run("apply", "--auto-approve", "--force")
    assert halted.returncode == 3, halted.stdout + halted.stderr
    assert "waves not started: early, main" in halted.stdout
    log = httpx.get(f"{served}/_emulator/requests", timeout=10).json()["data"]
    changed = {r["host"] for r in log if r["method"] != "GET" and "/oauth/" not in r["path"]}
    assert "acme.eu.qlikcloud.com" in changed
    assert not changed & {"initech.eu.qlikcloud.com", "globex.us.qlikcloud.com"}  # not started

    edit(
        desired / "fleet.yaml",
        r"^  connections:\n",
        '  connections:\n    - name: fx_rates\n      space: "{{ build_space }}"\n'
        '      type: postgres\n      connect: "host=fx.example"\n',
    )
    done = run("apply", "--auto-approve", "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Apply complete" in done.stdout
    assert run("plan", "--detailed-exitcode").returncode == 0


def test_cli_offboarding_and_reactivation(served: str, tmp_path: Path) -> None:
    """A decommission block deactivates the tenant over real HTTP; removing it brings it back."""
    desired = copy_desired(tmp_path)
    run = _cli(desired, served, tmp_path, timeout=120)

    assert run("apply", "--auto-approve").returncode == 0
    tenant_file = desired / "tenants" / "initech.yaml"
    original = tenant_file.read_text(encoding="utf-8")
    block = "\ndecommission:\n  confirm_hostname: initech.eu.qlikcloud.com\n"
    tenant_file.write_text(original + block, encoding="utf-8")
    offboarded = run("apply", "--auto-approve")
    assert offboarded.returncode == 0, offboarded.stdout + offboarded.stderr
    assert "deactivate" in offboarded.stdout
    held = run("plan", "--detailed-exitcode")
    assert held.returncode == 0, held.stdout + held.stderr
    assert "initech: deactivated" in held.stdout + held.stderr
    assert "Qlik purges it on" in held.stdout + held.stderr
    tenant_file.write_text(original, encoding="utf-8")
    back = run("apply", "--auto-approve")
    assert back.returncode == 0, back.stdout + back.stderr
    settled = run("plan", "--detailed-exitcode")
    assert settled.returncode == 0, settled.stdout + settled.stderr
    assert "No changes." in settled.stdout


async def test_a_canary_failing_its_data_check_halts_over_real_http(
    served: str, tmp_path: Path
) -> None:
    """Issue 10's rollout over `emulator serve`: a template change whose data fails the canary's
    check halts every later wave (their customers keep what they had); the fix completes it."""
    desired = copy_desired(tmp_path)
    harness = Harness(
        desired, app=object(), transport=LoopbackTransport(served), config=EmulatorConfig()
    )
    assert (await harness.apply()).ok
    before = await published(harness)
    script = desired / "templates" / "sales" / "sales.qvs.j2"
    edit(script, ORDERS, EMPTIED)
    halted = await harness.apply(force=True)
    assert [w.status for w in halted.waves] == [
        WaveStatus.HALTED,
        WaveStatus.NOT_STARTED,
        WaveStatus.NOT_STARTED,
    ]
    assert "table Orders has at least 1 row: observed 0 rows" in halted.waves[0].failed[0][1]
    assert await published(harness) == before, "no customer sees the emptied data"
    edit(script, r"^FROM sales\.orders\n.*AND 1 = 0;$", "FROM sales.orders\n{{ where }};")
    done = await harness.apply(force=True)
    assert [w.status for w in done.waves] == [WaveStatus.COMPLETED] * 3
    assert (await harness.plan()).plan.matches


def test_cli_plan_read_in_worker_processes_is_the_same_plan(served: str, tmp_path: Path) -> None:
    """`--processes 3`: each tenant read by another process, the plan the same as one process's,
    the workers' debug log relayed (each tenant's host named) and redacted."""
    desired = copy_desired(tmp_path)
    run = _cli(desired, served, tmp_path)
    assert run("apply", "--auto-approve").returncode == 0
    one = run("plan", "-o", "json", "--processes", "1")
    three = run("plan", "-o", "json", "--processes", "3", "-vv")
    assert one.returncode == three.returncode == 0, three.stderr
    first, again = json.loads(one.stdout), json.loads(three.stdout)
    first.pop("created_at"), again.pop("created_at")
    assert first == again
    for host in ("acme.eu", "globex.us", "initech.eu"):
        assert f"https://{host}.qlikcloud.com/api/v1/spaces" in three.stderr
    # Every token the emulator issued (the workers' among them), the client secret, passwords.
    tokens = list(httpx.get(f"{served}/_emulator/state", timeout=10).json()["tokens"])
    assert len(tokens) >= 4
    for secret in [*SECRETS.values(), EmulatorConfig().client_secret, *tokens]:
        assert secret not in three.stdout + three.stderr


TENANT_HOSTS = {"acme.eu.qlikcloud.com", "globex.us.qlikcloud.com", "initech.eu.qlikcloud.com"}


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended, only not been reaped


@pytest.mark.skipif(
    not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
    reason="finds the workers in /proc (Linux with CONFIG_PROC_CHILDREN)",
)
def test_workers_stop_reading_when_the_plan_is_killed(served: str, tmp_path: Path) -> None:
    """A plan killed alone (a runner's timeout) leaves no worker reading Qlik on its behalf."""
    desired = copy_desired(tmp_path)
    assert _cli(desired, served, tmp_path)("apply", "--auto-approve").returncode == 0
    latency = 2.0  # each of a tenant's sequential reads: a worker has seconds of reading left
    with httpx.Client(base_url=served, timeout=10) as admin:
        admin.post("/_emulator/faults", json={"latency_ms": int(latency * 1000)}).raise_for_status()
        admin.delete("/_emulator/requests").raise_for_status()
        command = [sys.executable, "-m", "qlikreconcile", "plan", "--processes", "3"]
        plan = subprocess.Popen(
            [*command, "-d", str(desired), "--target", served],
            env={**os.environ, **SECRETS},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            hosts: set[str] = set()
            while len(hosts & TENANT_HOSTS) < 3:  # every tenant's read began, two in the workers
                assert time.monotonic() < deadline, "the tenants' reads did not begin in 60 s"
                assert plan.poll() is None
                time.sleep(0.2)
                hosts = {r["host"] for r in admin.get("/_emulator/requests").json()["data"]}
            workers = _children(plan.pid)
            assert len(workers) >= 2
        finally:
            plan.kill()
            plan.wait(timeout=10)
    stopped = time.monotonic() + latency * 2
    while any(_running(pid) for pid in workers) and time.monotonic() < stopped:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in workers), "a worker went on reading for a dead plan"
