"""Load script versions: ``/apps/{id}/scripts`` (§5.1). The newest version is current."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.app_ops import get_app, is_managed
from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError, bad_request, forbidden, not_found
from qlikreconcile.emulator.api.pagination import parse_limit
from qlikreconcile.emulator.state import app_changes as changes
from qlikreconcile.emulator.state.apps import App, ScriptVersion
from qlikreconcile.emulator.timefmt import iso


def _meta(v: ScriptVersion) -> dict[str, Any]:
    return {
        "scriptId": v.id,
        "versionMessage": v.version_message,
        "modifiedTime": iso(v.modified_at),
        "modifierId": v.modifier_id,
        "size": len(v.script.encode()),
    }


def _version(ctx: Ctx, app: App) -> ScriptVersion:
    ident = ctx.path_param("scriptId")
    if ident == "current":
        if not app.scripts:
            raise not_found("apps", "Script", ident)
        return app.scripts[-1]
    for version in app.scripts:
        if version.id == ident:
            return version
    raise not_found("apps", "Script version", ident)


@endpoint(service="apps")
async def list_scripts(ctx: Ctx) -> Response:
    app = get_app(ctx)
    limit = parse_limit(ctx, default=100, maximum=100)
    versions = list(reversed(app.scripts))[:limit]
    return JSONResponse({"scripts": [_meta(v) for v in versions], "links": {}})


@endpoint(service="apps")
async def set_script(ctx: Ctx) -> Response:
    app = get_app(ctx)
    if is_managed(ctx, app):
        raise forbidden("apps", "The script of an app in a managed space cannot be changed")
    body = await ctx.json_object()
    script, message = body.get("script"), body.get("versionMessage", "")
    if not isinstance(script, str) or not isinstance(message, str):
        raise bad_request("apps", "script (string) is required; versionMessage must be a string")
    changes.add_script(ctx.store, app, script, message, ctx.user_id)
    return Response(status_code=200)


@endpoint(service="apps")
async def get_script(ctx: Ctx) -> Response:
    version = _version(ctx, get_app(ctx))
    return JSONResponse({**_meta(version), "script": version.script})


@endpoint(service="apps")
async def patch_script(ctx: Ctx) -> Response:
    version = _version(ctx, get_app(ctx))
    ops = await ctx.json()
    if not isinstance(ops, list):
        raise bad_request("apps", "Body must be an array of {Op, Path, Value}")
    message: str | None = None
    for op in ops:
        if not isinstance(op, dict) or op.get("Op") not in ("add", "replace", "remove"):
            raise bad_request("apps", "Each operation needs Op add|replace|remove")
        if op.get("Path") != "/versionMessage":
            raise bad_request("apps", f"Unsupported Path {op.get('Path')!r}")
        value = "" if op["Op"] == "remove" else op.get("Value", "")
        if not isinstance(value, str):
            raise bad_request("apps", "Value must be a string")
        message = value
    if message is not None:
        changes.set_script_message(version, message)
    return Response(status_code=200)


@endpoint(service="apps")
async def delete_script(ctx: Ctx) -> Response:
    app = get_app(ctx)
    version = _version(ctx, app)
    if version is app.scripts[-1]:
        status = ctx.store.config.quirks.script_delete_current_status
        raise QlikError(
            status,
            "APP-SCRIPT-CURRENT",
            "Bad request",
            "Cannot delete the current script version",
            service="apps",
        )
    changes.delete_script_version(app, version)
    return Response(status_code=200)


_S = "/api/v1/apps/{appId}/scripts"
ROUTES = [
    Route(_S, list_scripts, methods=["GET"]),
    Route(_S, set_script, methods=["POST"]),
    Route(f"{_S}/{{scriptId}}", get_script, methods=["GET"]),
    Route(f"{_S}/{{scriptId}}", patch_script, methods=["PATCH"]),
    Route(f"{_S}/{{scriptId}}", delete_script, methods=["DELETE"]),
]
