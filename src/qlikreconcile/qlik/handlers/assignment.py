"""Group role assignments on spaces. The group is found by name, and created when missing."""

from __future__ import annotations

import json

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.handlers.base import HandlerEnv


async def _group_id(client: QlikClient, name: str) -> str:
    query = {"filter": f"name eq {json.dumps(name)}"}
    async for group in client.paginate("/api/v1/groups", params=query):
        if group.get("name") == name:
            return str(group["id"])
    created = await client.post_json("/api/v1/groups", {"name": name, "status": "active"})
    return str(created["id"])


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    space_id = env.ident(str(op.inputs["space"]))
    roles = list(op.desired["roles"])
    if op.action is Action.CREATE:
        body = {
            "type": "group",
            "assigneeId": await _group_id(client, str(op.inputs["group"])),
            "roles": roles,
        }
        path = f"/api/v1/spaces/{space_id}/assignments"
        created = await client.post_json(path, body, expected=(201,))
        return Outcome(ident=str(created["id"]))
    assignment_id = env.ident(op.key)
    await client.put_json(
        f"/api/v1/spaces/{space_id}/assignments/{assignment_id}", {"roles": roles}
    )
    return Outcome(ident=assignment_id)
