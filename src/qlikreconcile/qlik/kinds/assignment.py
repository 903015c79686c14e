"""Group role assignments on spaces. The group is found by name, and created when missing.

Both creates are settled by a re-read when their answer is lost (or Qlik says 409): the group by
name, the assignment by its assignee in the space (Qlik allows one per assignee and space), whose
roles are then set as desired.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import ActualResource, DesiredResource
from qlikreconcile.qlik import ownership, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.kinds.adopt import create_once
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.inputs import OperationInputs
from qlikreconcile.qlik.kinds.kind import Found, Kind, Reading, Wants
from qlikreconcile.qlik.lookups import find_group

SPEC = KindSpec(
    resources.ASSIGNMENT, 2, deletable=True, left_behind="the group keeps these roles on the space"
)


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


def want(wants: Wants) -> list[DesiredResource]:
    t = wants.tenant.name
    out = []
    for space in wants.tenant.spaces:
        space_key = resources.space_key(t, space.name)
        for member in space.members:
            inputs = AssignmentInputs(space=str(space_key), group=member.group)
            out.append(
                DesiredResource(
                    resources.assignment_key(t, space.name, member.group),
                    {"roles": sorted(member.roles)},
                    depends_on=(space_key,),
                    inputs=inputs,
                )
            )
    return out


async def read(reading: Reading) -> Found:
    """Group assignments of the spaces we own (and those about to be adopted) that the spec
    gives members, for those groups only.

    Groups are looked up by name (a filter per group the spec names) rather than listed: a
    tenant may hold thousands of groups.
    """
    ref, client = reading.ref, reading.client
    owned = [
        s
        for s in reading.spaces
        if s.get("name")
        and (ref.adopt_unmarked or ownership.parse_space_description(s.get("description"))[0])
    ]
    wanted = [s for s in owned if ref.members.get(s["name"])]
    if not wanted:
        return Found([])
    names = sorted({g for s in wanted for g in ref.members[s["name"]]})
    # The groups and the assignments do not depend on each other: read them at once.
    found, *lists = await asyncio.gather(
        asyncio.gather(*(find_group(client, name) for name in names)),
        *(
            client.get_all(f"/api/v1/spaces/{space['id']}/assignments", params={"type": "group"})
            for space in wanted
        ),
    )
    by_id = {ident: name for name, ident in zip(names, found, strict=True) if ident}
    out = []
    for space, assignments in zip(wanted, lists, strict=True):
        for assignment in assignments:
            group = by_id.get(assignment.get("assigneeId", ""))
            if group is None:
                continue
            out.append(
                ActualResource(
                    resources.assignment_key(ref.name, space["name"], group),
                    {"roles": sorted(assignment.get("roles") or [])},
                    ident=assignment.get("id"),
                )
            )
    return Found(out)


KIND = Kind(SPEC, run, want, read)
