"""Changes to scheduling tasks: creation, whole-task updates, deletion, runs and their outcomes.

Routes (``api/scheduling*``) validate bodies and schedules; these functions own ids, timestamps,
the legacy reload tasks a new task turns off, the runs a start records and the settling of
finished runs (a task failing :data:`CONSECUTIVE_FAILURE_LIMIT` runs in a row is disabled with
``CONSECUTIVE-FAILURES``, the way Qlik's scheduler does it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlikreconcile.emulator.state.apps import App, ReloadTask
from qlikreconcile.emulator.state.records import replace_changed
from qlikreconcile.emulator.state.reload_lifecycle import TERMINAL, pending_for, status_of
from qlikreconcile.emulator.state.reloads import start_reload
from qlikreconcile.emulator.state.scheduling import (
    CONSECUTIVE_FAILURE_LIMIT,
    MAX_TASKS_PER_APP,
    RUNS_KEPT,
    SchedulingTask,
    TaskRun,
)
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Tenant


def at_task_limit(tenant: Tenant, app_id: str) -> bool:
    """An app holds at most :data:`MAX_TASKS_PER_APP` tasks (422 ``CHO-014`` beyond)."""
    return sum(t.app_id == app_id for t in tenant.scheduling_tasks.values()) >= MAX_TASKS_PER_APP


def create_scheduling_task(
    store: EmulatorStore, tenant: Tenant, fields: Mapping[str, Any]
) -> SchedulingTask:
    """A new task with ``fields`` (attribute names). Its app's enabled legacy reload tasks are
    turned off, as Qlik does once an app has a task in the new service."""
    now = store.now()
    task = SchedulingTask(id=store.new_id("uuid"), **fields, created_at=now, updated_at=now)
    tenant.scheduling_tasks[task.id] = task
    for legacy in tenant.reload_tasks.values():
        if legacy.app_id == task.app_id and legacy.state == "Enabled":
            legacy.state, legacy.disabled_code = "Disabled", "MANUALLY"
    return task


def migrate_legacy_task(
    store: EmulatorStore, tenant: Tenant, legacy: ReloadTask, app: App
) -> SchedulingTask:
    """Move a legacy reload task to the scheduling service the way Qlik did when it removed the
    Reload Tasks API: a task with ``migrated_from`` takes over the schedule, the legacy task is
    marked migrated and turned off."""
    task = SchedulingTask(
        id=store.new_id("uuid"),
        name=f"Migrated reload task {legacy.id}",
        app_id=app.id,
        owner_id=app.owner_id,
        enabled=True,
        recurrence=legacy.recurrence[0] if legacy.recurrence else "",
        timezone=legacy.time_zone,
        created_at=legacy.created_at,
        updated_at=legacy.created_at,
        migrated_from=legacy.id,
    )
    tenant.scheduling_tasks[task.id] = task
    legacy.migrated, legacy.state, legacy.disabled_code = True, "Disabled", "MANUALLY"
    return task


def disable_task(task: SchedulingTask, code: str, now: float) -> None:
    """Turned off by Qlik itself, for the reason ``code`` (``CONSECUTIVE-FAILURES``...)."""
    task.enabled, task.disabled_code, task.updated_at = False, code, now


def update_scheduling_task(
    tenant: Tenant, task_id: str, changes: Mapping[str, Any], now: float
) -> SchedulingTask:
    """Replace the stored task by a copy carrying ``changes`` (attribute names)."""
    return replace_changed(tenant.scheduling_tasks, task_id, changes, now)


def delete_scheduling_task(tenant: Tenant, task_id: str) -> None:
    del tenant.scheduling_tasks[task_id]


def start_run(
    store: EmulatorStore, tenant: Tenant, task: SchedulingTask, app: App, triggered_by: str
) -> TaskRun:
    """Run ``task`` now: it reloads ``app`` as the task's owner, joining a reload already
    pending; the run is recorded (the newest :data:`RUNS_KEPT` kept)."""
    reload = pending_for(tenant, app.id, store.now()) or start_reload(
        store, tenant, app, user_id=task.owner_id, partial=False
    )
    run = TaskRun(
        id=store.new_id("uuid"),
        reload_id=reload.id,
        triggered_by=triggered_by,
        executed_as=task.owner_id,
        started_at=store.now(),
    )
    task.runs = [*task.runs, run][-RUNS_KEPT:]
    return run


def settle_runs(tenant: Tenant, task: SchedulingTask, now: float) -> bool:
    """Copy finished reloads into the task's runs; True when anything changed."""
    changed = False
    for run in task.runs:
        if run.status != "RUNNING":
            continue
        reload = tenant.reloads.get(run.reload_id)
        status = status_of(reload, now) if reload is not None else "FAILED"
        if status not in TERMINAL:
            continue
        run.status = "SUCCEEDED" if status == "SUCCEEDED" else "FAILED"
        ended = (reload.final_end_at or reload.end_at) if reload is not None else now
        run.ended_at = min(now, ended)
        changed = True
    if changed and task.enabled and task.consecutive_failures() >= CONSECUTIVE_FAILURE_LIMIT:
        task.enabled, task.disabled_code, task.updated_at = False, "CONSECUTIVE-FAILURES", now
    return changed
