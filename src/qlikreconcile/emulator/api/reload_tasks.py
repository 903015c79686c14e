"""Reload tasks, ``/reload-tasks``: the schedules API Qlik removed (qlik-cloud-api.md §14.1).

Since its removal (on or after 2026-09-29) ``POST`` answers 410 ``TASKS-011`` and ``PUT`` /
``DELETE`` of a task migrated to the scheduling service answer 400 ``TASKS-001``; listing and
reading still work and show ``migrated``. Tasks made before the removal are seeded through the
admin API (``POST /_emulator/tenants/{host}/legacy-reload-tasks``). For the tasks that remain:
get, PUT 200 (fields present replace, absent keep; ``state`` Enabled|Disabled|Completed),
DELETE 204, list with ``appId``/``partial`` filters and next/prev cursors (limit
1-100, default 10). Schedules are validated (:mod:`~qlikreconcile.emulator.state.recurrence`) and
``nextExecutionTime`` is computed from them at read time, but tasks never start reloads
(COVERAGE.md). Deleting an app deletes its tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError
from qlikreconcile.emulator.api.pagination import paginate
from qlikreconcile.emulator.state.apps import ReloadTask
from qlikreconcile.emulator.state.recurrence import (
    ScheduleError,
    next_execution,
    parse_local,
    parse_rule,
    zone,
)
from qlikreconcile.emulator.state.reload_tasks import delete_reload_task, update_reload_task

TASK_STATES = ("Enabled", "Disabled", "Completed")
_BOOLS = {
    "partial": "partial",
    "autoReload": "auto_reload",
    "autoReloadPartial": "auto_reload_partial",
}


def _err(status: int, detail: str) -> QlikError:
    title = {400: "Bad Request", 404: "Not Found"}.get(status, "Error")
    return QlikError(status, f"HTTP-{status}", title, detail, service="reload-tasks")


def _tz(task: ReloadTask) -> tzinfo | None:
    return zone(task.time_zone) if task.time_zone else None


def _validate(task: ReloadTask) -> None:
    """Raise 400 for anything Qlik's scheduler would refuse."""
    try:
        tz = _tz(task)
        start = parse_local(task.start, tz, "startDateTime") if task.start else None
        end = parse_local(task.end, tz, "endDateTime") if task.end else None
        for line in task.recurrence:
            parse_rule(line, tz or UTC)
    except ScheduleError as exc:
        raise _err(400, str(exc)) from exc
    if start is not None and start.timestamp() < 0:
        raise _err(400, "startDateTime must not be before the Unix epoch")
    if start is not None and end is not None and end < start:
        raise _err(400, "endDateTime is before startDateTime")


def schedule(task: ReloadTask, now: float) -> tuple[datetime | None, bool]:
    """``(nextExecutionTime, completed)`` of a stored (already validated) task."""
    tz = _tz(task)
    rules = [parse_rule(line, tz or UTC) for line in task.recurrence]
    start = parse_local(task.start, tz, "startDateTime") if task.start else None
    end = parse_local(task.end, tz, "endDateTime") if task.end else None
    created = datetime.fromtimestamp(task.created_at, tz or UTC)
    return next_execution(
        rules, start=start, end=end, created=created, now=datetime.fromtimestamp(now, UTC)
    )


def render_task(ctx: Ctx, task: ReloadTask) -> dict[str, Any]:
    app = ctx.tenant.apps.get(task.app_id)
    upcoming, completed = schedule(task, ctx.now)
    state = "Completed" if completed and task.state == "Enabled" else task.state
    body: dict[str, Any] = {
        "id": task.id,
        # Required by the Task schema but undocumented; the emulator reuses the task id
        # (quirk reload_tasks.jobId).
        "jobId": task.id,
        "appId": task.app_id,
        "partial": task.partial,
        "timeZone": task.time_zone,
        "autoReload": task.auto_reload,
        "autoReloadPartial": task.auto_reload_partial,
        "recurrence": list(task.recurrence),
        "startDateTime": task.start,
        "endDateTime": task.end,
        "state": state,
        "userId": task.user_id,
        "tenantId": ctx.tenant.id,
        "migrated": task.migrated,
        "links": {"self": {"href": f"{ctx.base_url()}/api/v1/reload-tasks/{task.id}"}},
    }
    if app is not None and app.space_id:
        body["spaceId"] = app.space_id
    if task.state == "Disabled" and task.disabled_code:
        body["disabledCode"] = task.disabled_code
    if state == "Enabled" and upcoming is not None:
        body["nextExecutionTime"] = upcoming.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return body


