"""Reloads API (§6.1): create (201/429 pending), list newest first, get, cancel."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError, bad_request
from qlikreconcile.emulator.api.pagination import paginate
from qlikreconcile.emulator.api.scim_filter import compile_filter
from qlikreconcile.emulator.state import reloads as changes
from qlikreconcile.emulator.state.apps import Reload
from qlikreconcile.emulator.state.reload_lifecycle import TERMINAL, pending_for, status_of
from qlikreconcile.emulator.timefmt import iso


def _err(status: int, code: str, title: str, detail: str | None = None) -> QlikError:
    return QlikError(status, code, title, detail, service="reloads")


def render_reload(ctx: Ctx, reload: Reload, *, with_log: bool) -> dict[str, Any]:
    now = ctx.now
    status = status_of(reload, now)
    body: dict[str, Any] = {
        "id": reload.id,
        "appId": reload.app_id,
        "tenantId": reload.tenant_id,
        "userId": reload.user_id,
        "type": "external",
        "status": status,
        "partial": reload.partial,
        "creationTime": iso(reload.created_at),
        "links": {"self": {"href": f"{ctx.base_url()}/api/v1/reloads/{reload.id}"}},
    }
    if status != "QUEUED" and not (
        reload.canceled_at is not None and reload.canceled_at < reload.start_at
    ):
        body["startTime"] = iso(reload.start_at)
    if status in TERMINAL:
        end = reload.final_end_at
        if end is None:
            end = (
                reload.end_at
                if reload.canceled_at is None
                else reload.canceled_at + reload.cancel_seconds
            )
        body["endTime"] = iso(end)
        if status == "SUCCEEDED":
            body["engineTime"] = iso(end)
        if status == "FAILED":
            body["errorCode"] = reload.error_code
            body["errorMessage"] = reload.error_message
        if with_log and status in ("SUCCEEDED", "FAILED"):
            body["log"] = reload.log
    return body


def _get(ctx: Ctx) -> Reload:
    ident = ctx.path_param("reloadId")
    reload = ctx.tenant.reloads.get(ident)
    if reload is None:
        raise _err(404, "RELOADS-004", "Not found", f"Reload '{ident}' not found")
    return reload


@endpoint(service="reloads")
async def create_reload(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    app_id, partial = body.get("appId"), body.get("partial", False)
    if not isinstance(app_id, str) or not app_id or not isinstance(partial, bool):
        raise _err(
            400, "RELOADS-001", "Bad request", "appId (string) is required; partial is a boolean"
        )
    tenant = ctx.tenant
    app = tenant.apps.get(app_id)
    if app is None:
        raise _err(404, "RELOADS-002", "Not found", f"App '{app_id}' not found")
    if pending_for(tenant, app_id, ctx.now) is not None:
        raise _err(
            429,
            "RELOADS-009",
            "Too many requests",
            "A pending reload request already exists for this app",
        )
    reload = changes.start_reload(ctx.store, tenant, app, user_id=ctx.user_id, partial=partial)
    return JSONResponse(render_reload(ctx, reload, with_log=False), status_code=201)


def _bool_query(ctx: Ctx, name: str) -> bool | None:
    raw = ctx.query(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise bad_request("reloads", f"{name} must be true or false")
    return raw.lower() == "true"


@endpoint(service="reloads")
async def list_reloads(ctx: Ctx) -> Response:
    reloads = list(ctx.tenant.reloads.values())
    if app_id := ctx.query("appId"):
        reloads = [r for r in reloads if r.app_id == app_id]
    elif ctx.store.config.quirks.reloads_list_needs_app_id:  # quirk reloads.list_all
        raise bad_request("reloads", "appId is required")
    partial = _bool_query(ctx, "partial")
    if partial is not None:
        reloads = [r for r in reloads if r.partial == partial]
    now = ctx.now
    match = compile_filter(ctx, ctx.query("filter"))
    reloads = [
        r
        for r in reloads
        if match(
            {
                "status": status_of(r, now),
                "partial": str(r.partial).lower(),
                "type": "external",
            }
        )
    ]
    reloads.reverse()  # newest first
    with_log = bool(_bool_query(ctx, "log"))
    page = paginate(ctx, reloads, default=10, maximum=100)
    data = [render_reload(ctx, r, with_log=with_log) for r in page.data]
    return JSONResponse({"data": data, "links": page.links})


@endpoint(service="reloads")
async def get_reload(ctx: Ctx) -> Response:
    return JSONResponse(render_reload(ctx, _get(ctx), with_log=True))


@endpoint(service="reloads")
async def cancel_reload(ctx: Ctx) -> Response:
    reload = _get(ctx)
    status = status_of(reload, ctx.now)
    if status not in changes.CANCELLABLE:
        raise _err(
            409, "RELOADS-010", "Conflict", f"Reload is {status}: not in a cancellable state"
        )
    changes.cancel_reload(reload, ctx.now)
    # A queued reload is cancelled at once; a running one is still CANCELING.
    return Response(status_code=204 if status == "QUEUED" else 202)


ROUTES = [
    Route("/api/v1/reloads", create_reload, methods=["POST"]),
    Route("/api/v1/reloads", list_reloads, methods=["GET"]),
    Route("/api/v1/reloads/{reloadId}", get_reload, methods=["GET"]),
    Route("/api/v1/reloads/{reloadId}/actions/cancel", cancel_reload, methods=["POST"]),
]
