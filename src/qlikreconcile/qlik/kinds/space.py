"""Spaces: created with the ownership marker in their description; only the description changes.

A create whose answer was lost is settled by finding the space by name with our marker.
"""

from __future__ import annotations

from typing import Any

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import ActualResource, DesiredResource, fields_digest
from qlikreconcile.qlik import ownership, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.kinds.adopt import create_once
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.kind import Found, Kind, Reading, Wants
from qlikreconcile.qlik.lookups import find_named

SPEC = KindSpec(
    resources.SPACE,
    1,
    fixed_fields=frozenset({"type"}),
    deletable=True,
    left_behind="the space stays, with everything in it and its members",
)


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


def want(wants: Wants) -> list[DesiredResource]:
    t = wants.tenant.name
    return [
        DesiredResource(
            resources.space_key(t, space.name),
            {"type": space.type, "description": space.description},
            depends_on=(resources.tenant_key(t),),
        )
        for space in wants.tenant.spaces
    ]


async def read(reading: Reading) -> Found:
    """The spaces were read first (they name the tenant's id): nothing more to ask Qlik."""
    adopt = reading.ref.adopt_unmarked
    return Found(
        [actual(reading.ref.name, s, adopt=adopt) for s in reading.spaces if s.get("name")]
    )


def actual(tenant: str, space: dict[str, Any], *, adopt: bool = False) -> ActualResource:
    """``adopt``: the tenant file adopts unmarked resources (one without our marker is)."""
    owned, text, applied = ownership.parse_space_description(space.get("description"))
    return ActualResource(
        resources.space_key(tenant, space["name"]),
        {"type": space.get("type"), "description": text},
        owned=owned,
        ident=space.get("id"),
        applied=applied,
        adopt=adopt and not owned,
        drift=("no ownership marker",) if adopt and not owned else (),
    )


KIND = Kind(SPEC, run, want, read)
