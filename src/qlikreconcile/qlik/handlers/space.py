"""Spaces: created with the ownership marker in their description; only the description changes.

A create whose answer was lost is settled by finding the space by name with our marker.
"""

from __future__ import annotations

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import fields_digest
from qlikreconcile.qlik import ownership
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.handlers.adopt import create_once
from qlikreconcile.qlik.handlers.base import HandlerEnv
from qlikreconcile.qlik.lookups import find_named


async def find_owned(client: QlikClient, name: str) -> str | None:
    """The id of the space called ``name`` if it carries our marker."""
    for space in await find_named(client, "/api/v1/spaces", name):
        if ownership.parse_space_description(space.get("description"))[0]:
            return str(space["id"])
    return None


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    applied = fields_digest(op.desired)
    description = ownership.space_description(str(op.desired.get("description", "")), applied)
    if op.action is Action.CREATE:
        body = {"name": op.key.name, "type": op.desired["type"], "description": description}

        async def create() -> str:
            created = await client.post_json("/api/v1/spaces", body, expected=(201,))
            return str(created["id"])

        space_id = await create_once(
            env,
            host=client.host,
            what=f"create space {op.key.name!r}",
            create=create,
            find=lambda: find_owned(client, op.key.name),
        )
        return Outcome(ident=space_id)
    space_id = env.ident(op.key)
    patch = [{"op": "replace", "path": "/description", "value": description}]
    await client.patch_json(f"/api/v1/spaces/{space_id}", patch, idempotent=True)
    return Outcome(ident=space_id)
