"""What app routes share: lookup, the space checks, the ``attributes`` of a request body."""

from __future__ import annotations

from qlikreconcile.emulator.api.endpoint import Ctx
from qlikreconcile.emulator.api.errors import QlikError, bad_request, forbidden, not_found
from qlikreconcile.emulator.state.apps import App
from qlikreconcile.emulator.state.tenant import Space


def get_app(ctx: Ctx, app_id: str | None = None) -> App:
    ident = app_id if app_id is not None else ctx.path_param("appId")
    app = ctx.tenant.apps.get(ident)
    if app is None:
        raise not_found("apps", "App", ident, "APP-NOT-FOUND")
    return app


def space_of(ctx: Ctx, app: App) -> Space | None:
    return ctx.tenant.spaces.get(app.space_id) if app.space_id else None


def is_managed(ctx: Ctx, app: App) -> bool:
    space = space_of(ctx, app)
    return space is not None and space.type == "managed"


def writable_space(ctx: Ctx, space_id: object) -> str | None:
    """Validate a target space for create/import/copy: None = personal; managed is refused."""
    if space_id in (None, ""):
        return None
    if not isinstance(space_id, str):
        raise bad_request("apps", "spaceId must be a string")
    space = ctx.tenant.spaces.get(space_id)
    if space is None:
        raise not_found("apps", "Space", space_id)
    if space.type == "managed":
        raise forbidden("apps", "Apps can only be published into a managed space")
    return space.id


def name_attribute(body: dict[str, object], key: str, default: str) -> str:
    attrs = body.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise bad_request("apps", "attributes must be an object")
    value = attrs.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise QlikError(
            400, "HTTP-400", "Bad request", f"attributes.{key} must be a string", service="apps"
        )
    return value
