"""Reading a large fleet on every core: its tenants split among worker processes.

A no-change plan of a large fleet is bound by the client's CPU, not by Qlik (a tenant's read is
about ten requests, each a millisecond or two of Python; Qlik's rate tiers are per tenant). One
process uses one core, so the tenants are split into disjoint slices: this process reads the
first, and each other slice is read by a worker process started for it, with its own session to
the same target (tokens are per tenant host anyway). What each worker read comes back whole and
is merged; the plan is made once, here, from the merged state, so it is the plan one process
would make.

Workers are spawned, not forked (the event loop and open sockets of this process must not be
copied). Their log records come back through a queue, redacted in the worker (the tokens it
obtained are registered there only) and then again by this process's handlers; the tenants they
finish come back the same way, for the progress display. Each worker has a pool of its own, so
one that fails or dies takes only its own tenants with it: they are reported unreadable, and the
run fails as for any unreadable tenant.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.handlers
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.queues import Queue
from typing import Any

from qlikreconcile.engine.state import ActualState
from qlikreconcile.qlik import event_loop, redact
from qlikreconcile.qlik.discover import READ_PARALLELISM, ReadListener, read_fleet
from qlikreconcile.qlik.reach import Reach
from qlikreconcile.qlik.refs import TenantRef
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.versions import Deprecation

log = logging.getLogger(__name__)

TENANTS_PER_PROCESS = 250
"""A worker is started only for at least this many tenants: one costs about three seconds of CPU
in all (an interpreter, the client's imports, its state pickled back), what reading some 150
tenants costs."""


def processes_for(tenants: int, requested: int | None, *, busy_cores: int = 0) -> int:
    """How many processes read ``tenants``: ``requested``, else one per core the process may
    run on, less ``busy_cores`` (a served emulator on this machine answers every request: it
    takes about a core's worth), but no more than one per :data:`TENANTS_PER_PROCESS` tenants."""
    if requested is not None:
        return max(1, min(requested, tenants))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min((cores or 1) - busy_cores, tenants // TENANTS_PER_PROCESS))


def slices(tenants: Sequence[TenantRef], count: int) -> list[list[TenantRef]]:
    """``count`` disjoint slices covering ``tenants``, each about as large (dealt in turn, so
    each slice gets the same mix of large and small tenant files)."""
    return [list(tenants[i::count]) for i in range(count)]


@dataclass(frozen=True, slots=True)
class _Job:
    reach: Reach
    tenants: list[TenantRef]
    concurrency: int
    source_host: str | None
    now: float
    """The read's instant by this process's clock (a test's clock too), for data freshness."""


@dataclass(frozen=True, slots=True)
class _Done:
    actual: ActualState
    deprecations: tuple[Deprecation, ...]


@dataclass(frozen=True, slots=True)
class _Read:
    """A worker finished reading one tenant (for the progress display)."""

    tenant: str


_events: Queue[Any] | None = None  # the worker's channel back, set by _start_worker


PARENT_POLL = 0.5
"""Seconds between a worker's looks at whether the process that started it still lives."""
ORPHANED = 3
"""A worker's exit status when the process that started it died."""


def _exit_when_orphaned(parent: int) -> None:
    # A plan killed alone (SIGTERM or SIGKILL to its process, as a runner's timeout does) cannot
    # stop its workers, and nothing else would: a worker holds both ends of its job queue, so it
    # would wait for a job for ever, or read its slice from Qlik for nobody, spending the
    # tenants' rate budgets. Nothing is left to take its result or its log records, so it ends
    # at once (an exit that flushed the log queue would wait on a pipe nobody reads).
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(ORPHANED)


def _start_worker(events: Queue[Any], level: int, secrets: tuple[str, ...], parent: int) -> None:
    global _events
    _events = events
    threading.Thread(
        target=_exit_when_orphaned, args=(parent,), name="qlikreconcile-orphaned", daemon=True
    ).start()
    for secret in secrets:
        redact.register_secret(secret)
    handler = logging.handlers.QueueHandler(events)
    redact.install_redaction(handler)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _read_slice(job: _Job) -> _Done:
    return event_loop.run(_read(job))


async def _read(job: _Job) -> _Done:
    def done(ref: TenantRef) -> None:
        if _events is not None:
            _events.put(_Read(ref.name))

    async with job.reach.session() as session:
        actual = await read_fleet(
            session,
            job.tenants,
            concurrency=job.concurrency,
            clock=lambda: job.now,
            listener=done,
            source_host=job.source_host,
        )
        return _Done(actual, session.deprecations.all())


async def read_fleet_on_cores(
    session: QlikSession,
    reach: Reach | None,
    tenants: Sequence[TenantRef],
    *,
    processes: int,
    concurrency: int = READ_PARALLELISM,
    clock: Callable[[], float] = time.time,
    listener: ReadListener | None = None,
    source_host: str | None = None,
) -> ActualState:
    """:func:`~.discover.read_fleet` of ``tenants`` split among ``processes`` processes (this one
    included; ``concurrency`` tenants at once in all). One process, or a target a worker cannot
    reach (``reach`` None: the embedded emulator lives in this process), reads them here."""
    if processes <= 1 or reach is None or len(tenants) < 2:
        return await read_fleet(
            session,
            tenants,
            concurrency=concurrency,
            clock=clock,
            listener=listener,
            source_host=source_host,
        )
    parts = slices(tenants, min(processes, len(tenants)))
    each = max(1, -(-concurrency // len(parts)))
    context = multiprocessing.get_context("spawn")
    events: Queue[Any] = context.Queue()
    relay = _Relay(events, listener, {ref.name: ref for ref in tenants})
    relay.start()
    level = logging.getLogger().getEffectiveLevel()
    secrets = redact.registered_secrets()
    loop = asyncio.get_running_loop()
    try:
        with contextlib.ExitStack() as pools:
            now = clock()
            theirs = []
            for part in parts[1:]:
                pool = pools.enter_context(
                    ProcessPoolExecutor(
                        max_workers=1,
                        mp_context=context,
                        initializer=_start_worker,
                        initargs=(events, level, secrets, os.getpid()),
                    )
                )
                job = _Job(reach, part, each, source_host, now)
                theirs.append(loop.run_in_executor(pool, _read_slice, job))
            ours = read_fleet(
                session,
                parts[0],
                concurrency=each,
                clock=clock,
                listener=listener,
                source_host=source_host,
            )
            results = await asyncio.gather(ours, *theirs, return_exceptions=True)
    finally:
        relay.stop()
    states: list[ActualState] = []
    if isinstance(results[0], BaseException):
        raise results[0]  # this process's own read failed as it would alone
    for part, result in zip(parts, results, strict=True):
        if isinstance(result, _Done):
            session.deprecations.adopt(result.deprecations)
            states.append(result.actual)
        elif isinstance(result, ActualState):
            states.append(result)
        elif isinstance(result, Exception):
            why = redact.redact_text(f"the process reading it failed: {result!r}")
            log.warning("%d tenants not read: %s", len(part), why)
            states.append(ActualState({}, {ref.name: why for ref in part}))
        else:
            assert isinstance(result, BaseException)
            raise result  # an interrupt: the run stops as it would alone
    return merged(states)


def merged(states: Sequence[ActualState]) -> ActualState:
    """One fleet's state from the states of disjoint sets of its tenants (sorted as one read)."""
    return ActualState(
        dict(sorted(kv for s in states for kv in s.resources.items())),
        dict(sorted(kv for s in states for kv in s.unreadable.items())),
        dict(sorted(kv for s in states for kv in s.missing.items())),
        dict(sorted(kv for s in states for kv in s.blocked.items())),
    )


class _Relay:
    """Hands what the workers send to this process: log records to its loggers (so its own
    handlers, redaction included, write them), finished tenants to the progress listener."""

    _STOP = None

    def __init__(
        self, events: Queue[Any], listener: ReadListener | None, refs: dict[str, TenantRef]
    ) -> None:
        self._events = events
        self._listener = listener
        self._refs = refs
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="qlikreconcile-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._events.put(self._STOP)
        self._thread.join()
        self._events.close()
        self._events.join_thread()

    def _run(self) -> None:
        while (event := self._events.get()) is not self._STOP:
            if isinstance(event, logging.LogRecord):
                logging.getLogger(event.name).handle(event)
            elif isinstance(event, _Read) and self._listener is not None:
                ref = self._refs.get(event.tenant)
                if ref is not None:
                    self._loop.call_soon_threadsafe(self._listener, ref)
