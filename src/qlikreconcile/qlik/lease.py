"""The apply lease: one apply at a time per fleet, enforced in Qlik itself.

Two applies planning and writing the same fleet at once both see "nothing there" and both
create it: duplicate apps, spaces and tasks (issue 9). So every apply first takes a lease, kept
as a control record (:mod:`.control`) in the fleet's **source tenant**, which every machine that
runs qlikreconcile (CI runners, laptops) already reaches:

* the record is the space ``qlikreconcile-control lease apply``; creating it is atomic because
  Qlik answers 409 to a second space of the same name (qlik-cloud-api.md §3), so of two runs
  claiming at once exactly one wins;
* its JSON holds ``owner`` (user@host or the CI run), ``run_id`` and ``expires`` (epoch
  seconds); a long apply renews ``expires`` while it runs, and releases (deletes) it at the end;
* an expired lease is taken over by deleting *that record by its id* and claiming again: when
  two runs both see it expired, both delete the same id (the second delete is a no-op, 404),
  and only one of their claims can create the new space; the loser meets the winner's fresh,
  unexpired lease. Deleting by id never removes the winner's new record (a new space, a new id).

Sharded applies (``apply --shard I/N``, one per CI runner) touch disjoint tenants, so each
holds its own lease, ``apply shard I of N``, and they run side by side. A whole-fleet apply and
a shard apply, or shards of different counts, overlap: after claiming its record each run reads
the other lease records and, when a live rival holds one, gives its own back and waits. Both
claim before they look, so of two rivals claiming at once at least one sees the other; if both
do, both back off and try again (the wait has jitter).
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from qlikreconcile.errors import QlikReconcileError
from qlikreconcile.qlik.control import ControlRecord, ControlRecords, RecordHeld

log = logging.getLogger(__name__)

KIND = "lease"
SUBJECT = "apply"
SHARD_PREFIX = "apply shard "
DEFAULT_TTL = 300.0
POLL_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the lease, and until when (epoch seconds)."""

    owner: str
    run_id: str
    expires: float

    def describe(self, now: float) -> str:
        left = self.expires - now
        when = f"expires in {left:.0f}s" if left > 0 else f"expired {-left:.0f}s ago"
        return f"{self.owner} (run {self.run_id}, {when})"


class LeaseHeld(QlikReconcileError):
    """Another run holds the apply lease."""

    def __init__(self, holder: Holder | None, now: float, waited: float = 0.0) -> None:
        self.holder = holder
        who = holder.describe(now) if holder else "another run (its record is unreadable)"
        after = f" after waiting {waited:.0f}s" if waited else ""
        super().__init__(
            f"another apply holds the fleet's lease{after}: {who}; wait for it "
            "(apply --lock-timeout DURATION), or, if that run is dead, break the lease "
            "with `qlikreconcile lease break`"
        )


