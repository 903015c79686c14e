"""One reload queue per subscription: at most ``reload_slots`` reloads RELOADING at once.

A subscription is the tenants that share a licence number (the source tenant and every tenant
created with its signed key). Reload status is a function of the clock (see
:mod:`.reload_lifecycle`), so the queue is resolved when a reload is created: it starts at the
first moment after the base queue delay at which fewer than ``slots`` of the subscription's
reloads are running, and never before a reload created earlier (first in, first out). The wait
becomes part of the reload's ``queue_seconds``, so ``startTime`` is when it really started.
Inferred behaviour (FIFO, weight ignored, a cancel not moving later reloads up) is quirk
``reloads.subscription_queue``.
"""

from __future__ import annotations

from collections.abc import Iterable

from qlikreconcile.emulator.state.apps import Reload
from qlikreconcile.emulator.state.model import EmulatorState
from qlikreconcile.emulator.state.tenant import Tenant


def subscription_reloads(state: EmulatorState, tenant: Tenant) -> list[Reload]:
    """Every reload of every tenant sharing ``tenant``'s licence, in creation order."""
    found = [
        r
        for t in state.tenants.values()
        if t.license_number == tenant.license_number
        for r in t.reloads.values()
    ]
    return sorted(found, key=lambda r: r.created_at)


def running_until(reload: Reload) -> float:
    """When ``reload`` stops holding a slot (a cancel ends it early)."""
    if reload.final_end_at is not None:
        return reload.final_end_at
    if reload.canceled_at is not None:
        return max(reload.start_at, reload.canceled_at + reload.cancel_seconds)
    return reload.end_at


def _holds_slot(reload: Reload) -> bool:
    """False for a reload canceled while QUEUED: it never ran."""
    return reload.canceled_at is None or reload.canceled_at >= reload.start_at


def start_time(reloads: Iterable[Reload], earliest: float, slots: int) -> float:
    """When a reload created now starts: from ``earliest``, once a slot is free, FIFO."""
    held = [r for r in reloads if _holds_slot(r) and running_until(r) > earliest]
    at = max([earliest, *(r.start_at for r in held)])
    # every earlier reload starts at or before ``at``; from there running ones only finish
    ends = sorted(running_until(r) for r in held if r.start_at <= at < running_until(r))
    if len(ends) < slots:
        return at
    return max(at, ends[len(ends) - slots])


def peak(intervals: Iterable[tuple[float, float]]) -> int:
    """Most of ``intervals`` (start, end), half-open, overlapping at one moment."""
    events = sorted(e for a, b in intervals if b > a for e in ((a, 1), (b, -1)))
    best = count = 0
    for _, step in events:  # ends sort before starts at the same moment (-1 < 1)
        count += step
        best = max(best, count)
    return best


def queue_report(state: EmulatorState, tenant: Tenant, slots: int) -> dict[str, object]:
    """Peak concurrency of the subscription's queue, overall and per user, for tests."""
    reloads = [r for r in subscription_reloads(state, tenant) if _holds_slot(r)]
    users = sorted({r.user_id for r in reloads})
    return {
        "licenseNumber": tenant.license_number,
        "slots": slots,
        "reloads": len(reloads),
        "peakRunning": peak((r.start_at, running_until(r)) for r in reloads),
        "peakWaiting": peak((r.created_at, r.start_at) for r in reloads),
        "peakRunningByUser": {
            u: peak((r.start_at, running_until(r)) for r in reloads if r.user_id == u)
            for u in users
        },
    }
