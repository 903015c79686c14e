"""App import/export and the temporary contents (uploads for import, export downloads)."""

from __future__ import annotations

import base64
import re

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.app_ops import get_app, writable_space
from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError, bad_request, not_found
from qlikreconcile.emulator.api.render_apps import nx_app
from qlikreconcile.emulator.state.app_archive import ArchiveError, export_app, read_archive
from qlikreconcile.emulator.state.app_changes import import_app as import_archive
from qlikreconcile.emulator.state.temp_contents import store_content

IMPORT_MODES = ("NEW", "AUTOREPLACE")


def _flag(ctx: Ctx, name: str) -> bool:
    raw = (ctx.query(name) or "false").lower()
    if raw not in ("true", "false"):
        raise bad_request("apps", f"{name} must be true or false")
    return raw == "true"


def _temp_bytes(ctx: Ctx, file_id: str) -> bytes:
    content = ctx.store.state.temp_contents.get(file_id)
    if content is None or content.host != ctx.host.name:
        raise not_found("apps", "File", file_id)
    if content.data_b64 is None or content.expires_at <= ctx.now:
        raise QlikError(410, "HTTP-410", "Gone", f"File '{file_id}' has expired", service="apps")
    return base64.b64decode(content.data_b64)


@endpoint(service="apps")
async def import_app(ctx: Ctx) -> Response:
    mode = (ctx.query("mode") or "NEW").upper()
    if mode not in IMPORT_MODES:
        raise bad_request("apps", f"mode must be one of {', '.join(IMPORT_MODES)}")
    space_id = writable_space(ctx, ctx.query("spaceId"))
    file_id = ctx.query("fileId")
    data = _temp_bytes(ctx, file_id) if file_id else await ctx.raw_body()
    try:
        archive = read_archive(data)
    except ArchiveError as exc:
        raise bad_request("apps", f"Invalid app file: {exc}", "APP-IMPORT-INVALID") from exc
    app = import_archive(
        ctx.store,
        ctx.tenant,
        archive,
        user_id=ctx.user_id,
        name=ctx.query("name") or archive.name,
        space_id=space_id,
    )
    return JSONResponse(nx_app(app))


@endpoint(service="apps")
async def export(ctx: Ctx) -> Response:
    app = get_app(ctx)
    no_data = _flag(ctx, "NoData")
    data = export_app(app, with_data=not no_data)
    filename = re.sub(r"[^\w .-]+", "_", app.name) + ".qvf"
    ttl = ctx.store.config.temp_content_ttl_seconds
    content = store_content(ctx.store, ctx.host.name, data, filename, ttl)
    return Response(status_code=201, headers={"Location": f"/api/v1/temp-contents/{content.id}"})


MAX_TTL_SECONDS = 259_200


@endpoint(service="temp-contents")
async def upload(ctx: Ctx) -> Response:
    """``POST /temp-contents?filename=&ttl=``: raw bytes -> 201 + Location (no body)."""
    data = await ctx.raw_body()
    if not data:
        raise bad_request("temp-contents", "The request body (the file) is empty")
    raw_ttl = ctx.query("ttl") or str(ctx.store.config.temp_content_ttl_seconds)
    try:
        ttl = int(raw_ttl)
    except ValueError as exc:
        raise bad_request("temp-contents", "ttl must be an integer") from exc
    if not 1 <= ttl <= MAX_TTL_SECONDS:
        raise bad_request("temp-contents", f"ttl must be between 1 and {MAX_TTL_SECONDS}")
    filename = re.sub(r"[^\w .-]+", "_", ctx.query("filename") or "upload")
    content = store_content(ctx.store, ctx.host.name, data, filename, ttl)
    return Response(status_code=201, headers={"Location": f"/api/v1/temp-contents/{content.id}"})


@endpoint(service="temp-contents")
async def download(ctx: Ctx) -> Response:
    ident = ctx.path_param("id")
    content = ctx.store.state.temp_contents.get(ident)
    if content is None or content.host != ctx.host.name:
        raise not_found("temp-contents", "Temporary content", ident)
    if content.data_b64 is None or content.expires_at <= ctx.now:
        raise QlikError(
            410, "HTTP-410", "Gone", "Temporary content expired", service="temp-contents"
        )
    return Response(
        base64.b64decode(content.data_b64),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{content.filename}"'},
    )


ROUTES = [
    Route("/api/v1/apps/import", import_app, methods=["POST"]),
    Route("/api/v1/apps/{appId}/export", export, methods=["POST"]),
    Route("/api/v1/temp-contents", upload, methods=["POST"]),
    Route("/api/v1/temp-contents/{id}", download, methods=["GET"]),
]
