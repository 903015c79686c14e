"""Scheduling tasks, ``/api/scheduling/tasks`` (qlik-cloud-api.md §14.1, qlik-scheduling-tasks.md).

Served: the reload-on-time-schedule convenience create (201 ``Task``, disabled unless
``enabled: true``), list (``resourceId`` filter, ``limit`` 1-100 default 20, ``page`` cursor),
get, JSON-Patch ``PATCH`` (200 ``Task``), ``PUT`` (a whole ``Task``, :mod:`.scheduling_replace`),
``DELETE`` 204, ``actions/start`` (a real reload
through the reload lifecycle) and ``runs/last`` (404 before the first run). Errors: the flat CHO
envelope on the convenience endpoint, ``{errors:[{code:<int>}]}`` elsewhere (quirk
``scheduling.error_envelope``). Scheduled occurrences do not fire by themselves (quirk
``scheduling.no_clock``): runs start through ``actions/start``. Creating a task for an app turns
that app's legacy reload tasks off, as Qlik does once an app has a task in the new service.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError
from qlikreconcile.emulator.api.pagination import paginate
from qlikreconcile.emulator.api.scheduling_render import render_run, render_task
from qlikreconcile.emulator.api.scheduling_replace import ReplaceError, replacement
from qlikreconcile.emulator.api.scheduling_runs import refuse_unmodelled
from qlikreconcile.emulator.state import scheduling_tasks as changes
from qlikreconcile.emulator.state.recurrence import ScheduleError, parse_local, parse_rule, zone
from qlikreconcile.emulator.state.scheduling import SchedulingTask

_BASE = "/api/scheduling/tasks"
_PATCHABLE = {
    "/name": "name",
    "/description": "description",
    "/enabled": "enabled",
    "/start/schedule/recurrence": "recurrence",
    "/start/schedule/timezone": "timezone",
    "/start/schedule/startDateTime": "start",
    "/start/schedule/endDateTime": "end",
}


def _cho(status: int, code: str, context: str, message: str) -> QlikError:
    return QlikError(status, code, context, message, service="scheduling-cho")


def _err(status: int, title: str, detail: str, context: str) -> QlikError:
    return QlikError(status, context, title, detail, service="scheduling")


_SCHEDULE = {"recurrence", "timezone", "start", "end"}


def _validate_schedule(
    now: float, fields: Mapping[str, Any], task: SchedulingTask | None = None
) -> str | None:
    """What Qlik's scheduler would refuse in the schedule (CHO-017), None when fine: the
    ``fields`` (attribute names) over those of ``task``."""
    schedule = {**(task.model_dump(include=_SCHEDULE) if task else {}), **fields}
    try:
        tz = zone(schedule["timezone"])
        parse_rule(schedule["recurrence"], tz or UTC)
        start = parse_local(schedule["start"], tz, "startDateTime") if schedule["start"] else None
        end = parse_local(schedule["end"], tz, "endDateTime") if schedule["end"] else None
    except ScheduleError as exc:
        return str(exc)
    if end is not None and start is not None and end <= start:
        return "endDateTime must be after startDateTime"
    if end is not None and end.timestamp() <= now:
        return "endDateTime is in the past"
    return None


def _text(body: dict[str, Any], key: str, limit: int, default: str) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or len(value) > limit or (key == "name" and not value):
        raise _cho(400, "CHO-001", "Invalid request", f"{key} must be a string of at most {limit}")
    return value


@endpoint(service="scheduling-cho")
async def create_on_time_schedule(ctx: Ctx) -> Response:
    app_id = ctx.path_param("id")
    body = await ctx.json_object()
    tenant = ctx.tenant
    app = tenant.apps.get(app_id)
    if app is None:
        # Documented: a missing app answers 403 CHO-003, never 404.
        raise _cho(403, "CHO-003", "Forbidden", f"no access to app '{app_id}' (app:reload)")
    enabled = body.get("enabled", False)
    recurrence = body.get("recurrence")
    if not isinstance(enabled, bool):
        raise _cho(400, "CHO-001", "Invalid request", "enabled must be a boolean")
    if not isinstance(recurrence, str) or not recurrence:
        raise _cho(400, "CHO-017", "Invalid schedule", "recurrence (one RRULE string) is required")
    fields = {
        "name": _text(body, "name", 100, f"Reload {app.name}"[:100]),
        "description": _text(body, "description", 1024, ""),
        "app_id": app_id,
        "owner_id": ctx.user_id,
        "enabled": enabled,
        "disabled_code": None if enabled else "MANUALLY",
        "recurrence": recurrence,
        "timezone": _text(body, "timezone", 100, "UTC"),
        "start": _text(body, "startDateTime", 64, ""),
        "end": _text(body, "endDateTime", 64, ""),
    }
    problem = _validate_schedule(ctx.now, fields)
    if problem:
        raise _cho(400, "CHO-017", "Invalid schedule", problem)
    if changes.at_task_limit(tenant, app_id):
        raise _cho(422, "CHO-014", "Too many tasks", f"app '{app_id}' has the maximum of tasks")
    task = changes.create_scheduling_task(ctx.store, tenant, fields)
    return JSONResponse(render_task(tenant, task), status_code=201)


def _get(ctx: Ctx, context: str) -> SchedulingTask:
    ident = ctx.path_param("id")
    task = ctx.tenant.scheduling_tasks.get(ident)
    if task is None:
        raise _err(404, "Not found", f"task '{ident}' not found", context)
    if changes.settle_runs(ctx.tenant, task, ctx.now):
        ctx.store.mark_dirty()
    return task


@endpoint(service="scheduling")
async def list_tasks(ctx: Ctx) -> Response:
    refuse_unmodelled(ctx, "GetTasks")
    tasks = sorted(ctx.tenant.scheduling_tasks.values(), key=lambda t: -t.updated_at)
    if resource := ctx.query("resourceId"):
        tasks = [t for t in tasks if t.app_id == resource]
    changed = False
    for task in tasks:
        changed = changes.settle_runs(ctx.tenant, task, ctx.now) or changed
    if changed:
        ctx.store.mark_dirty()
    page = paginate(ctx, tasks, default=20, maximum=100, next_param="page", prev_param="page")
    data = [render_task(ctx.tenant, t) for t in page.data]
    return JSONResponse({"data": data, "links": page.links})


@endpoint(service="scheduling")
async def get_task(ctx: Ctx) -> Response:
    return JSONResponse(render_task(ctx.tenant, _get(ctx, "GetTask")))


def _patch(task: SchedulingTask, patch: Any, now: float) -> dict[str, Any]:
    """The validated changes (attribute names) a JSON Patch asks of ``task``."""
    if not isinstance(patch, list) or not patch:
        raise _err(400, "Bad request", "body must be a non-empty JSON Patch array", "PatchTask")
    fields: dict[str, Any] = {}
    for op in patch:
        path = op.get("path") if isinstance(op, dict) else None
        if not isinstance(op, dict) or op.get("op") not in ("replace", "add"):
            raise _err(400, "Bad request", "only replace/add operations are supported", "PatchTask")
        attr = _PATCHABLE.get(str(path))
        value = op.get("value")
        if attr is None:
            raise _err(400, "Bad request", f"path '{path}' cannot be patched", "PatchTask")
        expected = bool if attr == "enabled" else str
        if not isinstance(value, expected):
            raise _err(400, "Bad request", f"{path} takes a {expected.__name__}", "PatchTask")
        fields[attr] = value
    enabled = fields.get("enabled", task.enabled)
    if enabled != task.enabled or (enabled and task.disabled_code):
        fields["disabled_code"] = None if enabled else "MANUALLY"
    problem = _validate_schedule(now, fields, task)
    if problem:
        raise _err(400, "Bad request", problem, "PatchTask")
    return fields


@endpoint(service="scheduling")
async def patch_task(ctx: Ctx) -> Response:
    current = _get(ctx, "PatchTask")
    fields = _patch(current, await ctx.json(), ctx.now)
    task = changes.update_scheduling_task(ctx.tenant, current.id, fields, ctx.now)
    return JSONResponse(render_task(ctx.tenant, task))


@endpoint(service="scheduling")
async def put_task(ctx: Ctx) -> Response:
    current = _get(ctx, "UpdateTask")
    try:
        fields = replacement(current, await ctx.json(), ctx.user_id)
    except ReplaceError as exc:
        raise _err(400, "Bad request", str(exc), "UpdateTask") from exc
    app_id = fields["app_id"]
    if app_id not in ctx.tenant.apps:
        raise _err(403, "Forbidden", f"no access to app '{app_id}' (app:reload)", "UpdateTask")
    problem = _validate_schedule(ctx.now, fields, current)
    if problem:
        raise _err(400, "Bad request", problem, "UpdateTask")
    task = changes.update_scheduling_task(ctx.tenant, current.id, fields, ctx.now)
    return JSONResponse(render_task(ctx.tenant, task))


@endpoint(service="scheduling")
async def delete_task(ctx: Ctx) -> Response:
    changes.delete_scheduling_task(ctx.tenant, _get(ctx, "DeleteTask").id)
    return Response(status_code=204)


@endpoint(service="scheduling")
async def start_task(ctx: Ctx) -> Response:
    task = _get(ctx, "StartTask")
    tenant = ctx.tenant
    app = tenant.apps.get(task.app_id)
    if app is None:
        raise _err(404, "Not found", f"app '{task.app_id}' of the task is gone", "StartTask")
    changes.start_run(ctx.store, tenant, task, app, ctx.query("source") or "manual")
    return JSONResponse({"message": "Task started successfully"})


@endpoint(service="scheduling")
async def last_run(ctx: Ctx) -> Response:
    task = _get(ctx, "GetTaskLastRun")
    if not task.runs:
        raise _err(404, "Not found", f"task '{task.id}' has never run", "GetTaskLastRun")
    return JSONResponse(render_run(ctx.tenant, task, task.runs[-1]))


ROUTES = [
    Route(
        f"{_BASE}/resources/{{id}}/actions/reload/on-time-schedule",
        create_on_time_schedule,
        methods=["POST"],
    ),
    Route(_BASE, list_tasks, methods=["GET"]),
    Route(f"{_BASE}/{{id}}", get_task, methods=["GET"]),
    Route(f"{_BASE}/{{id}}", patch_task, methods=["PATCH"]),
    Route(f"{_BASE}/{{id}}", put_task, methods=["PUT"]),
    Route(f"{_BASE}/{{id}}", delete_task, methods=["DELETE"]),
    Route(f"{_BASE}/{{id}}/actions/start", start_task, methods=["POST"]),
    Route(f"{_BASE}/{{id}}/runs/last", last_run, methods=["GET"]),
]
