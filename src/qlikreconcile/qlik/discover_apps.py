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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import ActualResource
from qlikreconcile.errors import ApiError
from qlikreconcile.qlik import app_items, data_checks, ownership, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.engine import count_sheets_or_none
from qlikreconcile.qlik.published_copies import published_copies
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
    delete_duplicates: bool = False
    """fleet.yaml ``duplicates.published_apps: delete_without_sheets``."""
    checks: tuple[dict[str, Any], ...] = ()
    """The template's data checks (:mod:`.data_checks`): a build app whose data fails them is
    not healthy, however its last reload ended."""
    script: str | None = None
    """The load script the spec sets (None: unknown, e.g. a saved plan): when the app's newest
    script version is ours with this script's hash, its text is not read again."""


@dataclass
class AppsFound:
    resources: list[ActualResource]
    missing: dict[ResourceKey, str]


async def read_apps(
    client: QlikClient,
    tenant: str,
    items: list[dict[str, Any]],
    spaces: dict[str, str],
    expected: Iterable[AppRef],
    now: float,
    reloads: LastReloads | None = None,
    tasks: list[dict[str, Any]] | None = None,
    *,
    prune: str | None = None,
) -> AppsFound:
    """``prune`` (published copies no longer in the spec will be pruned): ``keep_sheets`` or
    ``with_sheets``; their sheets are counted, so one customers use is protected (``keep_sheets``)
    or at least shown (``with_sheets``)."""
    builds: dict[str, list[dict[str, Any]]] = {}
    copies_of: dict[str, list[dict[str, Any]]] = {}
    leftovers: list[tuple[str, dict[str, Any]]] = []
    out: list[ActualResource] = []
    for item in sorted(items, key=app_items.created):
        marker = app_items.marker(item)
        if marker is None:
            continue
        if marker.role == "published":
            copies_of.setdefault(marker.template, []).append(item)
        elif marker.role == "build":
            builds.setdefault(marker.template, []).append(item)
        else:
            leftovers.append((marker.template, item))
    refs = {ref.template: ref for ref in expected}
    published: dict[str, dict[str, Any]] = {}
    extras: list[ActualResource] = []
    for template, copies in sorted(copies_of.items()):
        ref = refs.get(template)
        heal = ref is not None and ref.delete_duplicates
        kept, others = await published_copies(client, tenant, template, copies, heal=heal)
        published[template] = kept
        marker = app_items.marker(kept)
        assert marker is not None
        resource = _published(tenant, marker, kept, spaces)
        if prune and (ref is None or not ref.publish_to):
            resource = await _prunable(client, resource, allow_sheets=prune == "with_sheets")
        out.append(resource)
        extras += others
    found = AppsFound(out, {})
    last_reloads = reloads or LastReloads(client, {}, complete=False)
    reads = []
    for template, copies in sorted(builds.items()):
        # Several build copies of one template only happen after an interrupted import or
        # upgrade: the newest is the one worked on, the others are leftovers.
        copies.sort(key=app_items.created, reverse=True)
        ref = refs.get(template)
        max_age = ref.max_age_seconds if ref else None
        shown = published.get(template)
        served_at = _epoch(app_items.attrs(shown).get("lastReloadTime")) if shown else None
        freshness = Freshness(max_age, now, served_at)
        spec_script = ref.script if ref else None
        checks = ref.checks if ref else ()
        reads.append(
            _build_app(
                client, tenant, copies[0], spaces, freshness, spec_script, last_reloads, checks
            )
        )
        leftovers += [(template, extra) for extra in copies[1:]]
    for resources_ in await asyncio.gather(*reads):  # the build apps, read at once
        out += resources_
    linked = {app_items.attrs(i).get("originAppId") for c in copies_of.values() for i in c}
    out += [_leftover(tenant, template, item, linked) for template, item in leftovers]
    out += extras
    _unmarked(found, tenant, items, spaces, refs, builds, published)
    if builds or published:
        targets = {}
        for template, ref in refs.items():
            copies = builds.get(template) or []
            shown = published.get(template) if ref.publish_to else None
            shown = shown or (copies[0] if copies else None)
            if ref.scheduled and shown is not None:
                targets[template] = app_items.app_id(shown)
        # A published copy the spec no longer publishes to stays for customers, and so does
        # its schedule: left behind and listed, never collected as garbage.
        unpublished = {
            app_items.app_id(item)
            for template, item in published.items()
            if template in refs and not refs[template].publish_to
        }
        # The schedule of a published copy kept for customers' sheets is kept with it.
        kept = {str(r.ident): r.protected for r in out if r.protected}
        found.resources += await read_schedules(
            client, tenant, targets, tasks, left=unpublished, protect=kept
        )
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
        ident=app_items.app_id(item),
        applied=marker.applied,
    )


