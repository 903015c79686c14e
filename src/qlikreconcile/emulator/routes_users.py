"""Users (``/users/me`` redirect, by id, list), roles and groups: enough identity for spaces."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.endpoint import Ctx, endpoint
from qlikreconcile.emulator.errors import bad_request, conflict, not_found
from qlikreconcile.emulator.ids import stable_id
from qlikreconcile.emulator.pagination import page_body, paginate
from qlikreconcile.emulator.scim_filter import compile_filter
from qlikreconcile.emulator.state_tenant import Group, User
from qlikreconcile.emulator.timefmt import iso

ROLE_NAMES: tuple[tuple[str, str], ...] = (
    ("TenantAdmin", "admin"),
    ("AnalyticsAdmin", "admin"),
    ("DataAdmin", "admin"),
    ("AuditAdmin", "admin"),
    ("Developer", "user"),
    ("SharedSpaceCreator", "user"),
    ("ManagedSpaceCreator", "user"),
    ("DataSpaceCreator", "user"),
    ("PrivateAnalyticsContentCreator", "user"),
    ("DataServicesContributor", "user"),
)


def role_ref(name: str) -> dict[str, str]:
    return {
        "id": stable_id(f"role:{name}", "hex24"),
        "name": name,
        "type": "default",
        "level": "admin" if name.endswith("Admin") else "user",
    }


def render_user(ctx: Ctx, user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "tenantId": ctx.tenant.id,
        "subject": user.subject,
        "name": user.name,
        "email": user.email,
        "status": user.status,
        "assignedRoles": [role_ref(r) for r in user.roles],
        "assignedGroups": [],
        "assignedScopes": [],
        "createdAt": iso(user.created_at),
        "lastUpdatedAt": iso(user.created_at),
        "locale": "en",
        "zoneinfo": "UTC",
        "links": {"self": {"href": f"{ctx.base_url()}/api/v1/users/{user.id}"}},
    }


def render_group(ctx: Ctx, group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "tenantId": ctx.tenant.id,
        "name": group.name,
        "status": group.status,
        "assignedRoles": [role_ref(r) for r in group.roles],
        "createdAt": iso(group.created_at),
        "lastUpdatedAt": iso(group.updated_at),
        "links": {"self": {"href": f"{ctx.base_url()}/api/v1/groups/{group.id}"}},
    }


@endpoint(service="users")
async def users_me(ctx: Ctx) -> Response:
    return RedirectResponse(f"/api/v1/users/{ctx.user_id}", status_code=301)


@endpoint(service="users")
async def get_user(ctx: Ctx) -> Response:
    user = ctx.tenant.users.get(ctx.path_param("userId"))
    if user is None:
        raise not_found("users", "User", ctx.path_param("userId"))
    return JSONResponse(render_user(ctx, user))


@endpoint(service="users")
async def list_users(ctx: Ctx) -> Response:
    match = compile_filter(ctx, ctx.query("filter"))
    users = [
        u
        for u in ctx.tenant.users.values()
        if match(
            {
                "name": u.name,
                "email": u.email,
                "subject": u.subject,
                "id": u.id,
                "status": u.status,
            }
        )
    ]
    page = paginate(ctx, [render_user(ctx, u) for u in users], default=20, maximum=100)
    return JSONResponse(page_body(page))


@endpoint(service="users")
async def list_roles(ctx: Ctx) -> Response:
    roles = [
        {
            **role_ref(name),
            "tenantId": ctx.tenant.id,
            "description": f"{name} role",
            "createdAt": iso(ctx.tenant.created_at),
            "lastUpdatedAt": iso(ctx.tenant.created_at),
            "canEdit": False,
            "links": {"self": {"href": f"{ctx.base_url()}/api/v1/roles/{role_ref(name)['id']}"}},
        }
        for name, _ in ROLE_NAMES
    ]
    match = compile_filter(ctx, ctx.query("filter"))
    roles = [r for r in roles if match({"name": str(r["name"]), "id": str(r["id"])})]
    return JSONResponse(page_body(paginate(ctx, roles, default=20, maximum=100)))


@endpoint(service="users")
async def list_groups(ctx: Ctx) -> Response:
    match = compile_filter(ctx, ctx.query("filter"))
    groups = [
        render_group(ctx, g)
        for g in ctx.tenant.groups.values()
        if match({"name": g.name, "id": g.id, "status": g.status})
    ]
    return JSONResponse(page_body(paginate(ctx, groups, default=20, maximum=100)))


@endpoint(service="users")
async def create_group(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 256:
        raise bad_request("users", "name is required (1-256 characters)")
    if any(g.name == name for g in ctx.tenant.groups.values()):
        raise conflict("users", f"Group '{name}' already exists", "GROUPS-CONFLICT")
    roles = [r.get("name", "") for r in body.get("assignedRoles") or [] if isinstance(r, dict)]
    group = Group(
        id=ctx.store.new_id("hex24"),
        name=name,
        status=str(body.get("status") or "active"),
        roles=[r for r in roles if r],
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.tenant.groups[group.id] = group
    return JSONResponse(render_group(ctx, group), status_code=201)


@endpoint(service="users")
async def get_group(ctx: Ctx) -> Response:
    group = ctx.tenant.groups.get(ctx.path_param("groupId"))
    if group is None:
        raise not_found("users", "Group", ctx.path_param("groupId"))
    return JSONResponse(render_group(ctx, group))


ROUTES = [
    Route("/api/v1/users/me", users_me, methods=["GET"]),
    Route("/api/v1/users", list_users, methods=["GET"]),
    Route("/api/v1/users/{userId}", get_user, methods=["GET"]),
    Route("/api/v1/roles", list_roles, methods=["GET"]),
    Route("/api/v1/groups", list_groups, methods=["GET"]),
    Route("/api/v1/groups", create_group, methods=["POST"]),
    Route("/api/v1/groups/{groupId}", get_group, methods=["GET"]),
]
