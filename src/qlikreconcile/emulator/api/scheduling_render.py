"""The ``Task`` and ``OrchRun`` documents of the Scheduling Tasks API, rendered from state.

Shapes follow ``qlik-scheduling-tasks.md`` §3 (the reconstructed OpenAPI ``Task``, which allows
no extra properties): a time-scheduled reload is one ``event`` state whose single action is
``app.reload`` on the app, started by ``start.schedule`` with ONE RRULE string. Run outcomes are
read from the reloads the runs started, once :func:`..state.scheduling_tasks.settle_runs` has
copied them into the task.
"""

from __future__ import annotations

from typing import Any

from qlikreconcile.emulator.state.scheduling import (
    SchedulingTask,
    TaskRun,
)
from qlikreconcile.emulator.state.tenant import Tenant
from qlikreconcile.emulator.timefmt import iso

SPEC_VERSION = "1.16.0"
STATE_NAME = "reload"


def _run_base(run: TaskRun) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": run.id,
        "status": run.status,
        "startedAt": iso(run.started_at),
        "executedAs": run.executed_as,
        "triggeredBy": run.triggered_by,
        "workerId": run.reload_id,
        "workerType": "reloads",
    }
    if run.ended_at is not None:
        body["endedAt"] = iso(run.ended_at)
    return body


def metadata(tenant: Tenant, task: SchedulingTask) -> dict[str, Any]:
    app = tenant.apps.get(task.app_id)
    space = tenant.spaces.get(app.space_id or "") if app is not None else None
    meta: dict[str, Any] = {
        "usage": "ANALYTICS",
        "ownerId": task.owner_id,
        "createdBy": task.owner_id,
        "tenantId": tenant.id,
        "resourceType": "app",
        "createdAt": iso(task.created_at),
        "updatedAt": iso(task.updated_at),
        "trigger": {"id": f"{task.id}-trigger", "type": 0},
        "orchestration": {"id": f"{task.id}-orchestration", "type": 3},
    }
    if app is not None:
        meta["resourceName"] = app.name
        meta["spaceId"] = app.space_id or ""
        meta["spaceType"] = space.type if space is not None else "personal"
    if not task.enabled and task.disabled_code:
        meta["disabledCode"] = task.disabled_code
    if task.migrated_from:
        meta["migratedFrom"] = task.migrated_from
    if task.runs:
        last = task.runs[-1]
        attrs = {
            "last_run_status": last.status,
            "last_run_startedAt": iso(last.started_at),
            "last_run_worker_type": "reloads",
        }
        if last.ended_at is not None:
            attrs["last_run_endedAt"] = iso(last.ended_at)
        meta["orchestration"].update(attrs=attrs, lastRun=_run_base(last))
    return meta


def render_task(tenant: Tenant, task: SchedulingTask) -> dict[str, Any]:
    schedule: dict[str, Any] = {"recurrence": task.recurrence, "timezone": task.timezone}
    if task.start:
        schedule["startDateTime"] = task.start
    if task.end:
        schedule["endDateTime"] = task.end
    action = {
        "name": "reload-action",
        "functionRef": {
            "refName": "app.reload",
            "arguments": {"appId": task.app_id, "partial": False},
        },
    }
    return {
        "id": task.id,
        "name": task.name,
        "description": task.description,
        "enabled": task.enabled,
        "specVersion": SPEC_VERSION,
        "version": "1.0.0",
        "keepActive": False,
        "resourceId": task.app_id,
        "start": {"stateName": STATE_NAME, "schedule": schedule},
        "states": [
            {
                "name": STATE_NAME,
                "type": "event",
                "end": True,
                "onEvents": [{"eventRefs": [], "actions": [action]}],
            }
        ],
        "metadata": metadata(tenant, task),
    }


def render_run(tenant: Tenant, task: SchedulingTask, run: TaskRun) -> dict[str, Any]:
    return {
        **_run_base(run),
        "taskId": task.id,
        "taskName": task.name,
        "actionId": "reload-action",
        "resourceId": task.app_id,
        "taskMeta": metadata(tenant, task),
    }
