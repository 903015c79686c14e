"""Holding the apply lease for the length of an apply: take, renew in the background, release.

The lease itself (record, takeover, break) is :mod:`qlikreconcile.qlik.lease`; this module
binds it to a run. It is taken before the plan an apply executes is read, so no other run can
write between that read and our writes, and released on every exit (success, failure,
SIGINT/SIGTERM, cancellation). ``QLIKRECONCILE_NO_LEASE=1`` (tests only: it re-opens issue 9)
skips it, to seed the duplicates two racing runs would make.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator

from qlikreconcile.errors import ApiError, TransportError
from qlikreconcile.qlik.control import ControlRecords
from qlikreconcile.qlik.lease import (
    DEFAULT_TTL,
    SUBJECT,
    Holder,
    Lease,
    break_lease,
    default_owner,
    holders,
    shard_subject,
)
from qlikreconcile.qlik.session import QlikSession

log = logging.getLogger(__name__)
TEST_SWITCH = "QLIKRECONCILE_NO_LEASE"
__all__ = [
    "TEST_SWITCH",
    "Holder",
    "apply_lease",
    "break_apply_lease",
    "lease_holder",
    "lease_holders",
    "shard_subject",
]


def _records(session: QlikSession, source_host: str) -> ControlRecords:
    return ControlRecords(session.client(source_host))


@contextlib.asynccontextmanager
async def apply_lease(
    session: QlikSession,
    source_host: str,
    *,
    wait: float = 0.0,
    ttl: float = DEFAULT_TTL,
    owner: str | None = None,
    shard: tuple[int, int] | None = None,
) -> AsyncIterator[Lease | None]:
    """Hold the fleet's apply lease (or shard I of N's) inside the block (renewed every ttl/3)."""
    if os.environ.get(TEST_SWITCH) == "1":
        yield None
        return
    lease = Lease(
        _records(session, source_host),
        owner=owner or default_owner(),
        ttl=ttl,
        subject=shard_subject(shard),
    )
    await lease.acquire(wait)
    renewer = asyncio.create_task(_renew(lease))
    try:
        yield lease
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        # Shielded: a cancelled (abandoned) apply still gives the lease back.
        await asyncio.shield(lease.release())


async def _renew(lease: Lease) -> None:
    while True:
        await asyncio.sleep(lease.ttl / 3)
        try:
            await lease.renew()
        except (ApiError, TransportError) as exc:
            # A missed renewal is retried at the next tick; the ttl leaves two more.
            log.warning("could not renew the apply lease: %s", exc)


async def lease_holder(session: QlikSession, source_host: str) -> Holder | None:
    """Who holds the whole fleet's apply lease (for plan, which never takes it)."""
    return await Lease(_records(session, source_host), owner="").holder()


async def lease_holders(session: QlikSession, source_host: str) -> dict[str, Holder]:
    """Every apply lease (the fleet's, and each shard's), by subject."""
    return await holders(_records(session, source_host))


async def break_apply_lease(
    session: QlikSession, source_host: str, subject: str = SUBJECT
) -> Holder | None:
    """Delete an apply lease, whoever holds it; returns whose it was."""
    return await break_lease(_records(session, source_host), subject)
