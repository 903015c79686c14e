"""Discovery of a tenant's apps: build copies, their scripts and reloads, published copies.

Qlik has no app list; apps are read through the items API. Our apps carry a marker in their
description (see :mod:`.ownership`). Apps the spec expects but that lack the marker are reported
as unowned (so they are left alone, never duplicated), or, where the tenant file adopts unmarked
resources, read in full and reported for adoption (:mod:`.adopt_apps`); copies that a
replacement superseded are reported as leftovers; an expected app that is absent while its
sibling exists is reported as missing, which the planner labels as drift.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import ActualResource
from qlikreconcile.qlik import adopt_apps, app_items, ownership, resources
from qlikreconcile.qlik.build_apps import Freshness, LastReloads, build_app, epoch
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.engine import count_sheets_or_none
from qlikreconcile.qlik.kinds.kind import Found, Reading
from qlikreconcile.qlik.kinds.published_app import PublishedAppInputs
from qlikreconcile.qlik.published_copies import published_copies
from qlikreconcile.qlik.refs import AppRef
from qlikreconcile.qlik.schedules import read_schedules, read_tasks

FAMILY = frozenset(
    {
        resources.APP,
        resources.SCRIPT,
        resources.RELOAD,
        resources.PUBLISHED_APP,
        resources.RELOAD_TASK,
    }
)
"""The kinds :func:`read_family` returns: read together, from one items list and one read of
each build app, their own :class:`~.kinds.kind.Kind` entries have no reader."""


async def read_family(reading: Reading) -> Found:
    """The app family of one tenant: its app items, scheduling tasks and reloads (tenant-wide
    lists, at once), then what each build app needs read of its own."""
    client, ref = reading.client, reading.ref
    items, tasks, reloads = await asyncio.gather(
        client.get_all("/api/v1/items", params={"resourceType": "app"}),
        read_tasks(client),
        LastReloads.read(client),
    )
    return await read_apps(
        client,
        ref.name,
        items,
        reading.space_names,
        ref.apps,
        reading.now,
        reloads,
        tasks,
        prune=ref.prune_published,
        adopt=ref.adopt_unmarked,
    )


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
    adopt: bool = False,
) -> Found:
    """``prune`` (published copies no longer in the spec will be pruned): ``keep_sheets`` or
    ``with_sheets``; their sheets are counted, so one customers use is protected (``keep_sheets``)
    or at least shown (``with_sheets``). ``adopt``: unmarked apps the spec describes are read
    and reported for adoption (:mod:`.adopt_apps`), and so are unmarked schedules."""
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
    found = Found(out)
    last_reloads = reloads or LastReloads(client, {}, complete=False)
    reads = []
    for template, copies in sorted(builds.items()):
        # Several build copies of one template only happen after an interrupted import or
        # upgrade: the newest is the one worked on, the others are leftovers.
        copies.sort(key=app_items.created, reverse=True)
        ref = refs.get(template)
        max_age = ref.max_age_seconds if ref else None
        shown = published.get(template)
        served_at = epoch(app_items.attrs(shown).get("lastReloadTime")) if shown else None
        freshness = Freshness(max_age, now, served_at)
        spec_script = ref.script if ref else None
        checks = ref.checks if ref else ()
        adopting = adopt and ref is not None and ref.release is not None
        reads.append(
            build_app(
                client,
                tenant,
                copies[0],
                spaces,
                freshness,
                spec_script,
                last_reloads,
                checks,
                adopt_script=adopt_apps.identity(ref) if adopting and ref else None,
            )
        )
        leftovers += [(template, extra) for extra in copies[1:]]
    adopted = adopt_apps.candidates(items, spaces, refs, builds, published) if adopt else []
    for candidate in adopted:
        ref = refs[candidate.template]
        if candidate.build is None:
            continue
        shown = candidate.published or published.get(candidate.template)
        served_at = epoch(app_items.attrs(shown).get("lastReloadTime")) if shown else None
        freshness = Freshness(ref.max_age_seconds, now, served_at)
        reads.append(
            build_app(
                client,
                tenant,
                candidate.build,
                spaces,
                freshness,
                ref.script,
                last_reloads,
                ref.checks,
                adopt=candidate.identity,
            )
        )
    for resources_ in await asyncio.gather(*reads):  # the build apps, read at once
        out += resources_
    linked = {app_items.attrs(i).get("originAppId") for c in copies_of.values() for i in c}
    out += [_leftover(tenant, template, item, linked) for template, item in leftovers]
    out += extras
    builds = {**builds, **{c.template: [c.build] for c in adopted if c.build is not None}}
    published = {**published, **_adopted_published(found, tenant, refs, adopted)}
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
            client, tenant, targets, tasks, left=unpublished, protect=kept, adopt=adopt
        )
    return found


def _adopted_published(
    found: Found, tenant: str, refs: dict[str, AppRef], adopted: list[adopt_apps.Candidate]
) -> dict[str, dict[str, Any]]:
    """The unmarked published copies to adopt, added to ``found``; by template. Each is taken
    to show the spec's content when its build copy's script is the spec's."""
    scripts = {
        r.key.name: str(r.fields.get("script"))
        for r in found.resources
        if r.key.kind == resources.SCRIPT
    }
    out = {}
    for candidate in adopted:
        ref = refs[candidate.template]
        if candidate.published is None or ref.publish_to is None:
            continue
        # Current: the build copy's script (as read, or as adopted) is the spec's.
        text = scripts.get(candidate.template)
        current = (
            text is not None
            and ref.digest is not None
            and ownership.content_digest(ref.digest, text) == ref.content
        )
        found.resources.append(
            adopt_apps.published_resource(tenant, candidate, ref.publish_to, current=current)
        )
        out[candidate.template] = candidate.published
    return out


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
    allowed = PublishedAppInputs(with_sheets=allow_sheets).as_dict()
    return replace(resource, protected=why, delete_inputs=allowed)


