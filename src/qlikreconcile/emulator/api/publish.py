"""Publish (POST) and republish (PUT) ``/apps/{id}/publish`` into managed spaces (§4.3).

See quirks ``apps.publish.*`` and ``apps.republish.*`` for the assumptions: a publish copies
script, base sheets (approved) and the source's data model; a republish replaces them on the
target and keeps the target's community and private sheets.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.app_ops import get_app, is_managed, name_attribute
from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError, bad_request, not_found
from qlikreconcile.emulator.api.render_apps import nx_app
from qlikreconcile.emulator.state import app_changes as changes

PUBLISH_DATA = ("source", "target")


def _data_choice(body: dict[str, Any]) -> str:
    data = body.get("data", "source")
    if data not in PUBLISH_DATA:
        raise bad_request("apps", "data must be 'source' or 'target'")
    return str(data)


@endpoint(service="apps")
async def publish(ctx: Ctx) -> Response:
    source = get_app(ctx)
    body = await ctx.json_object()
    space_id = body.get("spaceId")
    space = ctx.tenant.spaces.get(space_id) if isinstance(space_id, str) else None
    if space is None:
        raise bad_request("apps", "spaceId must name an existing managed space")
    if space.type != "managed":
        raise bad_request("apps", f"Space '{space.name}' is not a managed space")
    if is_managed(ctx, source):
        raise bad_request("apps", "A published app cannot be published again")
    _data_choice(body)
    app = changes.copy_app(
        ctx.store,
        ctx.tenant,
        source,
        user_id=ctx.user_id,
        name=name_attribute(body, "name", source.name),
        description=name_attribute(body, "description", source.description),
        space_id=space.id,
        published=True,
    )
    return JSONResponse(nx_app(app))


@endpoint(service="apps")
async def republish(ctx: Ctx) -> Response:
    source = get_app(ctx)
    body = await ctx.json_object()
    target_id = body.get("targetId")
    if not isinstance(target_id, str) or not target_id:
        raise bad_request("apps", "targetId is required")
    target = ctx.tenant.apps.get(target_id)
    if target is None:
        raise not_found("apps", "Target app", target_id)
    if target.publish_time is None or not is_managed(ctx, target):
        raise bad_request("apps", "targetId is not a published app in a managed space")
    check = body.get("checkOriginAppId", True)
    if not isinstance(check, bool):
        raise bad_request("apps", "checkOriginAppId must be a boolean")
    if check and target.origin_app_id != source.id:
        status = ctx.store.config.quirks.republish_origin_mismatch_status
        raise QlikError(
            status,
            "APP-ORIGIN-MISMATCH",
            "Bad request",
            f"App '{target.id}' was not published from app '{source.id}'",
            service="apps",
        )
    data = _data_choice(body)
    changes.republish_app(
        ctx.store,
        target,
        source,
        user_id=ctx.user_id,
        name=name_attribute(body, "name", target.name),
        description=name_attribute(body, "description", target.description),
        with_data=data == "source",
        keep_user_sheets=ctx.store.config.quirks.republish_keeps_user_sheets,
    )
    return JSONResponse(nx_app(target))


ROUTES = [
    Route("/api/v1/apps/{appId}/publish", publish, methods=["POST"]),
    Route("/api/v1/apps/{appId}/publish", republish, methods=["PUT"]),
]
