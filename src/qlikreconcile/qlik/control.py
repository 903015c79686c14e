"""Control records: small facts every qlikreconcile run must see, kept in the source tenant.

qlikreconcile keeps no state file, yet a few facts must outlive a run and be visible to every
machine that runs it: "a tenant create was sent and its answer may be lost" (Qlik has no tenant
list to ask afterwards, qlik-cloud-api.md §14.2), later the apply lease. Each record is one space
in the fleet's **source tenant** (every run already talks to it) named
``qlikreconcile-control KIND SUBJECT`` whose description is a marker line plus a JSON object.

* Space names are unique in a tenant (Qlik answers 409), so creating a record doubles as a lock:
  two runs cannot both claim the same (kind, subject).
* A record is ours only when its description carries :data:`MARKER` and parses; a space a person
  named the same way is reported, never used or deleted.
* Each claim carries a random ``claim`` token, so a claim whose answer was lost is recognised
  as ours (the space exists with our token) rather than someone else's; when it does not exist
  the claim is sent again (a bounded number of times).

Reading records is one list call (``GET /spaces?name=qlikreconcile-control``), made only when a
plan needs it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qlikreconcile.errors import ApiError, ConflictError, QlikReconcileError, TransportError
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.kinds.adopt import is_ambiguous
from qlikreconcile.qlik.retry import HostStats

PREFIX = "qlikreconcile-control"
MARKER = "[qlikreconcile control record: do not edit or delete by hand]"
_SPACES = "/api/v1/spaces"
CLAIM_ATTEMPTS = 4


class RecordHeld(QlikReconcileError):
    """The record already exists: another run (or an earlier one) holds it."""

    def __init__(self, name: str, data: Mapping[str, Any] | None) -> None:
        self.name = name
        self.data = dict(data or {})
        super().__init__(f"control record {name!r} already exists in the source tenant")


@dataclass(frozen=True, slots=True)
class ControlRecord:
    """One record: its kind, subject, the space holding it, and its JSON data."""

    kind: str
    subject: str
    ident: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return record_name(self.kind, self.subject)


def record_name(kind: str, subject: str) -> str:
    return f"{PREFIX} {kind} {subject}"


def _description(data: Mapping[str, Any]) -> str:
    return f"{MARKER}\n{json.dumps(dict(data), sort_keys=True, separators=(',', ':'))}"


def _parse(space: Mapping[str, Any]) -> ControlRecord | None:
    """The record a space holds, None when it is not a well-formed record of ours."""
    name = str(space.get("name") or "")
    parts = name.split(" ", 2)
    text = str(space.get("description") or "")
    if len(parts) != 3 or parts[0] != PREFIX or not text.startswith(MARKER):
        return None
    try:
        data = json.loads(text[len(MARKER) :].strip() or "{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return ControlRecord(parts[1], parts[2], str(space["id"]), data)


class ControlRecords:
    """The control records of one fleet, in its source tenant (``client``)."""

    def __init__(
        self,
        client: QlikClient,
        *,
        stats: HostStats | None = None,
        pause: Callable[[int, BaseException], Awaitable[None]] | None = None,
    ) -> None:
        """``stats`` counts claims settled by reading back; ``pause(attempt, error)`` waits
        before a claim is sent again (None: at once)."""
        self.client = client
        self._stats = stats
        self._pause = pause

    @property
    def host(self) -> str:
        return self.client.host

    async def all(self, kind: str) -> dict[str, ControlRecord]:
        """Every record of ``kind``, by subject."""
        out: dict[str, ControlRecord] = {}
        async for space in self.client.paginate(_SPACES, params={"name": f"{PREFIX} {kind} "}):
            record = _parse(space)
            if record is not None and record.kind == kind:
                out[record.subject] = record
        return out

    async def get(self, kind: str, subject: str) -> ControlRecord | None:
        return (await self.all(kind)).get(subject)

    async def claim(self, kind: str, subject: str, data: Mapping[str, Any]) -> ControlRecord:
        """Create the record; :class:`RecordHeld` when it exists already (another claim).

        A claim whose answer was lost is settled by reading the record back: carrying our
        random ``claim`` token it is ours, otherwise someone else's.
        """
        token = secrets.token_hex(8)
        name = record_name(kind, subject)
        body = {
            "name": name,
            "type": "shared",
            "description": _description({**data, "claim": token}),
        }
        for attempt in range(1, CLAIM_ATTEMPTS + 1):
            try:
                created = await self.client.post_json(_SPACES, body, expected=(201,))
                return ControlRecord(kind, subject, str(created["id"]), {**data, "claim": token})
            except ConflictError:
                found = await self.get(kind, subject)
            except (ApiError, TransportError) as exc:
                if not is_ambiguous(exc):
                    raise
                found = await self.get(kind, subject)
                if found is None:
                    if attempt == CLAIM_ATTEMPTS:
                        raise
                    if self._pause is not None:
                        await self._pause(attempt, exc)
                    continue
            if found is not None and found.data.get("claim") == token:
                if self._stats is not None:
                    self._stats.adopted += 1
                return found
            raise RecordHeld(name, found.data if found else None)
        raise AssertionError("unreachable")  # pragma: no cover

    async def update(self, record: ControlRecord, data: Mapping[str, Any]) -> ControlRecord:
        """Replace the record's data (an idempotent PATCH of the description)."""
        merged = {**record.data, **data}
        patch = [{"op": "replace", "path": "/description", "value": _description(merged)}]
        await self.client.patch_json(f"{_SPACES}/{record.ident}", patch, idempotent=True)
        return ControlRecord(record.kind, record.subject, record.ident, merged)

    async def clear(self, record: ControlRecord) -> None:
        """Delete the record (already gone counts as done)."""
        await self.client.delete(f"{_SPACES}/{record.ident}", missing_ok=True)
