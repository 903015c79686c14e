"""Reading one build copy of a template: the app, its load script, and whether its data is current.

The script history is read once (its two newest versions): when the newest is ours with the
spec's script hash, its text is not read again. The last reload comes from one tenant-wide list
where Qlik allows it (:class:`LastReloads`). A build app whose data is current has a SUCCEEDED
reload newer than its script, younger than ``max_age``, and passing the template's data checks.

A script version qlikreconcile wrote when it adopted an app (only its header comment added,
:func:`~.ownership.is_adoption_message`) is no content change: the data reloaded before it is
still current, so staleness is judged against the version before it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from qlikreconcile.engine.state import ActualResource
from qlikreconcile.errors import ApiError
from qlikreconcile.qlik import app_items, data_checks, ownership, resources
from qlikreconcile.qlik.client import QlikClient

ACTIVE_RELOAD = frozenset({"QUEUED", "RELOADING", "CANCELING"})


async def build_app(
    client: QlikClient,
    tenant: str,
    item: dict[str, Any],
    spaces: dict[str, str],
    freshness: Freshness,
    spec_script: str | None,
    reloads: LastReloads,
    checks: tuple[dict[str, Any], ...] = (),
    *,
    adopt: ownership.AppMarker | None = None,
    adopt_script: ownership.AppMarker | None = None,
) -> list[ActualResource]:
    """The app, its script and its reload status. ``adopt``: the app carries no marker of ours
    and is to be taken over as this (the spec's template and release). ``adopt_script``: the
    tenant adopts unmarked resources, so a script not set by us whose text is the spec's is
    taken over the same way (an adoption interrupted after marking the app)."""
    marker = adopt or app_items.marker(item)
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
        owned=adopt is None,
        adopt=adopt is not None,
        drift=(f"no ownership marker; taken to be {template}@{marker.release}",) if adopt else (),
    )
    history, last = await asyncio.gather(
        client.get_json(f"/api/v1/apps/{app_id}/scripts", params={"limit": 2}),
        reloads.last(app_id),
    )
    versions = history.get("scripts") or [{}]
    head = versions[0]
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
    identity = adopt or adopt_script
    taken = _adopted_script(script, identity) if identity and script_drift else None
    if taken is not None:
        script = taken
    elif adopt is not None:
        script = replace(script, drift=())  # a script that was never ours is not drift
    status, drift = reload_status(last, _content_changed(versions), freshness)
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


def _adopted_script(script: ActualResource, identity: ownership.AppMarker) -> ActualResource | None:
    """A script not set by us, taken over as it is when only our header line is missing (ADOPT
    adds it, with no reload); None when its text differs (an update like any change).

    The text is recognised as the spec's by the content digest the spec's published copy
    records (``identity.content``), so a saved plan, which carries no scripts, recognises it too.
    """
    assert identity.release is not None
    assert identity.digest is not None
    text = str(script.fields["script"])
    full = ownership.script_header(identity.template, identity.release) + text
    if ownership.content_digest(identity.digest, full) != identity.content:
        return None
    why = "its text is the spec's; the header line is added, no reload"
    return replace(script, fields={"script": full}, adopt=True, drift=(why,))


def _content_changed(versions: list[dict[str, Any]]) -> str | None:
    """When the script last changed in content: an adoption version (our header line added)
    does not count."""
    for version in versions:
        if not ownership.is_adoption_message(str(version.get("versionMessage") or "")):
            return str(version.get("modifiedTime") or "") or None
    return None


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
    ended = epoch(last.get("endTime")) if last and last.get("status") == "SUCCEEDED" else None
    return max((t for t in (ended, freshness.served_at) if t is not None), default=None)


def epoch(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _before(a: str | None, b: str) -> bool:
    first, second = epoch(a), epoch(b)
    if first is None:
        return True
    return second is not None and first < second