def _changes(ctx: Ctx, task: ReloadTask, body: dict[str, Any]) -> dict[str, Any]:
    """The validated changes (attribute names) a PUT body asks of ``task``."""
    fields: dict[str, Any] = {}
    if "appId" in body:
        app_id = body.get("appId")
        if not isinstance(app_id, str) or not app_id:
            raise _err(400, "appId (string) is required")
        if app_id not in ctx.tenant.apps:
            raise _err(404, f"App '{app_id}' not found")
        fields["app_id"] = app_id
    if "timeZone" in body:
        if not isinstance(body["timeZone"], str):
            raise _err(400, "timeZone must be a string")
        fields["time_zone"] = body["timeZone"]
    for key, attr in _BOOLS.items():
        if key in body:
            if not isinstance(body[key], bool):
                raise _err(400, f"{key} must be a boolean")
            fields[attr] = body[key]
    if "recurrence" in body:
        rec = body["recurrence"]
        if rec is None:
            rec = []
        if not isinstance(rec, list) or not all(isinstance(r, str) for r in rec):
            raise _err(400, "recurrence must be an array of RRULE strings")
        fields["recurrence"] = list(rec)
    for key, attr in (("startDateTime", "start"), ("endDateTime", "end")):
        if key in body:
            value = body[key] if body[key] is not None else ""
            if not isinstance(value, str):
                raise _err(400, f"{key} must be a string")
            fields[attr] = value
    if "type" in body and body["type"] not in ("scheduled_reload", None, ""):
        raise _err(400, "type must be 'scheduled_reload'")
    if "state" in body:
        if body["state"] not in TASK_STATES:
            raise _err(400, f"state must be one of {', '.join(TASK_STATES)}")
        fields["state"] = body["state"]
        fields["disabled_code"] = "MANUALLY" if body["state"] == "Disabled" else None
    _validate(task.model_copy(update=fields))
    return fields


def _get(ctx: Ctx) -> ReloadTask:
    ident = ctx.path_param("taskId")
    task = ctx.tenant.reload_tasks.get(ident)
    if task is None:
        raise _err(404, f"Task '{ident}' not found")
    return task


@endpoint(service="reload-tasks")
async def create_task(ctx: Ctx) -> Response:
    raise QlikError(
        410,
        "TASKS-011",
        "Gone",
        "The Reload Tasks API was removed; create tasks with the Scheduling Tasks API "
        "(/api/scheduling/tasks)",
        service="reload-tasks",
    )


def _not_migrated(task: ReloadTask) -> ReloadTask:
    if task.migrated:
        raise QlikError(
            400,
            "TASKS-001",
            "Bad request",
            f"Task '{task.id}' was migrated to the scheduling service; change it there",
            service="reload-tasks",
        )
    return task


@endpoint(service="reload-tasks")
async def list_tasks(ctx: Ctx) -> Response:
    tasks = list(ctx.tenant.reload_tasks.values())
    if app_id := ctx.query("appId"):
        tasks = [t for t in tasks if t.app_id == app_id]
    partial = ctx.query("partial")
    if partial is not None:
        if partial.lower() not in ("true", "false"):
            raise _err(400, "partial must be true or false")
        tasks = [t for t in tasks if t.partial == (partial.lower() == "true")]
    page = paginate(ctx, tasks, default=10, maximum=100)
    return JSONResponse({"data": [render_task(ctx, t) for t in page.data], "links": page.links})


@endpoint(service="reload-tasks")
async def get_task(ctx: Ctx) -> Response:
    return JSONResponse(render_task(ctx, _get(ctx)))


@endpoint(service="reload-tasks")
async def put_task(ctx: Ctx) -> Response:
    current = _not_migrated(_get(ctx))
    fields = _changes(ctx, current, await ctx.json_object())
    task = update_reload_task(ctx.tenant, current.id, fields, ctx.now)
    return JSONResponse(render_task(ctx, task))


@endpoint(service="reload-tasks")
async def delete_task(ctx: Ctx) -> Response:
    delete_reload_task(ctx.tenant, _not_migrated(_get(ctx)).id)
    return Response(status_code=204)


_T = "/api/v1/reload-tasks"
ROUTES = [
    Route(_T, list_tasks, methods=["GET"]),
    Route(_T, create_task, methods=["POST"]),
    Route(f"{_T}/{{taskId}}", get_task, methods=["GET"]),
    Route(f"{_T}/{{taskId}}", put_task, methods=["PUT"]),
    Route(f"{_T}/{{taskId}}", delete_task, methods=["DELETE"]),
]