def _unmarked(
    found: Found,
    tenant: str,
    items: list[dict[str, Any]],
    spaces: dict[str, str],
    refs: dict[str, AppRef],
    builds: dict[str, list[dict[str, Any]]],
    published: dict[str, dict[str, Any]],
) -> None:
    """Expected apps without our marker (left alone), and expected apps gone missing (drift).

    An unmarked app carries why it could not be taken over even where the tenant adopts
    (several of one name; a published copy of another app), so the plan can say so.
    """
    unmarked: dict[tuple[str, Any], list[dict[str, Any]]] = {}
    for item in items:
        if app_items.marker(item) is None:
            where = (spaces.get(item.get("spaceId") or "", ""), item.get("name"))
            unmarked.setdefault(where, []).append(item)
    for template, ref in sorted(refs.items()):
        app_key = resources.app_key(tenant, template)
        pub_key = resources.published_key(tenant, template)
        if template not in builds:
            strangers = unmarked.get((ref.space, ref.name), [])
            if strangers:
                found.resources.append(_stranger(app_key, ref, strangers, ref.space))
            elif template in published:
                found.missing[app_key] = (
                    "build app is missing (deleted in the tenant?); its published copy remains"
                )
        if ref.publish_to and template not in published:
            strangers = unmarked.get((ref.publish_to, ref.name), [])
            if strangers:
                stranger = _stranger(pub_key, ref, strangers, ref.publish_to)
                build = builds.get(template)
                origin = app_items.attrs(strangers[-1]).get("originAppId")
                if build and len(strangers) == 1 and origin != app_items.app_id(build[0]):
                    why = f"published from {origin}, not from the build app"
                    stranger = replace(stranger, drift=(why,))
                found.resources.append(stranger)
            elif template in builds:
                found.missing[pub_key] = (
                    "published app is missing: deleted in the tenant, "
                    "or an earlier apply stopped before publishing"
                )


def _stranger(
    key: ResourceKey, ref: AppRef, strangers: list[dict[str, Any]], space: str
) -> ActualResource:
    """An app without our marker where the spec expects one (the last listed, as before)."""
    why = (
        (f"{len(strangers)} apps named {ref.name!r} in {space!r}: which one is meant is ambiguous",)
        if len(strangers) > 1
        else ()
    )
    return ActualResource(
        key, {"name": ref.name}, owned=False, ident=app_items.app_id(strangers[-1]), drift=why
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
