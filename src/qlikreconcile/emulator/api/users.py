"""Users, roles, groups and group settings: the identity surface of the OEM flow (§8.2).

``/users/me`` (301), list/filter (SCIM subset, also ``POST /users/actions/filter``), create
(201), get, delete (204); ``/roles`` (fixed default roles with stable ids); groups list, create
(201, 409 on a duplicate name), get, delete (204); ``/groups/settings`` get and PATCH (204).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import bad_request, conflict, not_found
from qlikreconcile.emulator.api.pagination import page_body, paginate
from qlikreconcile.emulator.api.scim_filter import compile_filter
from qlikreconcile.emulator.state import identity
from qlikreconcile.emulator.state.ids import stable_id
from qlikreconcile.emulator.state.tenant import Group, User
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


def _user_attributes(user: User) -> dict[str, str]:
    return {
        "name": user.name,
        "email": user.email,
        "subject": user.subject,
        "id": user.id,
        "status": user.status,
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
    users = [u for u in ctx.tenant.users.values() if match(_user_attributes(u))]
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
    if identity.group_name_taken(ctx.tenant, name):
        raise conflict("users", f"Group '{name}' already exists", "GROUPS-CONFLICT")
    roles = [r.get("name", "") for r in body.get("assignedRoles") or [] if isinstance(r, dict)]
    group = identity.create_group(
        ctx.store,
        ctx.tenant,
        name=name,
        status=str(body.get("status") or "active"),
        roles=[r for r in roles if r],
    )
    return JSONResponse(render_group(ctx, group), status_code=201)


@endpoint(service="users")
async def get_group(ctx: Ctx) -> Response:
    group = ctx.tenant.groups.get(ctx.path_param("groupId"))
    if group is None:
        raise not_found("users", "Group", ctx.path_param("groupId"))
    return JSONResponse(render_group(ctx, group))


@endpoint(service="users")
async def delete_group(ctx: Ctx) -> Response:
    group = ctx.tenant.groups.get(ctx.path_param("groupId"))
    if group is None:
        raise not_found("users", "Group", ctx.path_param("groupId"))
    identity.delete_group(ctx.tenant, group.id)
    return Response(status_code=204)


GROUP_SETTINGS = ("autoCreateGroups", "syncIdpGroups")


def _group_settings(ctx: Ctx) -> dict[str, Any]:
    settings = ctx.tenant.settings
    return {
        "tenantId": ctx.tenant.id,
        **{k: settings.get(f"groups/{k}", False) for k in GROUP_SETTINGS},
        "links": {"self": {"href": f"{ctx.base_url()}/api/v1/groups/settings"}},
    }


@endpoint(service="users")
async def get_group_settings(ctx: Ctx) -> Response:
    return JSONResponse(_group_settings(ctx))


@endpoint(service="users")
async def patch_group_settings(ctx: Ctx) -> Response:
    ops = await ctx.json()
    if not isinstance(ops, list) or not ops:
        raise bad_request("users", "Body must be a non-empty array of patch operations")
    changes: dict[str, bool] = {}
    for op in ops:
        path = op.get("path", "") if isinstance(op, dict) else ""
        field = path.lstrip("/") if isinstance(path, str) else ""
        if (
            not isinstance(op, dict)
            or op.get("op") != "replace"
            or field not in GROUP_SETTINGS
            or not isinstance(op.get("value"), bool)
        ):
            raise bad_request(
                "users", "Only replace of /autoCreateGroups or /syncIdpGroups with a boolean"
            )
        changes[f"groups/{field}"] = op["value"]
    identity.set_settings(ctx.tenant, changes)
    return Response(status_code=204)


def _user_by_path(ctx: Ctx) -> User:
    user = ctx.tenant.users.get(ctx.path_param("userId"))
    if user is None:
        raise not_found("users", "User", ctx.path_param("userId"))
    return user


@endpoint(service="users")
async def create_user(ctx: Ctx) -> Response:
    """``POST /users``: ``subject`` required; roles by ``assignedRoles[{id}|{name}]``."""
    body = await ctx.json_object()
    subject = body.get("subject")
    if not isinstance(subject, str) or not subject:
        raise bad_request("users", "subject is required")
    if identity.subject_taken(ctx.tenant, subject):
        raise conflict("users", f"A user with subject '{subject}' already exists")
    by_id = {role_ref(name)["id"]: name for name, _ in ROLE_NAMES}
    roles: list[str] = []
    for ref in body.get("assignedRoles") or []:
        name = by_id.get(ref.get("id", "")) or ref.get("name") if isinstance(ref, dict) else None
        if name not in {n for n, _ in ROLE_NAMES}:
            raise bad_request("users", f"Unknown role {ref!r}")
        roles.append(str(name))
    user = identity.create_user(
        ctx.store,
        ctx.tenant,
        name=str(body.get("name") or subject),
        subject=subject,
        email=str(body.get("email") or ""),
        status="invited" if body.get("status") == "invited" else "active",
        roles=roles,
    )
    return JSONResponse(render_user(ctx, user), status_code=201)


@endpoint(service="users")
async def delete_user(ctx: Ctx) -> Response:
    user = _user_by_path(ctx)
    if user.id == ctx.user_id:
        raise bad_request("users", "A user cannot delete itself")
    identity.delete_user(ctx.tenant, user.id)
    return Response(status_code=204)


@endpoint(service="users")
async def filter_users(ctx: Ctx) -> Response:
    """``POST /users/actions/filter {filter}``: the SCIM filter in a body (same subset)."""
    body = await ctx.json_object(required=False)
    expression = body.get("filter")
    if expression is not None and not isinstance(expression, str):
        raise bad_request("users", "filter must be a string")
    match = compile_filter(ctx, expression)
    users = [u for u in ctx.tenant.users.values() if match(_user_attributes(u))]
    page = paginate(ctx, [render_user(ctx, u) for u in users], default=20, maximum=100)
    return JSONResponse(page_body(page))


ROUTES = [
    Route("/api/v1/users/me", users_me, methods=["GET"]),
    Route("/api/v1/users", list_users, methods=["GET"]),
    Route("/api/v1/users", create_user, methods=["POST"]),
    Route("/api/v1/users/actions/filter", filter_users, methods=["POST"]),
    Route("/api/v1/users/{userId}", get_user, methods=["GET"]),
    Route("/api/v1/users/{userId}", delete_user, methods=["DELETE"]),
    Route("/api/v1/roles", list_roles, methods=["GET"]),
    Route("/api/v1/groups", list_groups, methods=["GET"]),
    Route("/api/v1/groups", create_group, methods=["POST"]),
    Route("/api/v1/groups/settings", get_group_settings, methods=["GET"]),
    Route("/api/v1/groups/settings", patch_group_settings, methods=["PATCH"]),
    Route("/api/v1/groups/{groupId}", get_group, methods=["GET"]),
    Route("/api/v1/groups/{groupId}", delete_group, methods=["DELETE"]),
]
