"""What a tenant holds, read as it is, for ``qlikreconcile import`` (read only: GETs only).

Discovery (:mod:`.discover`) reads what the spec expects and recognises our markers; an import
has no spec yet, so it reads everything that a tenant file could describe: spaces with their
group assignments (group names looked up by id), data connections, apps with their current load
script and where Qlik records their origin (``originAppId`` of published copies), and the
scheduling tasks. Nothing here judges or matches; :mod:`qlikreconcile.reconcile.importing` does.

Qlik never returns a connection's ``qUsername`` or ``qPassword`` (write-only, doc §7), so neither
is part of the inventory: the password can only become a reference the user fills in.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from qlikreconcile.errors import NotFoundError
from qlikreconcile.qlik import app_items, ownership
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.schedules import TASKS


@dataclass(frozen=True, slots=True)
class FoundAssignment:
    """A role assignment on a space: ``kind`` is ``group`` or ``user``; ``name`` the group's
    name (None for users and for groups that cannot be read)."""

    kind: str
    assignee: str
    name: str | None
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FoundSpace:
    ident: str
    name: str
    type: str
    description: str
    assignments: tuple[FoundAssignment, ...] = ()


@dataclass(frozen=True, slots=True)
class FoundConnection:
    name: str
    space: str | None
    """The space's name; None for a connection outside any space (personal)."""
    type: str
    connect: str


@dataclass(frozen=True, slots=True)
class FoundApp:
    ident: str
    name: str
    space: str | None
    """The space's name; None for a personal app."""
    space_type: str | None
    created: str
    origin: str | None
    """``originAppId``: the app a published copy was published from."""
    published: bool
    script: str
    """The current load script, without qlikreconcile's header line when it has one."""
    marker: tuple[str, int | None] | None = None
    """(template, release) when qlikreconcile marked the app as a build copy."""


@dataclass(frozen=True, slots=True)
class FoundTask:
    """A scheduling task that reloads an app on a time schedule."""

    app: str
    recurrence: tuple[str, ...]
    timezone: str
    enabled: bool
    name: str


@dataclass(frozen=True, slots=True)
class TenantInventory:
    host: str
    spaces: tuple[FoundSpace, ...]
    connections: tuple[FoundConnection, ...]
    apps: tuple[FoundApp, ...]
    tasks: tuple[FoundTask, ...]


_HEADER_START = ownership.script_header("x", 1).split(":", 1)[0] + ":"
"""How qlikreconcile's header line starts (``// Managed by qlikreconcile:``)."""


async def read_inventory(client: QlikClient) -> TenantInventory:
    """Everything a tenant file could describe, in three rounds of concurrent GETs."""
    spaces, connections, items, tasks = await asyncio.gather(
        client.get_all("/api/v1/spaces"),
        client.get_all("/api/v1/data-connections"),
        client.get_all("/api/v1/items", params={"resourceType": "app"}),
        client.get_all(TASKS),
    )
    by_id = {str(s["id"]): s for s in spaces if s.get("id")}
    assignments, scripts = await asyncio.gather(
        asyncio.gather(*(_assignments(client, ident) for ident in by_id)),
        asyncio.gather(*(_script(client, i, by_id) for i in items)),
    )
    groups = await _group_names(
        client,
        {str(a.get("assigneeId")) for x in assignments for a in x if a.get("type") == "group"},
    )
    found_spaces = tuple(
        FoundSpace(
            ident,
            str(space.get("name") or ""),
            str(space.get("type") or ""),
            ownership.parse_space_description(space.get("description"))[1],
            tuple(_assignment(a, groups) for a in listed),
        )
        for (ident, space), listed in zip(by_id.items(), assignments, strict=True)
    )
    return TenantInventory(
        client.host,
        found_spaces,
        tuple(_connection(c, by_id) for c in connections),
        tuple(_app(i, s, by_id) for i, s in zip(items, scripts, strict=True)),
        tuple(t for t in (_task(raw) for raw in tasks) if t is not None),
    )


async def _assignments(client: QlikClient, space: str) -> list[dict[str, Any]]:
    return await client.get_all(f"/api/v1/spaces/{space}/assignments")


async def _script(
    client: QlikClient, item: dict[str, Any], spaces: dict[str, dict[str, Any]]
) -> str:
    """The current script of an app in a shared space; others are never template build apps,
    so their scripts are not read (published copies, personal apps)."""
    space = spaces.get(str(item.get("spaceId") or app_items.attrs(item).get("spaceId") or ""))
    if space is None or space.get("type") != "shared":
        return ""
    app = app_items.app_id(item)
    try:
        current = await client.get_json(f"/api/v1/apps/{app}/scripts/current")
    except NotFoundError:  # an app without any script version
        return ""
    return str((current or {}).get("script") or "")


async def _group_names(client: QlikClient, ids: set[str]) -> dict[str, str]:
    async def one(ident: str) -> tuple[str, str | None]:
        try:
            group = await client.get_json(f"/api/v1/groups/{ident}")
        except NotFoundError:  # a user's id, or a group deleted since
            return ident, None
        return ident, str(group.get("name") or "") or None

    found = await asyncio.gather(*(one(i) for i in sorted(ids)))
    return {ident: name for ident, name in found if name}


def _assignment(raw: dict[str, Any], groups: dict[str, str]) -> FoundAssignment:
    kind = str(raw.get("type") or "")
    assignee = str(raw.get("assigneeId") or "")
    name = groups.get(assignee) if kind == "group" else None
    return FoundAssignment(kind, assignee, name, tuple(sorted(raw.get("roles") or ())))


def _space_name(ident: Any, spaces: dict[str, dict[str, Any]]) -> str | None:
    space = spaces.get(str(ident or ""))
    return str(space["name"]) if space and space.get("name") else None


def _connection(raw: dict[str, Any], spaces: dict[str, dict[str, Any]]) -> FoundConnection:
    return FoundConnection(
        str(raw.get("qName") or ""),
        _space_name(raw.get("space"), spaces),
        str(raw.get("datasourceID") or ""),
        str(raw.get("qConnectStatement") or ""),
    )


def _app(item: dict[str, Any], script: str, spaces: dict[str, dict[str, Any]]) -> FoundApp:
    attrs = app_items.attrs(item)
    space_id = item.get("spaceId") or attrs.get("spaceId")
    space = spaces.get(str(space_id or ""))
    origin = attrs.get("originAppId")
    marker = app_items.marker(item)
    if script.startswith(_HEADER_START):  # ours: the spec's script is what follows the header
        script = script.partition("\n")[2]
    return FoundApp(
        ident=app_items.app_id(item),
        name=str(item.get("name") or attrs.get("name") or ""),
        space=_space_name(space_id, spaces),
        space_type=str(space.get("type")) if space else None,
        created=app_items.created(item),
        origin=str(origin) if origin else None,
        published=bool(attrs.get("publishTime")),
        script=script,
        marker=(marker.template, marker.release) if marker and marker.role == "build" else None,
    )


def _task(raw: dict[str, Any]) -> FoundTask | None:
    start = raw.get("start")
    schedule = start.get("schedule") if isinstance(start, dict) else None
    app = raw.get("resourceId")
    if not app or not isinstance(schedule, dict):
        return None
    recurrence = schedule.get("recurrence") or ()
    if isinstance(recurrence, str):
        recurrence = (recurrence,)
    return FoundTask(
        app=str(app),
        recurrence=tuple(str(r) for r in recurrence),
        timezone=str(schedule.get("timezone") or "UTC"),
        enabled=bool(raw.get("enabled")),
        name=str(raw.get("name") or ""),
    )