def default_owner(environ: Mapping[str, str] | None = None) -> str:
    """The CI run when there is one (GitHub Actions, GitLab), else user@host."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_RUN_ID"):
        return f"github:{env.get('GITHUB_REPOSITORY', '?')}/actions/runs/{env['GITHUB_RUN_ID']}"
    if env.get("CI_JOB_URL"):
        return env["CI_JOB_URL"]
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _holder(record: ControlRecord) -> Holder | None:
    data = record.data
    try:
        return Holder(str(data["owner"]), str(data["run_id"]), float(data["expires"]))
    except (KeyError, TypeError, ValueError):
        return None


def shard_subject(shard: tuple[int, int] | None) -> str:
    """The lease subject of an apply: the whole fleet, or shard I of N."""
    return SUBJECT if shard is None else f"{SHARD_PREFIX}{shard[0]} of {shard[1]}"


def rivals(subject: str, other: str) -> bool:
    """Whether two apply leases may not be held at once (their tenants can overlap)."""
    if subject == other or not subject.startswith(SUBJECT) or not other.startswith(SUBJECT):
        return False
    if subject == SUBJECT or other == SUBJECT:
        return True
    return subject.rsplit(" of ", 1)[-1] != other.rsplit(" of ", 1)[-1]


class Lease:
    """The apply lease of one fleet (or of one shard of it), in its source tenant."""

    def __init__(
        self,
        records: ControlRecords,
        *,
        owner: str,
        run_id: str | None = None,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        subject: str = SUBJECT,
    ) -> None:
        self.records = records
        self.subject = subject
        self.owner = owner
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.ttl = ttl
        self._clock = clock
        self._sleep = sleep
        self._record: ControlRecord | None = None

    @property
    def held(self) -> bool:
        return self._record is not None

    async def holder(self) -> Holder | None:
        """Who holds the lease now (None: nobody)."""
        record = await self.records.get(KIND, self.subject)
        if record is None:
            return None
        return _holder(record) or Holder("unknown", "unknown", 0.0)

    async def acquire(self, wait: float = 0.0) -> None:
        """Take the lease, waiting up to ``wait`` seconds; :class:`LeaseHeld` when it stays held."""
        start = self._clock()
        while True:
            holder = await self._try()
            if holder is None:
                return
            now = self._clock()
            if now - start >= wait:
                raise LeaseHeld(holder, now, wait)
            log.info("apply lease held by %s; waiting", holder.describe(now))
            pause = POLL_SECONDS * random.uniform(0.5, 1.0)  # rivals backing off do not lockstep
            await self._pause(min(pause, max(0.0, wait - (now - start))))

    async def _pause(self, seconds: float) -> None:
        await (self._sleep or asyncio.sleep)(seconds)

    def _data(self) -> dict[str, object]:
        return {"owner": self.owner, "run_id": self.run_id, "expires": self._clock() + self.ttl}

    async def _try(self) -> Holder | None:
        """One attempt: None when taken, else the live holder (ours or a rival lease's)."""
        holder = await self._claim_own()
        if holder is not None:
            return holder
        rival = await self._live_rival()
        if rival is not None:
            await self.release()
        return rival

    async def _live_rival(self) -> Holder | None:
        now = self._clock()
        for subject, record in (await self.records.all(KIND)).items():
            if rivals(self.subject, subject):
                holder = _holder(record)
                if holder is None or holder.expires > now:
                    return holder or Holder(f"the lease {subject!r}", "unknown", now + self.ttl)
        return None

    async def _claim_own(self) -> Holder | None:
        try:
            self._record = await self.records.claim(KIND, self.subject, self._data())
            return None
        except RecordHeld:
            pass
        record = await self.records.get(KIND, self.subject)
        if record is None:
            return await self._try_again()
        holder = _holder(record)
        now = self._clock()
        if holder is not None and holder.expires > now:
            return holder
        # Expired (or unreadable, so nobody can renew it): delete that very record, by id,
        # then claim; of two runs doing this at once only one claim can succeed.
        log.warning(
            "taking over the expired apply lease of %s",
            holder.describe(now) if holder else "an unreadable record",
        )
        await self.records.clear(record)
        return await self._try_again()

    async def _try_again(self) -> Holder | None:
        try:
            self._record = await self.records.claim(KIND, self.subject, self._data())
            return None
        except RecordHeld:
            record = await self.records.get(KIND, self.subject)
            holder = _holder(record) if record else None
            return holder or Holder("another run", "unknown", self._clock() + self.ttl)

    async def renew(self) -> None:
        """Push the expiry ``ttl`` seconds ahead (the apply is still running)."""
        if self._record is not None:
            self._record = await self.records.update(
                self._record, {"expires": self._clock() + self.ttl}
            )

    async def release(self) -> None:
        """Give the lease back (delete our record)."""
        record, self._record = self._record, None
        if record is not None:
            await self.records.clear(record)


async def holders(records: ControlRecords) -> dict[str, Holder]:
    """Every apply lease held now (expired ones included), by subject."""
    found = await records.all(KIND)
    return {
        subject: _holder(record) or Holder("unknown", "unknown", 0.0)
        for subject, record in sorted(found.items())
        if subject.startswith(SUBJECT)
    }


async def break_lease(records: ControlRecords, subject: str = SUBJECT) -> Holder | None:
    """Delete the lease whoever holds it; returns whom it belonged to (None: none was held)."""
    record = await records.get(KIND, subject)
    if record is None:
        return None
    await records.clear(record)
    return _holder(record) or Holder("unknown", "unknown", 0.0)
