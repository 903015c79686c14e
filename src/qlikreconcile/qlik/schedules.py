"""Reload schedules as Qlik keeps them today: scheduling tasks, and the legacy tasks they replace.

Qlik removed the Reload Tasks API (``/api/v1/reload-tasks``) on or after 2026-09-29
(qlik-cloud-api.md §14.1): schedules are **scheduling tasks** (``/api/scheduling/tasks``), one
per scheduled app, on the published copy when there is one (customers see it; Qlik reloads it
in place), else on the build copy. Ours carry a marker in the task's ``description``
(:class:`~qlikreconcile.qlik.ownership.AppMarker` with role ``schedule``).

Per tenant, discovery reads the task list once and, for each scheduled template, finds:

* our task on the app it should schedule: the resource (a task Qlik disabled, for example
  ``CONSECUTIVE-FAILURES`` or ``APP-SCRIPT-UPDATED``, is drift with that reason);
* more of ours: duplicates or tasks on an app that is no longer the scheduled one, garbage;
* none of ours but a copy Qlik made when it migrated a legacy task (``metadata.migratedFrom``):
  adopted (our marker written);
* none of ours but one someone made, where the tenant file adopts unmarked resources: adopted
  the same way (the oldest, when there are several);
* nothing at all: a legacy reload task on the app (read only then, one more list call), which
  a scheduling task replaces (field ``api`` differs); the legacy one is then deleted where Qlik
  still allows it (a migrated one answers 400 ``TASKS-001``: Qlik turned it off already).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import ActualResource
from qlikreconcile.errors import ApiError
from qlikreconcile.qlik import ownership, resources
from qlikreconcile.qlik.client import QlikClient

TASKS = "/api/scheduling/tasks"
LEGACY_TASKS = "/api/v1/reload-tasks"
SCHEDULING_API = "scheduling-tasks"
LEGACY_API = "reload-tasks (removed)"
LEGACY_IDENT = "legacy:"
"""Prefix of the ident of a legacy reload task, so its delete goes to the legacy API."""

DISABLED_BY_HAND = "MANUALLY"


def on_time_schedule_path(app_id: str) -> str:
    return f"{TASKS}/resources/{app_id}/actions/reload/on-time-schedule"


def task_marker(template: str, applied: str | None = None) -> ownership.AppMarker:
    return ownership.AppMarker(role="schedule", template=template, applied=applied)


def _marker(task: Mapping[str, Any]) -> ownership.AppMarker | None:
    marker = ownership.parse_app_marker(str(task.get("description") or ""))
    return marker if marker is not None and marker.role == "schedule" else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _meta(task: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(task.get("metadata"))


def _fields(task: Mapping[str, Any]) -> dict[str, Any]:
    start = _mapping(task.get("start"))
    schedule = _mapping(start.get("schedule"))
    return {
        "api": SCHEDULING_API,
        "recurrence": schedule.get("recurrence"),
        "timezone": schedule.get("timezone") or "UTC",
        "enabled": bool(task.get("enabled")),
    }


def _disabled_reason(task: Mapping[str, Any]) -> tuple[str, ...]:
    if task.get("enabled"):
        return ()
    code = _meta(task).get("disabledCode")
    if not code or code == DISABLED_BY_HAND:
        return ("disabled in the tenant",)
    return (f"disabled by Qlik ({code})",)


def _created(task: Mapping[str, Any]) -> str:
    return f"{_meta(task).get('createdAt') or ''}{task.get('id')}"


async def find_task(client: QlikClient, app_id: str, template: str) -> str | None:
    """Our scheduling task of ``template`` on ``app_id`` (the oldest, when there are several)."""
    found = [
        t
        async for t in client.paginate(TASKS, params={"resourceId": app_id})
        if t.get("resourceId") == app_id and (m := _marker(t)) and m.template == template
    ]
    return str(min(found, key=_created)["id"]) if found else None


async def read_tasks(client: QlikClient) -> list[dict[str, Any]]:
    """Every scheduling task of the tenant (one list, read with the tenant's other lists)."""
    return await client.get_all(TASKS)


async def read_schedules(
    client: QlikClient,
    tenant: str,
    targets: Mapping[str, str],
    tasks: list[dict[str, Any]] | None = None,
    *,
    left: Collection[str] = (),
    protect: Mapping[str, str] | None = None,
    adopt: bool = False,
) -> list[ActualResource]:
    """The schedules of a tenant's templates; ``targets`` maps template -> the app to schedule.

    ``tasks`` is the tenant's task list when already read (:func:`read_tasks`). A task of ours
    on an app in ``left`` (kept for customers but no longer managed) is left behind like the
    app, never garbage. A task on an app in ``protect`` (app id -> why it is never pruned) is
    protected with it. ``adopt`` (the tenant file adopts unmarked resources): a scheduling task
    without our marker on the app to schedule is taken over.
    """
    if tasks is None:
        tasks = await read_tasks(client)
    out: list[ActualResource] = []
    unscheduled: dict[str, str] = {}
    ours: dict[str, list[Mapping[str, Any]]] = {}
    for task in tasks:
        marker = _marker(task)
        if marker is not None:
            ours.setdefault(marker.template, []).append(task)
    for template, mine in sorted(ours.items()):
        app_id = targets.get(template)
        mine.sort(key=_created)
        if app_id is None:
            # No longer scheduled in the spec: left behind (pruned only where the spec says so).
            found = [_owned(tenant, template, t, extra=n > 0) for n, t in enumerate(mine)]
            out += [_protected(r, t, protect or {}) for r, t in zip(found, mine, strict=True)]
            continue
        current = [t for t in mine if app_id and t.get("resourceId") == app_id]
        if current:
            out.append(_owned(tenant, template, current[0]))
        for extra in current[1:]:
            out.append(_garbage(tenant, template, extra, "a second schedule of the same app"))
        for other in (t for t in mine if t not in current):
            if other.get("resourceId") in left:
                out.append(_owned(tenant, template, other, extra=True))
                continue
            reason = "schedules an app that is no longer the one customers see"
            out.append(_garbage(tenant, template, other, reason))
    for template, app_id in sorted(targets.items()):
        if template in ours and any(t.get("resourceId") == app_id for t in ours[template]):
            continue
        migrated = sorted(
            (
                t
                for t in tasks
                if t.get("resourceId") == app_id and _meta(t).get("migratedFrom") and not _marker(t)
            ),
            key=_created,
        )
        unmarked = sorted(
            (t for t in tasks if adopt and t.get("resourceId") == app_id and not _marker(t)),
            key=_created,
        )
        if migrated:
            out.append(_migrated(tenant, template, migrated[0]))
        elif unmarked:
            out.append(_unmarked(tenant, template, unmarked[0]))
        else:
            unscheduled[template] = app_id
    if unscheduled:
        out += await _legacy(client, tenant, unscheduled)
    return out


def _owned(
    tenant: str, template: str, task: Mapping[str, Any], *, extra: bool = False
) -> ActualResource:
    marker = _marker(task)
    name = f"{template}~{task.get('id')}" if extra else template
    return ActualResource(
        ResourceKey(tenant, resources.RELOAD_TASK, name),
        _fields(task),
        ident=str(task.get("id")),
        drift=_disabled_reason(task),
        applied=marker.applied if marker else None,
    )


def _protected(
    resource: ActualResource, task: Mapping[str, Any], protect: Mapping[str, str]
) -> ActualResource:
    why = protect.get(str(task.get("resourceId")))
    if not why:
        return resource
    return replace(resource, protected=f"it reloads a published copy that is kept: {why}")


def _garbage(tenant: str, template: str, task: Mapping[str, Any], why: str) -> ActualResource:
    ident = str(task.get("id"))
    return ActualResource(
        ResourceKey(tenant, resources.RELOAD_TASK, f"{template}~{ident}"),
        _fields(task),
        ident=ident,
        drift=(why,),
        garbage=True,
    )


def _migrated(tenant: str, template: str, task: Mapping[str, Any]) -> ActualResource:
    legacy = _meta(task).get("migratedFrom")
    return ActualResource(
        resources.reload_task_key(tenant, template),
        _fields(task),
        ident=str(task.get("id")),
        drift=(f"Qlik migrated legacy reload task {legacy} to this scheduling task",),
        adopt=True,
    )


def _unmarked(tenant: str, template: str, task: Mapping[str, Any]) -> ActualResource:
    """A scheduling task someone made on the app, taken over where the tenant file adopts."""
    return ActualResource(
        resources.reload_task_key(tenant, template),
        _fields(task),
        ident=str(task.get("id")),
        drift=("no ownership marker",),
        owned=False,
        adopt=True,
    )


async def _legacy(
    client: QlikClient, tenant: str, targets: Mapping[str, str]
) -> list[ActualResource]:
    """Legacy reload tasks on apps that have no scheduling task (qlikreconcile's before 2026-09).

    The legacy task on an app we own was ours: the Reload Tasks API had no field for a marker.
    """
    wanted = {app_id: template for template, app_id in targets.items()}
    try:
        legacy = [t async for t in client.paginate(LEGACY_TASKS)]
    except ApiError as exc:
        if exc.status in (404, 410):
            return []  # the listing is gone too: nothing left to migrate
        raise
    first: dict[str, Mapping[str, Any]] = {}
    task: Mapping[str, Any]
    for task in sorted(legacy, key=lambda t: str(t.get("id"))):
        app_id = str(task.get("appId"))
        if app_id in wanted and app_id not in first:
            first[app_id] = task
    out = []
    for app_id, task in sorted(first.items()):
        recurrence = task.get("recurrence") or [None]
        migrated = ", which Qlik marked migrated" if task.get("migrated") else ""
        out.append(
            ActualResource(
                resources.reload_task_key(tenant, wanted[app_id]),
                {
                    "api": LEGACY_API,
                    "recurrence": recurrence[0],
                    "timezone": task.get("timeZone") or "UTC",
                    "enabled": task.get("state") == "Enabled",
                },
                ident=f"{LEGACY_IDENT}{task.get('id')}",
                drift=(f"legacy reload task of the removed Reload Tasks API{migrated}",),
            )
        )
    return out
