"""The fleet roster: every tenant qlikreconcile has applied, kept in the source tenant.

Qlik has no list of a partner's tenants (qlik-cloud-api.md §14.2), so a tenant file deleted from
git would leave its tenant, apps and schedules running without a word. Every apply therefore
records the tenants it found or made (name and host); every plan reads the roster and reports
what still runs in tenants the spec no longer names.

Where: the control record ``qlikreconcile-control roster tenants`` (a space, see
:mod:`.control`) holds one app whose load script is a comment with the roster as JSON. A script
has room for thousands of tenants (a space description has no documented size), and Qlik keeps
every script version, so the roster's history is auditable in the source tenant. Reads cost
three calls per plan; an apply writes only when the roster changes, under the apply lease.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from qlikreconcile.errors import NotFoundError, PlanError
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.control import ControlRecord, ControlRecords, RecordHeld

KIND = "roster"
SUBJECT = "tenants"
APP_NAME = "qlikreconcile fleet roster"
HEADER = "// qlikreconcile fleet roster: tenants applied, by name. Written by apply; do not edit."
VERSION_MESSAGE = "qlikreconcile: fleet roster"


def render(tenants: Mapping[str, str]) -> str:
    body = json.dumps(dict(sorted(tenants.items())), indent=1)
    return f"{HEADER}\n/*\n{body}\n*/\n"


def parse(script: str, where: str) -> dict[str, str]:
    start, end = script.find("/*"), script.rfind("*/")
    try:
        data = json.loads(script[start + 2 : end]) if 0 <= start < end else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise PlanError(
            f"the fleet roster in {where} is not readable; restore its last good version "
            "from the app's script history (it was edited by hand?)"
        )
    return {str(k): v for k, v in data.items()}


class Roster:
    """The roster of the fleet whose source tenant ``client`` talks to."""

    def __init__(self, client: QlikClient) -> None:
        self.client = client
        self.records = ControlRecords(client)
        self._located: tuple[ControlRecord | None, str | None] | None = None
        """The record and its app once looked up: a write after a read looks nothing up again."""

    async def _locate(self) -> tuple[ControlRecord | None, str | None]:
        if self._located is None:
            record = await self.records.get(KIND, SUBJECT)
            self._located = (record, await self._app(record) if record is not None else None)
        return self._located

    async def _app(self, record: ControlRecord) -> str | None:
        params = {"resourceType": "app", "spaceId": record.ident, "name": APP_NAME}
        async for item in self.client.paginate("/api/v1/items", params=params):
            if item.get("name") == APP_NAME:
                return str(item.get("resourceId") or (item.get("resourceAttributes") or {})["id"])
        return None

    async def read(self) -> dict[str, str]:
        """Tenant name -> host of every tenant recorded; empty before the first apply."""
        _, app_id = await self._locate()
        if app_id is None:
            return {}
        try:
            current = await self.client.get_json(f"/api/v1/apps/{app_id}/scripts/current")
        except NotFoundError:
            return {}
        where = f"app {app_id} of {self.client.host}"
        return parse(str((current or {}).get("script") or ""), where)

    async def write(self, tenants: Mapping[str, str]) -> None:
        """Replace the roster (callers hold the apply lease, so nobody writes in between)."""
        record, app_id = await self._locate()
        if record is None:
            try:
                record = await self.records.claim(KIND, SUBJECT, {})
            except RecordHeld:  # made in between (a claim whose answer was lost): find its app
                record = await self.records.get(KIND, SUBJECT)
                app_id = await self._app(record) if record is not None else None
        if record is None:  # pragma: no cover - held, then gone: the next apply writes it
            return
        if app_id is None:
            body = {"attributes": {"name": APP_NAME, "spaceId": record.ident}}
            created = await self.client.post_json("/api/v1/apps", body, expected=(200, 201))
            app_id = str(created["attributes"]["id"])
        self._located = (record, app_id)
        script = {"script": render(tenants), "versionMessage": VERSION_MESSAGE}
        await self.client.post_json(f"/api/v1/apps/{app_id}/scripts", script)
