"""Spaces: created with the ownership marker in their description; only the description changes."""

from __future__ import annotations

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import fields_digest
from qlikreconcile.qlik import ownership
from qlikreconcile.qlik.handlers.base import HandlerEnv


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    applied = fields_digest(op.desired)
    description = ownership.space_description(str(op.desired.get("description", "")), applied)
    if op.action is Action.CREATE:
        body = {"name": op.key.name, "type": op.desired["type"], "description": description}
        created = await client.post_json("/api/v1/spaces", body, expected=(201,))
        return Outcome(ident=str(created["id"]))
    space_id = env.ident(op.key)
    patch = [{"op": "replace", "path": "/description", "value": description}]
    await client.patch_json(f"/api/v1/spaces/{space_id}", patch, idempotent=True)
    return Outcome(ident=space_id)
