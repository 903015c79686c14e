"""Changes to legacy reload tasks (``/api/v1/reload-tasks``): whole-task updates and deletion.

Routes (``api/reload_tasks``) validate bodies and schedules and refuse migrated tasks; creation
is gone from Qlik's API (410), so tasks come from the admin API only (:func:`create_legacy_task`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlikreconcile.emulator.state.apps import App, ReloadTask
from qlikreconcile.emulator.state.records import replace_changed
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Tenant


def create_legacy_task(
    store: EmulatorStore, tenant: Tenant, app: App, recurrence: list[str], time_zone: str
) -> ReloadTask:
    """A reload task as the removed Reload Tasks API made it, owned by the app's owner."""
    now = store.now()
    task = ReloadTask(
        id=store.new_id("hex24"),
        app_id=app.id,
        user_id=app.owner_id,
        time_zone=time_zone,
        recurrence=recurrence,
        created_at=now,
        updated_at=now,
    )
    tenant.reload_tasks[task.id] = task
    return task


def update_reload_task(
    tenant: Tenant, task_id: str, changes: Mapping[str, Any], now: float
) -> ReloadTask:
    """Replace the stored task by a copy carrying ``changes`` (attribute names)."""
    return replace_changed(tenant.reload_tasks, task_id, changes, now)


def delete_reload_task(tenant: Tenant, task_id: str) -> None:
    del tenant.reload_tasks[task_id]