async def _prunable(
    client: QlikClient, resource: ActualResource, *, allow_sheets: bool
) -> ActualResource:
    """A published copy the spec no longer names, about to be pruned: its sheets counted, and
    protected while customers' sheets live in it (or cannot be counted)."""
    sheets = await count_sheets_or_none(client, str(resource.ident))
    if sheets is None:
        why = "its sheets could not be counted through the engine"
    elif sheets.customers and not allow_sheets:
        why = f"customers' sheets live in it ({sheets})"
    else:
        why = ""
    return replace(resource, protected=why, observed={"with_sheets": allow_sheets})


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
        if app_items.marker(i) is None
    }
    for template, ref in sorted(refs.items()):
        app_key = resources.app_key(tenant, template)
        pub_key = resources.published_key(tenant, template)
        if template not in builds:
            stranger = unmarked.get((ref.space, ref.name))
            if stranger is not None:
                found.resources.append(
                    ActualResource(
                        app_key, {"name": ref.name}, owned=False, ident=app_items.app_id(stranger)
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
                        pub_key, {"name": ref.name}, owned=False, ident=app_items.app_id(stranger)
                    )
                )
            elif template in builds:
                found.missing[pub_key] = (
                    "published app is missing: deleted in the tenant, "
                    "or an earlier apply stopped before publishing"
                )


def _leftover(tenant: str, template: str, item: dict[str, Any], linked: set[Any]) -> ActualResource:
    """An older build copy: kept while a published app still links to it, else garbage."""
    app_id = app_items.app_id(item)
    in_use = app_id in linked
    why = (
        f"older build copy of {template} still linked from its published app"
        if in_use
        else f"older build copy of {template} that no published app links to"
    )
    return app_items.extra_copy(
        tenant, resources.APP, template, app_id, why, superseded=in_use, garbage=not in_use
    )


async def _build_app(
    client: QlikClient,
    tenant: str,
    item: dict[str, Any],
    spaces: dict[str, str],
    freshness: Freshness,
    spec_script: str | None,
    reloads: LastReloads,
    checks: tuple[dict[str, Any], ...] = (),
) -> list[ActualResource]:
    marker = app_items.marker(item)
    assert marker is not None
    app_id = app_items.app_id(item)
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
    noted = app_items.description(item)  # its data must pass the gate too, unless it did
    if status == "SUCCEEDED" and checks and not data_checks.passed(noted, last, checks):
        failed = await data_checks.unhealthy(client, app_id, checks)
        if failed:
            status, drift = "CHECKS_FAILED", (f"data check failed: {failed}",)
    reload = ActualResource(
        resources.reload_key(tenant, template),
        {"status": status},
        ident=app_id,
        drift=drift,
        observed={"data_at": data_time(last, freshness)},
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
    ended = data_time(last, freshness)
    max_age, now = freshness.max_age, freshness.now
    if max_age is not None and ended is not None and now - ended > max_age:
        hours = (now - ended) / 3600
        return "TOO_OLD", (f"data is {hours:.1f} h old, more than max_age {max_age // 3600} h",)
    return "SUCCEEDED", ()


def data_time(last: dict[str, Any] | None, freshness: Freshness) -> float | None:
    """When the data customers see was last refreshed: the build copy's last reload, or the
    published copy's own (its schedule reloads it in place), whichever is newer."""
    ended = _epoch(last.get("endTime")) if last and last.get("status") == "SUCCEEDED" else None
    return max((t for t in (ended, freshness.served_at) if t is not None), default=None)


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
