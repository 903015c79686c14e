"""Apps a tenant file adopts (``adopt_unmarked: true``): found as the spec describes them.

A fleet deployed "the tutorial way" (imported, scripted, reloaded and published by hand or by
scripts) carries none of our markers. Where the tenant file adopts, discovery recognises:

* the build copy: the one app without a marker named as the spec names it in the spec's build
  space (two of them are ambiguous and left alone); it is read as fully as ours (script history,
  last reload) and taken to be the template release the spec names, since an unmarked app keeps
  no link to the file it was imported from;
* the published copy: the app without a marker named as the spec names it in the managed space
  and published from that build copy (``originAppId``); it is taken to show the spec's content
  when the build copy's script is the spec's, otherwise it is republished after the update.

These reads cost requests only for tenants that adopt; other tenants' unmarked apps are reported
unowned from the item list alone (:mod:`.discover_apps`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qlikreconcile.engine.state import ActualResource
from qlikreconcile.qlik import app_items, ownership, resources
from qlikreconcile.qlik.refs import AppRef


@dataclass(frozen=True, slots=True)
class Candidate:
    """What may be adopted for one template: an unmarked build copy and/or published copy."""

    template: str
    identity: ownership.AppMarker
    """What the build copy is taken to be: the spec's template, release and artifact digest."""
    build: dict[str, Any] | None = None
    published: dict[str, Any] | None = None


def identity(ref: AppRef) -> ownership.AppMarker:
    """The build copy as the spec names it, with the content its published copy shows."""
    return ownership.AppMarker(
        role="build",
        template=ref.template,
        release=ref.release,
        digest=ref.digest,
        content=ref.content,
    )


def _unmarked_in(
    items: Sequence[dict[str, Any]], spaces: Mapping[str, str], space: str, name: str
) -> list[dict[str, Any]]:
    return [
        i
        for i in items
        if app_items.marker(i) is None
        and i.get("name") == name
        and spaces.get(i.get("spaceId") or "", "") == space
    ]


def candidates(
    items: Sequence[dict[str, Any]],
    spaces: Mapping[str, str],
    refs: Mapping[str, AppRef],
    builds: Mapping[str, list[dict[str, Any]]],
    published: Mapping[str, dict[str, Any]],
) -> list[Candidate]:
    """The unmarked apps to adopt, per template the spec expects (``refs``: template -> AppRef
    carrying the spec's release; only tenants that adopt set it)."""
    found = []
    for template, ref in sorted(refs.items()):
        if ref.release is None:
            continue
        build = None
        if template in builds:
            build_id = app_items.app_id(builds[template][0])
        else:
            strangers = _unmarked_in(items, spaces, ref.space, ref.name)
            if len(strangers) != 1:
                continue  # none, or ambiguous: reported as unowned, never guessed
            build = strangers[0]
            build_id = app_items.app_id(build)
        shown = None
        if ref.publish_to and template not in published:
            copies = [
                i
                for i in _unmarked_in(items, spaces, ref.publish_to, ref.name)
                if app_items.attrs(i).get("originAppId") == build_id
            ]
            shown = copies[0] if len(copies) == 1 else None
        if build is not None or shown is not None:
            found.append(Candidate(template, identity(ref), build, shown))
    return found


def published_resource(
    tenant: str, candidate: Candidate, publish_to: str, *, current: bool
) -> ActualResource:
    """The unmarked published copy, for adoption. ``current``: the build copy's script is the
    spec's, so the copy is taken to show the spec's content; otherwise its content is unknown
    (and the update of the script republishes it)."""
    item = candidate.published
    assert item is not None
    origin = app_items.attrs(item).get("originAppId")
    return ActualResource(
        resources.published_key(tenant, candidate.template),
        {
            "name": item.get("name"),
            "space": publish_to,
            "content": candidate.identity.content if current else None,
        },
        ident=app_items.app_id(item),
        owned=False,
        adopt=True,
        drift=(f"no ownership marker; published from {origin}",),
    )
