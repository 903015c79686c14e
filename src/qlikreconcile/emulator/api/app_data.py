"""What an app's reloads leave behind: data model metadata, lineage, reload logs and metadata.

``GET /apps/{id}/data/metadata`` (DataModelMetadata, the empty structure without data),
``/data/lineage`` (one ``{discriminator, statement}`` per labelled LOAD/SELECT of the current
script), ``/reloads/logs`` (newest first, terminal reloads only), ``/reloads/logs/{reloadId}``
(``text/plain``; quirk ``apps.reload_log_content_type``) and ``/reloads/metadata/{reloadId}``
(``{data: [ReloadMeta]}``, one statement per table the reload loaded).
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.app_ops import get_app
from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import not_found
from qlikreconcile.emulator.api.render_apps import data_model_metadata
from qlikreconcile.emulator.state.apps import Reload
from qlikreconcile.emulator.state.script_analysis import connection_refs, strip_comments
from qlikreconcile.emulator.timefmt import iso

_STATEMENT = re.compile(r"(?is)^\s*(\[[^\]]+\]|[A-Za-z_][\w ]*?)\s*:\s*(LOAD|SQL|SELECT)\b(.*)$")


def _reload(ctx: Ctx, app_id: str) -> Reload:
    reload = ctx.tenant.reloads.get(ctx.path_param("reloadId"))
    if reload is None or reload.app_id != app_id or reload.final_status is None:
        raise not_found("apps", "Reload", ctx.path_param("reloadId"))
    return reload


def _hash(*parts: str) -> str:
    return base64.b64encode(hashlib.sha256(":".join(parts).encode()).digest()[:16]).decode()


@endpoint(service="apps")
async def data_metadata(ctx: Ctx) -> Response:
    return JSONResponse(data_model_metadata(get_app(ctx)))


@endpoint(service="apps")
async def lineage(ctx: Ctx) -> Response:
    app = get_app(ctx)
    refs = connection_refs(app.current_script())
    out: list[dict[str, str]] = []
    for statement in strip_comments(app.current_script()).split(";"):
        m = _STATEMENT.match(statement)
        if not m:
            continue
        text = " ".join(statement.split())
        if m.group(2).upper() == "LOAD" and re.search(r"(?i)\bINLINE\b", m.group(3)):
            origin = "INLINE"
        elif m.group(2).upper() == "LOAD" and re.search(r"(?i)\bRESIDENT\b", m.group(3)):
            origin = "RESIDENT"
        elif m.group(2).upper() == "LOAD" and re.search(r"(?i)\bAUTOGENERATE\b", m.group(3)):
            origin = "AUTOGENERATE"
        else:
            origin = refs[0].display() if refs else "Provider"
        out.append({"discriminator": origin, "statement": text})
    return JSONResponse(out)


@endpoint(service="apps")
async def reload_logs(ctx: Ctx) -> Response:
    app = get_app(ctx)
    base = f"{ctx.base_url()}/api/v1/apps/{app.id}/reloads/logs"
    data = [
        {
            "reloadId": r.id,
            "success": r.final_status == "SUCCEEDED",
            "duration": int(((r.final_end_at or r.end_at) - r.start_at) * 1000),
            "endTime": iso(r.final_end_at or r.end_at),
            # ScriptLogMeta.links is `Log` = {"log": "<url>"} (a string, not {href}).
            "links": {"log": f"{base}/{r.id}"},
        }
        for r in reversed(list(ctx.tenant.reloads.values()))
        if r.app_id == app.id and r.final_status in ("SUCCEEDED", "FAILED")
    ]
    return JSONResponse({"data": data})


@endpoint(service="apps")
async def reload_log(ctx: Ctx) -> Response:
    reload = _reload(ctx, get_app(ctx).id)
    return PlainTextResponse(reload.log, media_type="text/plain; charset=UTF-8")


@endpoint(service="apps")
async def reload_metadata(ctx: Ctx) -> Response:
    app = get_app(ctx)
    reload = _reload(ctx, app.id)
    end = reload.final_end_at or reload.end_at
    tables = reload.data_model.tables if reload.data_model else []
    refs = connection_refs(app.current_script())
    statements: list[dict[str, Any]] = [
        {
            "connection": refs[0].display() if refs else "",
            "connectionId": "",
            "tableName": t.name,
            "label": t.name,
            "nbrOfRows": t.rows,
            "nbrOfFields": len(t.fields),
            "dataSize": t.rows * len(t.fields) * 8,
            "duration": 10,
            "type": "Load",
            "partialReloadOperation": "n/a",
        }
        for t in tables
    ]
    meta = {
        "reloadId": reload.id,
        "success": reload.final_status == "SUCCEEDED",
        "duration": int((end - reload.start_at) * 1000),
        "endTime": iso(end),
        "isPartialReload": reload.partial,
        "rowLimit": -1,
        "skipStore": False,
        "statements": statements,
        "includeFiles": [],
        "appDbHash": _hash(app.id, reload.id, "app"),
        "accessDbHash": "",
        "storeHash": "",
    }
    return JSONResponse({"data": [meta]})


_A = "/api/v1/apps/{appId}"
ROUTES = [
    Route(f"{_A}/data/metadata", data_metadata, methods=["GET"]),
    Route(f"{_A}/data/lineage", lineage, methods=["GET"]),
    Route(f"{_A}/reloads/logs", reload_logs, methods=["GET"]),
    Route(f"{_A}/reloads/logs/{{reloadId}}", reload_log, methods=["GET"]),
    Route(f"{_A}/reloads/metadata/{{reloadId}}", reload_metadata, methods=["GET"]),
]
