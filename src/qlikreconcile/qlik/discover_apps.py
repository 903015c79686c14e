"""Discovery of a tenant's apps: build copies, their scripts and reloads, published copies.

Qlik has no app list; apps are read through the items API. Our apps carry a marker in their
description (see :mod:`.ownership`). Apps the spec expects but that lack the marker are reported
as unowned (so they are left alone, never duplicated); copies that a replacement superseded are
reported as leftovers; an expected app that is absent while its sibling exists is reported as
missing, which the planner labels as drift.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import ActualResource
from qlikreconcile.errors import ApiError
from qlikreconcile.qlik import ownership, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.schedules import read_schedules

ACTIVE_RELOAD = frozenset({"QUEUED", "RELOADING", "CANCELING"})


@dataclass(frozen=True, slots=True)
class AppRef:
    """What the spec expects of one app, so discovery can recognise it and judge its data."""

    template: str
    name: str
    space: str
    publish_to: str | None = None
    max_age_seconds: int | None = None
    scheduled: bool = False
    script: str | None = None
    """The load script the spec sets (None: unknown, e.g. a saved plan): when the app's newest
    script version is ours with this script's hash, its text is not read again."""


@dataclass
class AppsFound:
    resources: list[ActualResource]
    missing: dict[ResourceKey, str]


def _attrs(item: dict[str, Any]) -> dict[str, Any]:
    return dict(item.get("resourceAttributes") or {})


def _app_id(item: dict[str, Any]) -> str:
    return str(item.get("resourceId") or _attrs(item).get("id"))


def _created(item: dict[str, Any]) -> str:
    return str(item.get("createdAt") or _attrs(item).get("createdAt") or "")


def _marker(item: dict[str, Any]) -> ownership.AppMarker | None:
    return ownership.parse_app_marker(_attrs(item).get("description") or item.get("description"))


async def read_apps(
    client: QlikClient,
    tenant: str,
    items: list[dict[str, Any]],
    spaces: dict[str, str],
    expected: Iterable[AppRef],
    now: float,
    reloads: LastReloads | None = None,
    tasks: list[dict[str, Any]] | None = None,
) -> AppsFound:
    builds: dict[str, list[dict[str, Any]]] = {}
    published: dict[str, dict[str, Any]] = {}
    extra_published: list[tuple[str, dict[str, Any]]] = []
    leftovers: list[tuple[str, dict[str, Any]]] = []
    out: list[ActualResource] = []
    for item in sorted(items, key=_created):
        marker = _marker(item)
        if marker is None:
            continue
        if marker.role == "published":
            # The oldest copy, where customers have had
            # longest to build sheets, is the one managed; later ones are duplicates.
            if marker.template in published:
                extra_published.append((marker.template, item))
                continue
            published[marker.template] = item
            out.append(_published(tenant, marker, item, spaces))
        elif marker.role == "build":
            builds.setdefault(marker.template, []).append(item)
        else:
            leftovers.append((marker.template, item))
    refs = {ref.template: ref for ref in expected}
    found = AppsFound(out, {})
    last_reloads = reloads or LastReloads(client, {}, complete=False)
    reads = []
    for template, copies in sorted(builds.items()):
        # Several build copies of one template only happen after an interrupted import or
        # upgrade: the newest is the one worked on, the others are leftovers.
        copies.sort(key=_created, reverse=True)
        ref = refs.get(template)
        max_age = ref.max_age_seconds if ref else None
        shown = published.get(template)
        served_at = _epoch(_attrs(shown).get("lastReloadTime")) if shown else None
        freshness = Freshness(max_age, now, served_at)
        spec_script = ref.script if ref else None
        reads.append(
            _build_app(client, tenant, copies[0], spaces, freshness, spec_script, last_reloads)
        )
        leftovers += [(template, extra) for extra in copies[1:]]
    for resources_ in await asyncio.gather(*reads):  # the build apps, read at once
        out += resources_
    linked = {_attrs(i).get("originAppId") for i in published.values()}
    linked |= {_attrs(i).get("originAppId") for _, i in extra_published}
    out += [_leftover(tenant, template, item, linked) for template, item in leftovers]
    out += [_duplicate_published(tenant, template, item) for template, item in extra_published]
    _unmarked(found, tenant, items, spaces, refs, builds, published)
    if builds or published:
        targets = {}
        for template, ref in refs.items():
            copies = builds.get(template) or []
            shown = published.get(template) or (copies[0] if copies else None)
            if ref.scheduled and shown is not None:
                targets[template] = _app_id(shown)
        found.resources += await read_schedules(client, tenant, targets, tasks)
    return found


