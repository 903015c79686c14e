"""Spaces and space assignments (qlik-cloud-api.md §3). Errors repeat code/title at top level."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError, bad_request, conflict, not_found
from qlikreconcile.emulator.api.pagination import page_body, paginate
from qlikreconcile.emulator.api.scim_filter import compile_filter
from qlikreconcile.emulator.state import spaces as changes
from qlikreconcile.emulator.state.tenant import Assignment, Space
from qlikreconcile.emulator.timefmt import iso

SPACE_TYPES = ("shared", "managed", "data")
ROLES_BY_TYPE: dict[str, tuple[str, ...]] = {
    "shared": ("codeveloper", "consumer", "dataconsumer", "facilitator", "producer"),
    "managed": (
        "consumer",
        "contributor",
        "dataconsumer",
        "facilitator",
        "publisher",
        "basicconsumer",
    ),
    "data": (
        "consumer",
        "dataconsumer",
        "datapreview",
        "facilitator",
        "operator",
        "producer",
        "publisher",
    ),
}
ASSIGNEE_TYPES = ("user", "group", "bot")
_NAME = re.compile(r'^[^"*?<>/|\\:]+$')
# change_owner is in the 2025 ActionName enum but not in qlik-sdk 0.17's, which refuses to parse
# a space carrying it (quirk spaces.meta_actions).
_ACTIONS = ["create", "delete", "read", "update", "publish"]


def render_space(ctx: Ctx, space: Space) -> dict[str, Any]:
    href = f"{ctx.base_url()}/api/v1/spaces/{space.id}"
    return {
        "id": space.id,
        "name": space.name,
        "description": space.description,
        "type": space.type,
        "ownerId": space.owner_id,
        "tenantId": ctx.tenant.id,
        "createdAt": iso(space.created_at),
        "createdBy": space.created_by,
        "updatedAt": iso(space.updated_at),
        "meta": {
            "actions": _ACTIONS,
            "roles": [],
            "assignableRoles": list(ROLES_BY_TYPE[space.type]),
        },
        "links": {"self": {"href": href}, "assignments": {"href": f"{href}/assignments"}},
    }


def render_assignment(ctx: Ctx, a: Assignment) -> dict[str, Any]:
    space_href = f"{ctx.base_url()}/api/v1/spaces/{a.space_id}"
    return {
        "id": a.id,
        "type": a.type,
        "assigneeId": a.assignee_id,
        "roles": list(a.roles),
        "spaceId": a.space_id,
        "tenantId": ctx.tenant.id,
        "createdAt": iso(a.created_at),
        "createdBy": a.created_by,
        "updatedAt": iso(a.updated_at),
        "updatedBy": a.updated_by,
        "links": {
            "self": {"href": f"{space_href}/assignments/{a.id}"},
            "space": {"href": space_href},
        },
    }


def get_space(ctx: Ctx, space_id: str) -> Space:
    space = ctx.tenant.spaces.get(space_id)
    if space is None:
        raise not_found("spaces", "Space", space_id, "SpaceNotFound")
    return space


def _check_name(ctx: Ctx, name: object, exclude: str | None = None) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 256 or not _NAME.match(name):
        raise bad_request(
            "spaces", 'name must be 1-256 characters without " * ? < > / | \\ :', "InvalidName"
        )
    if changes.name_taken(ctx.tenant, name, exclude):
        raise conflict("spaces", "Space already exists. name must be unique", "SpaceConflict")
    return name


@endpoint(service="spaces")
async def list_spaces(ctx: Ctx) -> Response:
    spaces = list(ctx.tenant.spaces.values())
    match = compile_filter(ctx, ctx.query("filter"))
    spaces = [s for s in spaces if match({"name": s.name, "id": s.id, "type": s.type})]
    if name := ctx.query("name"):
        spaces = [s for s in spaces if name.lower() in s.name.lower()]
    if types := ctx.query("type"):
        wanted = {t.strip() for t in types.split(",")}
        spaces = [s for s in spaces if s.type in wanted]
    if owner := ctx.query("ownerId"):
        spaces = [s for s in spaces if s.owner_id == owner]
    sort = ctx.query("sort") or ""
    if sort:
        key = sort.lstrip("+-")
        if key not in ("name", "type", "createdAt"):
            raise bad_request("spaces", f"Unsupported sort '{sort}'")
        attr = {"name": "name", "type": "type", "createdAt": "created_at"}[key]
        spaces.sort(key=lambda s: getattr(s, attr), reverse=sort.startswith("-"))
    page = paginate(ctx, [render_space(ctx, s) for s in spaces], default=10, maximum=100)
    meta = {
        "count": page.total,
        "personalSpace": {"actions": ["create", "read"], "resourceType": "space"},
    }
    return JSONResponse(page_body(page, meta=meta))


@endpoint(service="spaces")
async def space_types(ctx: Ctx) -> Response:
    return JSONResponse({"data": list(SPACE_TYPES)})


@endpoint(service="spaces")
async def create_space(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    space_type = body.get("type")
    if space_type not in SPACE_TYPES:
        raise bad_request("spaces", f"type must be one of {', '.join(SPACE_TYPES)}", "InvalidType")
    name = _check_name(ctx, body.get("name"))
    description = body.get("description") or ""
    if not isinstance(description, str):
        raise bad_request("spaces", "description must be a string")
    space = changes.create_space(
        ctx.store,
        ctx.tenant,
        name=name,
        space_type=space_type,
        description=description,
        user_id=ctx.user_id,
    )
    return JSONResponse(render_space(ctx, space), status_code=201)


@endpoint(service="spaces")
async def read_space(ctx: Ctx) -> Response:
    return JSONResponse(render_space(ctx, get_space(ctx, ctx.path_param("spaceId"))))


_FIELDS = {"name": "name", "description": "description", "ownerId": "owner_id"}


def _change(ctx: Ctx, space: Space, field: str, value: object) -> dict[str, str]:
    """One validated field change, keyed as :func:`changes.update_space` takes it."""
    if field == "name":
        return {"name": _check_name(ctx, value, exclude=space.id)}
    if field in ("description", "ownerId") and isinstance(value, str):
        return {_FIELDS[field]: value}
    raise bad_request("spaces", f"Cannot set {field} to {value!r}")


@endpoint(service="spaces")
async def patch_space(ctx: Ctx) -> Response:
    space = get_space(ctx, ctx.path_param("spaceId"))
    ops = await ctx.json()
    if not isinstance(ops, list):
        raise bad_request("spaces", "Body must be an array of patch operations")
    fields: dict[str, str] = {}
    for op in ops:
        if (
            not isinstance(op, dict)
            or op.get("op") != "replace"
            or not isinstance(op.get("path"), str)
        ):
            raise bad_request("spaces", "Only replace operations on /name, /description, /ownerId")
        fields.update(_change(ctx, space, op["path"].lstrip("/"), op.get("value")))
    changes.update_space(space, ctx.now, **fields)
    return JSONResponse(render_space(ctx, space))


@endpoint(service="spaces")
async def put_space(ctx: Ctx) -> Response:
    space = get_space(ctx, ctx.path_param("spaceId"))
    body = await ctx.json_object()
    fields: dict[str, str] = {}
    for field in _FIELDS:
        if field in body:
            fields.update(_change(ctx, space, field, body[field]))
    changes.update_space(space, ctx.now, **fields)
    return JSONResponse(render_space(ctx, space))


@endpoint(service="spaces")
async def delete_space(ctx: Ctx) -> Response:
    space = get_space(ctx, ctx.path_param("spaceId"))
    tenant = ctx.tenant
    if changes.holds_content(tenant, space.id):
        raise QlikError(
            412, "SpaceNotEmpty", "Precondition failed", "Space is not empty", service="spaces"
        )
    changes.delete_space(tenant, space.id)
    return Response(status_code=204)


def _roles(space: Space, roles: object) -> list[str]:
    allowed = ROLES_BY_TYPE[space.type]
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise bad_request("spaces", "roles must be a non-empty array of strings", "InvalidRoles")
    bad = [r for r in roles if r not in allowed]
    if bad:
        raise bad_request(
            "spaces", f"Roles {bad} are not valid in a {space.type} space", "InvalidRoles"
        )
    return list(dict.fromkeys(roles))


def _assignment(ctx: Ctx, space: Space) -> Assignment:
    a = ctx.tenant.assignments.get(ctx.path_param("assignmentId"))
    if a is None or a.space_id != space.id:
        raise not_found(
            "spaces", "Assignment", ctx.path_param("assignmentId"), "AssignmentNotFound"
        )
    return a


@endpoint(service="spaces")
async def list_assignments(ctx: Ctx) -> Response:
    space = get_space(ctx, ctx.path_param("spaceId"))
    items = [a for a in ctx.tenant.assignments.values() if a.space_id == space.id]
    if kind := ctx.query("type"):
        items = [a for a in items if a.type == kind]
    if assignee := ctx.query("assigneeId"):
        items = [a for a in items if a.assignee_id == assignee]
    page = paginate(ctx, [render_assignment(ctx, a) for a in items], default=10, maximum=100)
    return JSONResponse(page_body(page, meta={"count": page.total}))


@endpoint(service="spaces")
async def create_assignment(ctx: Ctx) -> Response:
    space = get_space(ctx, ctx.path_param("spaceId"))
    body = await ctx.json_object()
    kind, assignee = body.get("type"), body.get("assigneeId")
    if kind not in ASSIGNEE_TYPES or not isinstance(assignee, str) or not assignee:
        raise bad_request("spaces", "type (user|group) and assigneeId are required")
    roles = _roles(space, body.get("roles"))
    if changes.assigned(ctx.tenant, space.id, assignee):
        raise conflict(
            "spaces", "An assignment for this assignee already exists", "AssignmentConflict"
        )
    a = changes.create_assignment(
        ctx.store,
        ctx.tenant,
        space.id,
        assignee_type=kind,
        assignee_id=assignee,
        roles=roles,
        user_id=ctx.user_id,
    )
    return JSONResponse(render_assignment(ctx, a), status_code=201)


@endpoint(service="spaces")
async def read_assignment(ctx: Ctx) -> Response:
    space = get_space(ctx, ctx.path_param("spaceId"))
    return JSONResponse(render_assignment(ctx, _assignment(ctx, space)))


@endpoint(service="spaces")
async def put_assignment(ctx: Ctx) -> Response:
    space = get_space(ctx, ctx.path_param("spaceId"))
    a = _assignment(ctx, space)
    body = await ctx.json_object()
    changes.set_assignment_roles(a, _roles(space, body.get("roles")), ctx.now, ctx.user_id)
    return JSONResponse(render_assignment(ctx, a))


@endpoint(service="spaces")
async def delete_assignment(ctx: Ctx) -> Response:
    space = get_space(ctx, ctx.path_param("spaceId"))
    changes.delete_assignment(ctx.tenant, _assignment(ctx, space).id)
    return Response(status_code=204)


_S = "/api/v1/spaces"
ROUTES = [
    Route(_S, list_spaces, methods=["GET"]),
    Route(_S, create_space, methods=["POST"]),
    Route(f"{_S}/types", space_types, methods=["GET"]),
    Route(f"{_S}/{{spaceId}}", read_space, methods=["GET"]),
    Route(f"{_S}/{{spaceId}}", patch_space, methods=["PATCH"]),
    Route(f"{_S}/{{spaceId}}", put_space, methods=["PUT"]),
    Route(f"{_S}/{{spaceId}}", delete_space, methods=["DELETE"]),
    Route(f"{_S}/{{spaceId}}/assignments", list_assignments, methods=["GET"]),
    Route(f"{_S}/{{spaceId}}/assignments", create_assignment, methods=["POST"]),
    Route(f"{_S}/{{spaceId}}/assignments/{{assignmentId}}", read_assignment, methods=["GET"]),
    Route(f"{_S}/{{spaceId}}/assignments/{{assignmentId}}", put_assignment, methods=["PUT"]),
    Route(f"{_S}/{{spaceId}}/assignments/{{assignmentId}}", delete_assignment, methods=["DELETE"]),
]
