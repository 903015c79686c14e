"""Admin endpoints that put a tenant's schedules into states only Qlik itself produces.

``POST /_emulator/tenants/{hostname}/legacy-reload-tasks`` seeds a reload task as the removed
Reload Tasks API made it (``{appId, recurrence:[...], timeZone, migrate?}``); with
``migrate: true`` it is also migrated the way Qlik migrated tasks when it removed the API: a
scheduling task with ``metadata.migratedFrom`` takes over the schedule and the legacy task is
marked ``migrated`` and turned off. ``POST /_emulator/tenants/{hostname}/scheduling-tasks/
{taskId}/disable`` ``{code}`` disables a task for a reason Qlik gives (``CONSECUTIVE-FAILURES``,
``APP-SCRIPT-UPDATED``, ...).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.scheduling_render import render_task
from qlikreconcile.emulator.control.admin import admin_error, json_body, store_of, tenant_and_body
from qlikreconcile.emulator.state import scheduling_tasks as changes
from qlikreconcile.emulator.state.reload_tasks import create_legacy_task

DISABLED_CODES = (
    "MANUALLY",
    "CONSECUTIVE-FAILURES",
    "APP-SCRIPT-UPDATED",
    "OWNER-DELETED",
    "OWNER-DISABLED",
    "APP-MOVED-SPACE",
    "OWNER-MOVED",
)


async def seed_legacy_task(request: Request) -> Response:
    store = store_of(request)
    found = await tenant_and_body(request)
    if isinstance(found, JSONResponse):
        return found
    tenant, body = found
    app = tenant.apps.get(str(body.get("appId")))
    recurrence, time_zone = body.get("recurrence"), body.get("timeZone", "UTC")
    if app is None or not isinstance(recurrence, list) or not isinstance(time_zone, str):
        return admin_error(400, "appId of an existing app, recurrence (list), timeZone required")
    legacy = create_legacy_task(store, tenant, app, [str(r) for r in recurrence], time_zone)
    out: dict[str, object] = {"legacyTaskId": legacy.id}
    if body.get("migrate"):
        out["taskId"] = changes.migrate_legacy_task(store, tenant, legacy, app).id
    store.mark_dirty()
    return JSONResponse(out, status_code=201)


async def disable_task(request: Request) -> Response:
    store = store_of(request)
    tenant = store.tenant_by_hostname(request.path_params["hostname"])
    task = tenant.scheduling_tasks.get(request.path_params["taskId"]) if tenant else None
    if tenant is None or task is None:
        return admin_error(404, "No such tenant or scheduling task")
    body = await json_body(request)
    if isinstance(body, JSONResponse):
        return body
    code = body.get("code")
    if code not in DISABLED_CODES:
        return admin_error(400, f"code must be one of {', '.join(DISABLED_CODES)}")
    changes.disable_task(task, str(code), store.now())
    store.mark_dirty()
    return JSONResponse(render_task(tenant, task))


ROUTES = [
    Route("/_emulator/tenants/{hostname}/legacy-reload-tasks", seed_legacy_task, methods=["POST"]),
    Route(
        "/_emulator/tenants/{hostname}/scheduling-tasks/{taskId}/disable",
        disable_task,
        methods=["POST"],
    ),
]