def _published(
    tenant: str, marker: ownership.AppMarker, item: dict[str, Any], spaces: dict[str, str]
) -> ActualResource:
    fields = {
        "name": item.get("name"),
        "space": spaces.get(item.get("spaceId") or "", ""),
        "content": marker.content,
    }
    return ActualResource(
        resources.published_key(tenant, marker.template),
        fields,
        ident=_app_id(item),
        applied=marker.applied,
    )


def _unmarked(
    found: AppsFound,
    tenant: str,
    items: list[dict[str, Any]],
    spaces: dict[str, str],
    refs: dict[str, AppRef],
    builds: dict[str, list[dict[str, Any]]],
    published: dict[str, dict[str, Any]],
) -> None:
    """Expected apps without our marker (left alone), and expected apps gone missing (drift)."""
    unmarked = {
        (spaces.get(i.get("spaceId") or "", ""), i.get("name")): i
        for i in items
        if _marker(i) is None
    }
    for template, ref in sorted(refs.items()):
        app_key = resources.app_key(tenant, template)
        pub_key = resources.published_key(tenant, template)
        if template not in builds:
            stranger = unmarked.get((ref.space, ref.name))
            if stranger is not None:
                found.resources.append(
                    ActualResource(
                        app_key, {"name": ref.name}, owned=False, ident=_app_id(stranger)
                    )
                )
            elif template in published:
                found.missing[app_key] = (
                    "build app is missing (deleted in the tenant?); its published copy remains"
                )
        if ref.publish_to and template not in published:
            stranger = unmarked.get((ref.publish_to, ref.name))
            if stranger is not None:
                found.resources.append(
                    ActualResource(
                        pub_key, {"name": ref.name}, owned=False, ident=_app_id(stranger)
                    )
                )
            elif template in builds:
                found.missing[pub_key] = (
                    "published app is missing: deleted in the tenant, "
                    "or an earlier apply stopped before publishing"
                )


def _leftover(tenant: str, template: str, item: dict[str, Any], linked: set[Any]) -> ActualResource:
    """An older build copy: kept while a published app still links to it, else garbage."""
    app_id = _app_id(item)
    in_use = app_id in linked
    why = (
        f"older build copy of {template} still linked from its published app"
        if in_use
        else f"older build copy of {template} that no published app links to"
    )
    return _extra_copy(
        tenant, resources.APP, template, app_id, why, superseded=in_use, garbage=not in_use
    )


def _extra_copy(
    tenant: str,
    kind: str,
    template: str,
    app_id: str,
    why: str,
    *,
    superseded: bool = False,
    garbage: bool = False,
    duplicate: bool = False,
) -> ActualResource:
    """A copy beside the one managed for ``template``, keyed ``TEMPLATE~ID``."""
    key = ResourceKey(tenant, kind, f"{template}~{app_id}")
    return ActualResource(
        key,
        {"template": template},
        ident=app_id,
        drift=(why,),
        superseded=superseded,
        garbage=garbage,
        duplicate=duplicate,
    )


def _duplicate_published(tenant: str, template: str, item: dict[str, Any]) -> ActualResource:
    """A second published copy of one template (two applies raced): reported, never deleted.

    Customers' community and private sheets may live in it, and they are only listed through
    the QIX engine (qlik-cloud-api.md §4.4), which qlikreconcile does not speak: a person
    moves what matters and deletes the copy.
    """
    app_id = _app_id(item)
    why = (
        f"second published copy of {template} (id {app_id}, published by a concurrent apply); "
        "customers' sheets may live in it: move them to the managed copy, then delete it"
    )
    return _extra_copy(tenant, resources.PUBLISHED_APP, template, app_id, why, duplicate=True)


