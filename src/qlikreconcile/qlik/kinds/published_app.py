"""Published apps: the build app published (first time) or republished to the managed space.

Publishing happens only from a build app whose last reload SUCCEEDED; that is checked here again,
not only by the plan's ordering, so a failed reload can never replace what customers see.
After a publish or republish the app is read back: Qlik answers 403 for a while after publishing
(quirk ``PUBLISHED_ACCESS_WAIT_SECONDS``), so that read waits with a bounded backoff and fails the
operation with a clear message when access never arrives. Republish validates the origin
(``checkOriginAppId``) unless the build app was replaced by a new release, in which case the
published app is re-linked to the new build copy (see quirks).

ADOPT marks a published copy someone else made (``PUT /apps/{id}`` attributes: name and our
marker, quirk ``PUBLISHED_ATTRIBUTES_BY_PUT``); nothing is republished unless the plan says
``then: republish`` (the build app's script changed in the same plan), which republishes as
above, writing the marker with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import DesiredResource, fields_digest
from qlikreconcile.errors import ApiError, OperationError
from qlikreconcile.qlik import ownership, quirks, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.engine import SheetCounts, count_sheets, count_sheets_or_none
from qlikreconcile.qlik.kinds.adopt import create_once
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.inputs import OperationInputs
from qlikreconcile.qlik.kinds.kind import Kind, Wants
from qlikreconcile.qlik.kinds.reload import latest

SPEC = KindSpec(
    resources.PUBLISHED_APP,
    7,
    create_action=Action.PUBLISH,
    update_action=Action.REPUBLISH,
    refresh_action=Action.REPUBLISH,
    fixed_fields=frozenset({"space"}),
    deletable=True,  # never while customers' sheets are seen in it (see discover_apps)
    left_behind="customers still open it in its managed space",
    fixed_hint=quirks.MOVE_PUBLISHED_HINT,
)


@dataclass(frozen=True, slots=True)
class PublishedAppInputs(OperationInputs):
    app: str = ""
    """The key of the build app it is published from."""
    space: str = ""
    """The key of the managed space."""
    with_sheets: bool = False
    """A prune the tenant file allows even with customers' sheets in the copy."""


async def find_published(
    client: QlikClient, space_id: str, template: str, build_id: str
) -> str | None:
    """Our published copy of ``template`` in the managed space, preferring one of ``build_id``."""
    params = {"resourceType": "app", "spaceId": space_id}
    candidates = []
    async for item in client.paginate("/api/v1/items", params=params):
        attrs = item.get("resourceAttributes") or {}
        marker = ownership.parse_app_marker(attrs.get("description") or item.get("description"))
        if marker is not None and marker.role == "published" and marker.template == template:
            ident = str(item.get("resourceId") or attrs.get("id"))
            candidates.append((attrs.get("originAppId") == build_id, ident))
    return max(candidates)[1] if candidates else None


async def read_published(env: HandlerEnv, client: QlikClient, app_id: str) -> dict[str, Any]:
    """``GET /apps/{id}``, waiting out the 403 of a fresh publish up to the declared bound."""
    delay, factor, cap = quirks.PUBLISHED_ACCESS_BACKOFF
    waited = 0.0
    while True:
        try:
            return dict(await client.get_json(f"/api/v1/apps/{app_id}"))
        except ApiError as exc:
            if not quirks.is_access_pending(exc):
                raise
            left = quirks.PUBLISHED_ACCESS_WAIT_SECONDS - waited
            if left <= 0:
                raise OperationError(
                    f"published app {app_id} still answers 403 {waited:.0f}s after publishing",
                    detail="Qlik normally grants access within about two minutes; check the "
                    "managed space's members and run apply again",
                ) from None
        step = min(delay, left)
        await env.pause(step)
        waited += step
        delay = min(delay * factor, cap)


async def _delete_copy(op: Operation, env: HandlerEnv) -> Outcome:
    """Delete a second published copy, or one pruned, after checking again that it is ours and
    unused.

    The plan saw no sheet of customers' in it; they may have made one since, so the engine
    counts again right before the delete and a single sheet stops it (unless the tenant file
    allows pruning published copies with sheets, ``with_sheets``).
    """
    client = env.client(op)
    app_id = str(op.ident)
    template = op.key.name.split("~", 1)[0]
    found = await read_published(env, client, app_id)
    attrs = found.get("attributes") or {}
    marker = ownership.parse_app_marker(attrs.get("description"))
    if marker is None or marker.role != "published" or marker.template != template:
        raise OperationError(f"not deleting app {app_id}: it is not a published copy we made")
    sheets = await count_sheets(client, app_id)
    if sheets.customers and not PublishedAppInputs.of(op).with_sheets:
        raise OperationError(
            f"not deleting published app {app_id}: customers' sheets appeared in it since the "
            f"plan ({sheets})",
            detail="it is kept; the next plan keeps the copy customers use",
        )
    await client.delete(f"/api/v1/apps/{app_id}", missing_ok=True)
    return Outcome(detail=f"deleted published copy {app_id} ({sheets})")


