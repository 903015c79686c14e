"""Published apps: the build app published (first time) or republished to the managed space.

Publishing happens only from a build app whose last reload SUCCEEDED; that is checked here again,
not only by the plan's ordering, so a failed reload can never replace what customers see.
After a publish or republish the app is read back: Qlik answers 403 for a while after publishing
(quirk ``PUBLISHED_ACCESS_WAIT_SECONDS``), so that read waits with a bounded backoff and fails the
operation with a clear message when access never arrives. Republish validates the origin
(``checkOriginAppId``) unless the build app was replaced by a new release, in which case the
published app is re-linked to the new build copy (see quirks).
"""

from __future__ import annotations

from typing import Any

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import fields_digest
from qlikreconcile.errors import ApiError, OperationError
from qlikreconcile.qlik import ownership, quirks
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.handlers.adopt import create_once
from qlikreconcile.qlik.handlers.base import HandlerEnv
from qlikreconcile.qlik.handlers.reload import latest


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


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    build_id = env.ident(str(op.inputs["app"]))
    last = await latest(client, build_id)
    if last is None or last.get("status") != "SUCCEEDED":
        state = "never reloaded" if last is None else f"last reload {last.get('status')}"
        raise OperationError(f"not publishing: the build app is {state}")
    marker = ownership.AppMarker(
        role="published",
        template=op.key.name,
        content=str(op.desired["content"]),
        applied=fields_digest(op.desired),
    )
    attributes = {"name": op.desired["name"], "description": marker.render()}
    if op.action is Action.PUBLISH:
        space_id = env.ident(str(op.inputs["space"]))
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
    await client.put_json(f"/api/v1/apps/{build_id}/publish", body)
    await read_published(env, client, target_id)
    return Outcome(ident=target_id)