async def _build_app(
    client: QlikClient,
    tenant: str,
    item: dict[str, Any],
    spaces: dict[str, str],
    freshness: Freshness,
    spec_script: str | None,
    reloads: LastReloads,
) -> list[ActualResource]:
    marker = _marker(item)
    assert marker is not None
    app_id = _app_id(item)
    template = marker.template
    app = ActualResource(
        resources.app_key(tenant, template),
        {
            "name": item.get("name"),
            "space": spaces.get(item.get("spaceId") or "", ""),
            "template": marker.template,
            "release": marker.release,
            "digest": marker.digest,
        },
        ident=app_id,
        applied=marker.applied,
    )
    history, last = await asyncio.gather(
        client.get_json(f"/api/v1/apps/{app_id}/scripts", params={"limit": 1}),
        reloads.last(app_id),
    )
    head = (history.get("scripts") or [{}])[0]
    message = str(head.get("versionMessage") or "")
    script_drift: tuple[str, ...] = ()
    if not message.startswith(ownership.SCRIPT_VERSION_PREFIX):
        script_drift = ("load script was edited in the tenant",)
    if spec_script is not None and ownership.message_digest(message) == ownership.script_digest(
        spec_script
    ):
        text = spec_script  # the current version is ours, set with exactly this text
    else:
        current = await client.get_json(f"/api/v1/apps/{app_id}/scripts/current")
        text = (current or {}).get("script", "")
    script = ActualResource(
        resources.script_key(tenant, template),
        {"script": text},
        ident=app_id,
        drift=script_drift,
    )
    status, drift = reload_status(last, head.get("modifiedTime"), freshness)
    reload = ActualResource(
        resources.reload_key(tenant, template), {"status": status}, ident=app_id, drift=drift
    )
    return [app, script, reload]


class LastReloads:
    """The newest reload of each app, from one tenant-wide list where Qlik allows it.

    ``GET /reloads`` without ``appId`` lists the whole tenant's reloads, newest first, for a
    tenant admin (qlik-cloud-api.md §6.1). ``found`` holds the newest of each app on its first
    page; an app not on it is asked for by itself unless the page was the whole list
    (``complete``). Without the right to list the tenant (400/403) every app is asked for.
    """

    def __init__(
        self, client: QlikClient, found: dict[str, dict[str, Any]], *, complete: bool
    ) -> None:
        self._client = client
        self._found = found
        self._complete = complete

    @classmethod
    async def read(cls, client: QlikClient) -> LastReloads:
        try:
            page = await client.get_json("/api/v1/reloads", params={"limit": RELOADS_PAGE})
        except ApiError as exc:
            if exc.status in (400, 403):
                return cls(client, {}, complete=False)
            raise
        found: dict[str, dict[str, Any]] = {}
        for reload in page.get("data") or []:
            found.setdefault(str(reload.get("appId")), reload)
        links = page.get("links") or {}
        return cls(client, found, complete=not (links.get("next") or {}).get("href"))

    async def last(self, app_id: str) -> dict[str, Any] | None:
        if app_id in self._found or self._complete:
            return self._found.get(app_id)
        answer = await self._client.get_json(
            "/api/v1/reloads", params={"appId": app_id, "limit": 1}
        )
        first: dict[str, Any] | None = (answer.get("data") or [None])[0]
        return first


RELOADS_PAGE = 100
"""The largest page Qlik serves of the reloads list."""


@dataclass(frozen=True, slots=True)
class Freshness:
    """How old the data customers see may be, and when it was last refreshed where they see it.

    ``served_at`` is the published copy's last reload: its own reload task refreshes it in place,
    so the build copy's reload alone would call fresh data old every day.
    """

    max_age: int | None
    now: float
    served_at: float | None = None


def reload_status(
    last: dict[str, Any] | None, script_modified: str | None, freshness: Freshness
) -> tuple[str, tuple[str, ...]]:
    """Whether the app's data reflects its current content: SUCCEEDED only when it does."""
    if last is None:
        return "NEVER", ()
    status = str(last.get("status"))
    if status in ACTIVE_RELOAD:
        return status, ()
    if status != "SUCCEEDED":
        error = last.get("errorMessage") or last.get("errorCode") or "no error message"
        return status, (f"last reload {status}: {error}",)
    if script_modified and _before(last.get("creationTime"), script_modified):
        return "STALE", ("load script changed after the last reload",)
    ended = max(
        (t for t in (_epoch(last.get("endTime")), freshness.served_at) if t is not None),
        default=None,
    )
    max_age, now = freshness.max_age, freshness.now
    if max_age is not None and ended is not None and now - ended > max_age:
        hours = (now - ended) / 3600
        return "TOO_OLD", (f"data is {hours:.1f} h old, more than max_age {max_age // 3600} h",)
    return "SUCCEEDED", ()


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _before(a: str | None, b: str) -> bool:
    first, second = _epoch(a), _epoch(b)
    if first is None:
        return True
    return second is not None and first < second
