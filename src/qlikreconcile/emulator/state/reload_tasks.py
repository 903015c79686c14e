"""Changes to legacy reload tasks (``/api/v1/reload-tasks``): whole-task updates and deletion.

Routes (``api/reload_tasks``) validate bodies and schedules and refuse migrated tasks; creation
is gone from Qlik's API (410), so tasks come from the seed and the admin API only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlikreconcile.emulator.state.apps import ReloadTask
from qlikreconcile.emulator.state.records import replace_changed
from qlikreconcile.emulator.state.tenant import Tenant


def update_reload_task(
    tenant: Tenant, task_id: str, changes: Mapping[str, Any], now: float
) -> ReloadTask:
    """Replace the stored task by a copy carrying ``changes`` (attribute names)."""
    return replace_changed(tenant.reload_tasks, task_id, changes, now)


def delete_reload_task(tenant: Tenant, task_id: str) -> None:
    del tenant.reload_tasks[task_id]
