"""Build apps: a template release imported into the tenant's shared build space.

A new release is a new import (Qlik offers external clients no in-place replace: ``mode=
AUTOREPLACE`` is documented as internal). The previous build copy is re-marked ``superseded``
rather than deleted, so the published app stays linked to a living source until it has been
republished from the new copy.
"""

from __future__ import annotations

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.qlik import ownership
from qlikreconcile.qlik.handlers.base import HandlerEnv


def marker(op: Operation, role: str = "build") -> ownership.AppMarker:
    return ownership.AppMarker(
        role=role,
        template=str(op.desired["template"]),
        release=int(op.desired["release"]),
        digest=str(op.desired["digest"]),
    )


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    name = str(op.desired["name"])
    description = ownership.app_description(str(op.inputs.get("description", "")), marker(op))
    if op.action is Action.UPDATE:
        app_id = env.ident(op.key)
        await client.put_json(f"/api/v1/apps/{app_id}", {"attributes": {"name": name}})
        return Outcome(ident=app_id)

    data = env.read_artifact(str(op.inputs["artifact"]))
    params = {"spaceId": env.ident(str(op.inputs["space"])), "name": name}
    response = await client.request("POST", "/api/v1/apps/import", params=params, content=data)
    app_id = str(response.json()["attributes"]["id"])
    attributes = {"name": name, "description": description}
    await client.put_json(f"/api/v1/apps/{app_id}", {"attributes": attributes})
    if op.action is Action.REPLACE and op.ident:
        old = ownership.AppMarker(role="superseded", template=str(op.desired["template"]))
        await client.put_json(
            f"/api/v1/apps/{op.ident}", {"attributes": {"description": old.render()}}
        )
    return Outcome(ident=app_id, detail=f"imported release {op.desired['release']} as {app_id}")
