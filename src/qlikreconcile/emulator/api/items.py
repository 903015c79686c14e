"""Items (``/items``): the catalogue through which apps are listed (§8.1). Apps only."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import bad_request, not_found
from qlikreconcile.emulator.api.pagination import paginate
from qlikreconcile.emulator.api.render_apps import render_item
from qlikreconcile.emulator.state.apps import App

_SORTS = {"createdAt": "created_at", "updatedAt": "modified_at", "name": "name"}


def _sorted(ctx: Ctx, apps: list[App]) -> list[App]:
    sort = ctx.query("sort") or "+createdAt"
    key = _SORTS.get(sort.lstrip("+-"))
    if key is None:
        raise bad_request("items", f"Unsupported sort '{sort}'")
    # Ties (same clock tick) keep creation order: stable sort over insertion order.
    return sorted(apps, key=lambda a: getattr(a, key), reverse=sort.startswith("-"))


def _item_app(ctx: Ctx, item_id: str) -> App:
    for app in ctx.tenant.apps.values():
        if app.item_id == item_id:
            return app
    raise not_found("items", "Item", item_id)


@endpoint(service="items")
async def list_items(ctx: Ctx) -> Response:
    apps = list(ctx.tenant.apps.values())
    if types := ctx.query("resourceType"):
        wanted = {t.split("[", 1)[0].strip() for t in types.split(",")}
        if "app" not in wanted:
            apps = []
    if (space := ctx.query("spaceId")) is not None:
        apps = [a for a in apps if (a.space_id or "personal") == space]
    if name := ctx.query("name"):
        apps = [a for a in apps if a.name.lower() == name.lower()]
    if query := ctx.query("query"):
        apps = [a for a in apps if query.lower() in f"{a.name} {a.description}".lower()]
    if resource_id := ctx.query("resourceId"):
        apps = [a for a in apps if a.id == resource_id]
    if resource_ids := ctx.query("resourceIds"):
        ids = set(resource_ids.split(","))
        apps = [a for a in apps if a.id in ids]
    if owner := ctx.query("ownerId"):
        apps = [a for a in apps if a.owner_id == owner]
    if item_id := ctx.query("id"):
        apps = [a for a in apps if a.item_id == item_id]
    page = paginate(ctx, _sorted(ctx, apps), default=10, maximum=100)
    data = [render_item(ctx, ctx.tenant, a) for a in page.data]
    return JSONResponse({"data": data, "links": page.links})


@endpoint(service="items")
async def get_item(ctx: Ctx) -> Response:
    app = _item_app(ctx, ctx.path_param("itemId"))
    return JSONResponse(render_item(ctx, ctx.tenant, app))


@endpoint(service="items")
async def published_items(ctx: Ctx) -> Response:
    source = _item_app(ctx, ctx.path_param("itemId"))
    copies = [
        a for a in ctx.tenant.apps.values() if a.origin_app_id == source.id and a.publish_time
    ]
    page = paginate(ctx, copies, default=10, maximum=100)
    data = [render_item(ctx, ctx.tenant, a) for a in page.data]
    return JSONResponse({"data": data, "links": page.links})


ROUTES = [
    Route("/api/v1/items", list_items, methods=["GET"]),
    Route("/api/v1/items/{itemId}", get_item, methods=["GET"]),
    Route("/api/v1/items/{itemId}/publisheditems", published_items, methods=["GET"]),
]