async def _adopt(op: Operation, env: HandlerEnv, marker: ownership.AppMarker) -> Outcome:
    """Mark a published copy someone else made as ours: its attributes only, no republish."""
    client = env.client(op)
    app_id = env.ident(op.key)
    attributes = {"name": op.desired["name"], "description": marker.render()}
    await client.put_json(f"/api/v1/apps/{app_id}", {"attributes": attributes})
    return Outcome(ident=app_id, detail=f"took over published app {app_id}")


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    if op.action is Action.DELETE:
        return await _delete_copy(op, env)
    marker = ownership.AppMarker(
        role="published",
        template=op.key.name,
        content=str(op.desired["content"]),
        applied=fields_digest(op.desired),
    )
    if op.action is Action.ADOPT and op.then is None and quirks.PUBLISHED_ATTRIBUTES_BY_PUT:
        return await _adopt(op, env, marker)
    # PUBLISH, REPUBLISH, and ADOPT then REPUBLISH (the republish writes the marker).
    client = env.client(op)
    inputs = PublishedAppInputs.of(op)
    build_id = env.ident(inputs.app)
    last = await latest(client, build_id)
    if last is None or last.get("status") != "SUCCEEDED":
        state = "never reloaded" if last is None else f"last reload {last.get('status')}"
        raise OperationError(f"not publishing: the build app is {state}")
    attributes = {"name": op.desired["name"], "description": marker.render()}
    if op.action is Action.PUBLISH:
        space_id = env.ident(inputs.space)
        first = {"spaceId": space_id, "attributes": attributes}

        async def create() -> str:
            path = f"/api/v1/apps/{build_id}/publish"
            created = await client.post_json(path, first, expected=(200,))
            return str(created["attributes"]["id"])

        published = await create_once(
            env,
            host=client.host,
            what=f"publish {op.key.name}",
            create=create,
            find=lambda: find_published(client, space_id, op.key.name, build_id),
        )
        await read_published(env, client, published)
        return Outcome(ident=published)
    target_id = env.ident(op.key)
    target = await read_published(env, client, target_id)
    linked = (target.get("attributes") or {}).get("originAppId") == build_id
    body: dict[str, object] = {
        "targetId": target_id,
        "attributes": attributes,
        "checkOriginAppId": quirks.republish_check_origin(linked=linked),
    }
    before = await count_sheets_or_none(client, target_id)
    await client.put_json(f"/api/v1/apps/{build_id}/publish", body)
    after = await read_published(env, client, target_id)
    return await _verify_republish(client, target_id, build_id, after, before)


async def _verify_republish(
    client: QlikClient,
    target_id: str,
    build_id: str,
    after: dict[str, Any],
    before: SheetCounts | None,
) -> Outcome:
    """The published app read back: the same copy, linked to the new build app, and with every
    sheet of customers' it had (a drop should never happen; when it does, it is a failure the
    operator must see at once)."""
    attrs = after.get("attributes") or {}
    if attrs.get("id", target_id) != target_id or attrs.get("originAppId") != build_id:
        raise OperationError(
            f"republished app {target_id} reads back as {attrs.get('id')} linked to "
            f"{attrs.get('originAppId')}, not to the build app {build_id}"
        )
    if before is None:
        return Outcome(ident=target_id, detail="customers' sheets could not be counted before")
    now = await count_sheets_or_none(client, target_id)
    if now is None:
        return Outcome(ident=target_id, detail="customers' sheets could not be counted after")
    if now.community < before.community or now.private < before.private:
        raise OperationError(
            f"customers' sheets dropped in {target_id} after the republish: before {before}, "
            f"after {now}",
            detail="Qlik did not keep community or private sheets across the republish "
            "(quirk REPUBLISH_KEEPS_USER_SHEETS); stop rolling out and check the app",
        )
    return Outcome(ident=target_id)


def want(wants: Wants) -> list[DesiredResource]:
    """The copy published to the managed space, for the apps the spec publishes: after a
    reload that passed, again when the build app or its data changes."""
    fleet, t = wants.fleet, wants.tenant.name
    out = []
    for app in wants.tenant.apps:
        if not app.publish_to:
            continue
        release = fleet.templates[app.template].release(app.release)
        assert release is not None, "the spec loader guarantees pinned releases exist"
        app_key = resources.app_key(t, app.template)
        reload_key = resources.reload_key(t, app.template)
        managed_key = resources.space_key(t, app.publish_to)
        fields = {
            "name": app.name,
            "space": app.publish_to,
            "content": ownership.content_digest(release.sha256, app.text),
        }
        out.append(
            DesiredResource(
                resources.published_key(t, app.template),
                fields,
                depends_on=(reload_key, app_key, managed_key),
                refresh_on=(app_key, reload_key),
                inputs=PublishedAppInputs(app=str(app_key), space=str(managed_key)),
            )
        )
    return out


KIND = Kind(SPEC, run, want, read=None, prune_key="published_apps")
