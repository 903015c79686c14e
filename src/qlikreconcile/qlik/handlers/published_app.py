"""Published apps: the build app published (first time) or republished to the managed space.

Publishing happens only from a build app whose last reload SUCCEEDED; that is checked here again,
not only by the plan's ordering, so a failed reload can never replace what customers see.
Republish validates the origin (``checkOriginAppId``) unless the build app was replaced by a new
release, in which case the published app is re-linked to the new build copy (see quirks).
"""

from __future__ import annotations

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import fields_digest
from qlikreconcile.errors import OperationError
from qlikreconcile.qlik import ownership, quirks
from qlikreconcile.qlik.handlers.base import HandlerEnv
from qlikreconcile.qlik.handlers.reload import latest


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
        first = {"spaceId": env.ident(str(op.inputs["space"])), "attributes": attributes}
        created = await client.post_json(f"/api/v1/apps/{build_id}/publish", first, expected=(200,))
        return Outcome(ident=str(created["attributes"]["id"]))
    target_id = env.ident(op.key)
    target = await client.get_json(f"/api/v1/apps/{target_id}")
    linked = (target.get("attributes") or {}).get("originAppId") == build_id
    body: dict[str, object] = {
        "targetId": target_id,
        "attributes": attributes,
        "checkOriginAppId": quirks.republish_check_origin(linked=linked),
    }
    await client.put_json(f"/api/v1/apps/{build_id}/publish", body)
    return Outcome(ident=target_id)
