"""Group role assignments on spaces. The group is found by name, and created when missing.

Both creates are settled by a re-read when their answer is lost (or Qlik says 409): the group by
name, the assignment by its assignee in the space (Qlik allows one per assignee and space), whose
roles are then set as desired.
"""

from __future__ import annotations

from dataclasses import dataclass

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.handlers.adopt import create_once
from qlikreconcile.qlik.handlers.base import HandlerEnv
from qlikreconcile.qlik.handlers.inputs import OperationInputs
from qlikreconcile.qlik.lookups import find_group


@dataclass(frozen=True, slots=True)
class AssignmentInputs(OperationInputs):
    space: str
    """The key of the space."""
    group: str
    """The group's name (its id is looked up)."""


async def _group_id(env: HandlerEnv, client: QlikClient, name: str) -> str:
    found = await find_group(client, name)
    if found is not None:
        return found

    async def create() -> str:
        created = await client.post_json("/api/v1/groups", {"name": name, "status": "active"})
        return str(created["id"])

    return await create_once(
        env,
        host=client.host,
        what=f"create group {name!r}",
        create=create,
        find=lambda: find_group(client, name),
    )


async def _find_assignment(
    client: QlikClient, space_id: str, group_id: str
) -> tuple[str, list[str]] | None:
    path = f"/api/v1/spaces/{space_id}/assignments"
    async for found in client.paginate(path, params={"type": "group", "assigneeId": group_id}):
        if found.get("assigneeId") == group_id:
            return str(found["id"]), sorted(found.get("roles") or [])
    return None


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    inputs = AssignmentInputs.of(op)
    space_id = env.ident(inputs.space)
    roles = list(op.desired["roles"])
    if op.action is Action.CREATE:
        group_id = await _group_id(env, client, inputs.group)
        body = {"type": "group", "assigneeId": group_id, "roles": roles}
        path = f"/api/v1/spaces/{space_id}/assignments"

        async def create() -> tuple[str, list[str]]:
            created = await client.post_json(path, body, expected=(201,))
            return str(created["id"]), sorted(roles)

        assignment_id, has = await create_once(
            env,
            host=client.host,
            what=f"assign {inputs.group!r} in space {space_id}",
            create=create,
            find=lambda: _find_assignment(client, space_id, group_id),
        )
        if has != sorted(roles):
            await client.put_json(f"{path}/{assignment_id}", {"roles": roles})
        return Outcome(ident=assignment_id)
    assignment_id = env.ident(op.key)
    await client.put_json(
        f"/api/v1/spaces/{space_id}/assignments/{assignment_id}", {"roles": roles}
    )
    return Outcome(ident=assignment_id)
