"""Reading a fleet on every core: slices, the worker processes, their failures and progress."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from tests.robustness.served import served_emulator

from qlikreconcile.emulator import EmulatorConfig
from qlikreconcile.qlik import Credentials, QlikSession
from qlikreconcile.qlik.reach import Reach
from qlikreconcile.qlik.read_processes import (
    TENANTS_PER_PROCESS,
    _start_worker,
    processes_for,
    read_fleet_on_cores,
    slices,
)
from qlikreconcile.qlik.refs import TenantRef
from qlikreconcile.reconcile import fleet as fleets
from qlikreconcile.reconcile.desired import tenant_refs

EXAMPLE = Path(__file__).resolve().parents[2] / "desired"


def _refs() -> list[TenantRef]:
    return list(tenant_refs(fleets.load(EXAMPLE)))


def test_slices_are_disjoint_and_cover_the_fleet() -> None:
    refs = _refs() * 7  # 21 refs, names repeated: compared by position
    for count in (1, 2, 3, 5, 21):
        parts = slices(refs, count)
        assert len(parts) == count
        assert sorted(id(r) for p in parts for r in p) == sorted(id(r) for r in refs)
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_processes_one_per_core_for_a_large_fleet_only() -> None:
    assert processes_for(10, None) == 1
    assert processes_for(TENANTS_PER_PROCESS - 1, None) == 1
    assert 1 <= processes_for(100 * TENANTS_PER_PROCESS, None) <= 100
    assert processes_for(3, 8) == 3  # never more processes than tenants
    assert processes_for(1000, 4) == 4
    # A served emulator on this machine takes a core: one process fewer by default.
    many = 100 * TENANTS_PER_PROCESS
    assert processes_for(many, None, busy_cores=1) == max(1, processes_for(many, None) - 1)


async def test_a_worker_that_fails_leaves_its_tenants_unreadable(session: QlikSession) -> None:
    """A worker that cannot even make its session: its tenants are unreadable with the reason,
    this process's own slice is read as usual, and no secret shows in the reason."""
    secret = "worker-secret-77aa1c"
    creds = Credentials(client_id="emulator-client", client_secret=SecretStr(secret))
    unreachable = Reach(creds, "2026-11", loopback="http://192.0.2.1:9")  # not loopback
    refs = _refs()
    actual = await read_fleet_on_cores(session, unreachable, refs, processes=2)
    theirs = slices(refs, 2)[1]
    assert set(actual.unreadable) == {ref.name for ref in theirs}
    for why in actual.unreadable.values():
        assert "the process reading it failed" in why
        assert "loopback" in why
        assert secret not in why


async def test_workers_report_every_tenant_once_and_read_what_one_process_reads(
    tmp_path: Path,
) -> None:
    config = EmulatorConfig()
    creds = Credentials(config.client_id, SecretStr(config.client_secret))
    refs = _refs()
    with served_emulator(tmp_path) as served:
        reach = Reach(creds, "2026-11", loopback=served.url)
        seen: list[str] = []
        async with reach.session() as session:
            alone = await read_fleet_on_cores(session, reach, refs, processes=1)
            spread = await read_fleet_on_cores(
                session, reach, refs, processes=3, listener=lambda ref: seen.append(ref.name)
            )
        hosts = {r["host"] for r in served.requests()}
    assert sorted(seen) == sorted(ref.name for ref in refs)
    assert spread == alone
    assert {ref.host for ref in refs} <= hosts


def test_what_a_worker_reads_crosses_the_process_boundary() -> None:
    """A worker's result is pickled back: resources with their shared defaults survive whole."""
    import pickle

    from qlikreconcile.engine.state import ActualResource, ActualState
    from qlikreconcile.qlik import resources

    found = ActualResource(resources.tenant_key("acme"), {"name": "acme"}, ident="T1")
    state = ActualState({found.key: found}, {"globex": "why"})
    back = pickle.loads(pickle.dumps(state))
    assert back == state
    assert back.resources[found.key].observed is found.observed  # the one shared empty mapping


def test_a_worker_whose_parent_is_gone_exits_even_while_it_waits_for_its_job() -> None:
    """Killed before its worker had a job (or after it sent its result), a plan leaves no worker
    waiting for ever: the worker sees its parent is not the one it was started by, and exits."""
    context = multiprocessing.get_context("spawn")
    events: Any = context.Queue()
    gone = os.getpid() + 1  # not this worker's parent: as if the plan had died and been reaped
    worker = ProcessPoolExecutor(
        max_workers=1,
        mp_context=context,
        initializer=_start_worker,
        initargs=(events, logging.WARNING, (), gone),
    )
    started = time.monotonic()
    with worker, pytest.raises(BrokenProcessPool):
        worker.submit(time.sleep, 30).result(timeout=60)
    assert time.monotonic() - started < 25
    events.close()
