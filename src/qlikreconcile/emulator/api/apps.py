"""Apps: privileges, create, get, update, delete, copy, move between spaces, change owner."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.app_ops import get_app, is_managed, name_attribute, writable_space
from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import bad_request, forbidden, not_found
from qlikreconcile.emulator.api.render_apps import nx_app
from qlikreconcile.emulator.state import app_changes as changes


@endpoint(service="apps")
async def create_app_(ctx: Ctx) -> Response:
    body = await ctx.json_object(required=False)
    attrs = body.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise bad_request("apps", "attributes must be an object")
    space_id = writable_space(ctx, attrs.get("spaceId"))
    app = changes.create_app(
        ctx.store,
        ctx.tenant,
        user_id=ctx.user_id,
        name=name_attribute(body, "name", "Untitled"),
        description=name_attribute(body, "description", ""),
        space_id=space_id,
        script="",
    )
    return JSONResponse(nx_app(app))


@endpoint(service="apps")
async def read_app(ctx: Ctx) -> Response:
    app = get_app(ctx)
    delay = ctx.store.config.quirks.published_access_delay_seconds
    if app.publish_time is not None and ctx.now < app.publish_time + delay:
        # quirk apps.access_after_publish: access to a fresh publish takes a while to arrive
        raise forbidden(
            "apps", f"Access to app '{app.id}' is not available yet", "APP-ACCESS-PENDING"
        )
    return JSONResponse(nx_app(app))


@endpoint(service="apps")
async def update_app(ctx: Ctx) -> Response:
    app = get_app(ctx)
    body = await ctx.json_object()
    changes.update_app(
        app,
        ctx.now,
        name=name_attribute(body, "name", app.name),
        description=name_attribute(body, "description", app.description),
    )
    return JSONResponse(nx_app(app))


@endpoint(service="apps")
async def delete_app(ctx: Ctx) -> Response:
    app = get_app(ctx)
    changes.delete_app(ctx.tenant, app.id)
    return Response(status_code=200)


@endpoint(service="apps")
async def copy_app(ctx: Ctx) -> Response:
    source = get_app(ctx)
    body = await ctx.json_object(required=False)
    attrs = body.get("attributes") or {}
    space_id = writable_space(ctx, attrs.get("spaceId") if isinstance(attrs, dict) else None)
    app = changes.copy_app(
        ctx.store,
        ctx.tenant,
        source,
        user_id=ctx.user_id,
        name=name_attribute(body, "name", source.name),
        description=name_attribute(body, "description", source.description),
        space_id=space_id,
    )
    return JSONResponse(nx_app(app))


@endpoint(service="apps")
async def move_app(ctx: Ctx) -> Response:
    app = get_app(ctx)
    if is_managed(ctx, app):
        raise forbidden("apps", "Apps in managed spaces cannot be moved")
    body = await ctx.json_object()
    changes.move_app(app, writable_space(ctx, body.get("spaceId")), ctx.now)
    return JSONResponse(nx_app(app))


@endpoint(service="apps")
async def remove_from_space(ctx: Ctx) -> Response:
    app = get_app(ctx)
    if is_managed(ctx, app):
        raise forbidden("apps", "Apps in managed spaces cannot be moved")
    changes.move_app(app, None, ctx.now)
    return JSONResponse(nx_app(app))


USER_PRIVILEGES = ["can_create_app", "can_import_app", "can_create_session_app"]


@endpoint(service="apps")
async def privileges(ctx: Ctx) -> Response:
    """``GET /apps/privileges``: the caller (a TenantAdmin bot) may do everything."""
    return JSONResponse(list(USER_PRIVILEGES))


@endpoint(service="apps")
async def change_owner(ctx: Ctx) -> Response:
    app = get_app(ctx)
    body = await ctx.json_object()
    owner = body.get("ownerId")
    if not isinstance(owner, str) or not owner:
        raise bad_request("apps", "ownerId (string) is required")
    if owner not in ctx.tenant.users:
        raise not_found("apps", "User", owner)
    changes.update_app(app, ctx.now, owner_id=owner)
    return JSONResponse(nx_app(app))


_A = "/api/v1/apps/{appId}"
ROUTES = [
    Route("/api/v1/apps/privileges", privileges, methods=["GET"]),
    Route("/api/v1/apps", create_app_, methods=["POST"]),
    Route(_A, read_app, methods=["GET"]),
    Route(_A, update_app, methods=["PUT"]),
    Route(_A, delete_app, methods=["DELETE"]),
    Route(f"{_A}/copy", copy_app, methods=["POST"]),
    Route(f"{_A}/space", move_app, methods=["PUT"]),
    Route(f"{_A}/space", remove_from_space, methods=["DELETE"]),
    Route(f"{_A}/owner", change_owner, methods=["PUT"]),
]
