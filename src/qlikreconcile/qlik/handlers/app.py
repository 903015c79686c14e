"""Build apps: a template release imported into the tenant's shared build space.

A new release is a new import (Qlik offers external clients no in-place replace: ``mode=
AUTOREPLACE`` is documented as internal). The previous build copy is re-marked ``superseded``
rather than deleted, so the published app stays linked to a living source until it has been
republished from the new copy.
"""

from __future__ import annotations

import hashlib

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import fields_digest
from qlikreconcile.errors import OperationError
from qlikreconcile.qlik import ownership
from qlikreconcile.qlik.handlers.base import HandlerEnv


async def _delete_leftover(op: Operation, env: HandlerEnv) -> Outcome:
    """Delete an older build copy, after checking again that it is ours and not published."""
    client = env.client(op)
    app_id = str(op.ident)
    found = await client.get_json(f"/api/v1/apps/{app_id}")
    attrs = found.get("attributes") or {}
    marker = ownership.parse_app_marker(attrs.get("description"))
    if marker is None or marker.role not in ("build", "superseded") or attrs.get("publishTime"):
        raise OperationError(f"not deleting app {app_id}: it is not a build copy we made")
    await client.delete(f"/api/v1/apps/{app_id}", missing_ok=True)
    return Outcome(detail=f"deleted older build copy {app_id}")


def marker(op: Operation, role: str = "build") -> ownership.AppMarker:
    return ownership.AppMarker(
        role=role,
        template=str(op.desired["template"]),
        release=int(op.desired["release"]),
        digest=str(op.desired["digest"]),
        applied=fields_digest(op.desired),
    )


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    if op.action is Action.DELETE:
        return await _delete_leftover(op, env)
    client = env.client(op)
    name = str(op.desired["name"])
    description = ownership.app_description(str(op.inputs.get("description", "")), marker(op))
    attributes = {"name": name, "description": description}
    if op.action is Action.UPDATE:
        app_id = env.ident(op.key)
        await client.put_json(f"/api/v1/apps/{app_id}", {"attributes": attributes})
        return Outcome(ident=app_id)

    data = env.read_artifact(str(op.inputs["artifact"]))
    if hashlib.sha256(data).hexdigest() != op.desired["digest"]:
        raise OperationError(
            f"release artifact {op.inputs['artifact']} does not match its sha256 in the plan; "
            "it changed after planning: make a new plan"
        )
    params = {"spaceId": env.ident(str(op.inputs["space"])), "name": name}
    response = await client.request("POST", "/api/v1/apps/import", params=params, content=data)
    app_id = str(response.json()["attributes"]["id"])
    await client.put_json(f"/api/v1/apps/{app_id}", {"attributes": attributes})
    if op.action is Action.REPLACE and op.ident:
        old = ownership.AppMarker(role="superseded", template=str(op.desired["template"]))
        await client.put_json(
            f"/api/v1/apps/{op.ident}", {"attributes": {"description": old.render()}}
        )
    return Outcome(ident=app_id, detail=f"imported release {op.desired['release']} as {app_id}")
