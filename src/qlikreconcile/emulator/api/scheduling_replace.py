"""The body of ``PUT /api/scheduling/tasks/{id}``: a whole ``Task`` replacing the stored one.

qlik-scheduling-tasks.md §2 row 5 and §3: ``name`` and ``specVersion`` are required, omitted
fields reset to their defaults (``enabled`` false, so a PUT without it disables the task with
``MANUALLY``), ``resourceId`` and the server-populated ``metadata`` are ignored on input, and PUT
transfers ownership of the task to the caller. ``Task`` allows no other properties: unknown keys
answer 400. The emulator models time-scheduled app reloads only, so ``start.schedule`` must be
the object form with one RRULE ``recurrence`` and the one action must be ``app.reload`` on an app
of the tenant; a task without them (event triggers, ISO intervals, cron) answers 400 rather than
being stored half understood (quirk ``scheduling.put``; COVERAGE.md says so).
"""

from __future__ import annotations

from typing import Any

from qlikreconcile.emulator.state.scheduling import SchedulingTask

TASK_KEYS = frozenset(
    {
        "id",
        "name",
        "description",
        "enabled",
        "specVersion",
        "version",
        "key",
        "keepActive",
        "annotations",
        "resourceId",
        "start",
        "events",
        "states",
        "metadata",
    }
)
_SCHEDULE_KEYS = {
    "recurrence": "recurrence",
    "timezone": "timezone",
    "startDateTime": "start",
    "endDateTime": "end",
}


class ReplaceError(ValueError):
    """What is wrong with a PUT body, worded for the 400 answer."""


def _schedule(body: dict[str, Any]) -> dict[str, str]:
    start = body.get("start")
    schedule = start.get("schedule") if isinstance(start, dict) else None
    if not isinstance(schedule, dict) or not isinstance(schedule.get("recurrence"), str):
        raise ReplaceError("start.schedule must be an object with one RRULE 'recurrence'")
    unknown = set(schedule) - set(_SCHEDULE_KEYS)
    if unknown:
        raise ReplaceError(f"start.schedule: not supported here: {', '.join(sorted(unknown))}")
    out = {"timezone": "UTC", "start": "", "end": ""}
    for key, attr in _SCHEDULE_KEYS.items():
        value = schedule.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise ReplaceError(f"start.schedule.{key} must be a string")
            out[attr] = value
    return out


def _app_id(body: dict[str, Any]) -> str:
    """The app the task reloads: ``states[0].onEvents[0].actions[0].functionRef.arguments``."""
    if body.get("events"):
        raise ReplaceError("event-triggered tasks are not supported by the emulator")
    try:
        action = body["states"][0]["onEvents"][0]["actions"][0]
        ref = action["functionRef"]
        app_id = ref["arguments"]["appId"]
    except (KeyError, IndexError, TypeError) as exc:
        problem = "states[0] must hold one app.reload action with arguments.appId"
        raise ReplaceError(problem) from exc
    if not isinstance(ref, dict) or ref.get("refName") != "app.reload" or not app_id:
        raise ReplaceError("the action's functionRef must be app.reload with an appId")
    return str(app_id)


def replacement(current: SchedulingTask, body: Any, owner_id: str) -> dict[str, Any]:
    """The changes (attribute names) that make ``current`` the task ``body`` describes; what
    the server owns (id, creation, runs) is not among them."""
    if not isinstance(body, dict):
        raise ReplaceError("body must be a Task object")
    unknown = set(body) - TASK_KEYS
    if unknown:
        raise ReplaceError(f"Task has no properties {', '.join(sorted(unknown))}")
    name, spec_version = body.get("name"), body.get("specVersion")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        raise ReplaceError("name is required, 1 to 100 characters")
    if not isinstance(spec_version, str) or not spec_version:
        raise ReplaceError("specVersion is required")
    description, enabled = body.get("description", ""), body.get("enabled", False)
    if not isinstance(description, str) or len(description) > 1024:
        raise ReplaceError("description must be a string of at most 1024 characters")
    if not isinstance(enabled, bool):
        raise ReplaceError("enabled must be a boolean")
    # A task Qlik disabled and that stays disabled keeps Qlik's reason; turning it off is MANUALLY.
    kept = current.disabled_code if not current.enabled else None
    changes: dict[str, Any] = {"name": name, "description": description, "enabled": enabled}
    changes["disabled_code"] = None if enabled else (kept or "MANUALLY")
    changes["app_id"], changes["owner_id"] = _app_id(body), owner_id
    return {**changes, **_schedule(body)}
