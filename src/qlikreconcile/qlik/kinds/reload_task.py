"""Reload schedules: one scheduling task per scheduled app (see :mod:`..schedules`).

Create (and the new copy of a REPLACE of a legacy reload task) goes through Qlik's one-call
``.../actions/reload/on-time-schedule`` with ``enabled: true`` (tasks are created disabled
otherwise) and our marker in the description; a create whose answer was lost is settled by
finding the task with our marker on the app. UPDATE and ADOPT patch the schedule, the enabled
flag (re-enabling a task Qlik disabled) and the marker. DELETE removes a superseded or duplicate
scheduling task, or a legacy reload task where Qlik still allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import DesiredResource, fields_digest
from qlikreconcile.errors import ApiError
from qlikreconcile.qlik import quirks, resources, schedules
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.kinds.adopt import create_once
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.inputs import OperationInputs
from qlikreconcile.qlik.kinds.kind import Kind, Wants

SPEC = KindSpec(
    resources.RELOAD_TASK,
    8,
    # A legacy reload task (the removed Reload Tasks API) is replaced by a scheduling task.
    immutable_fields=frozenset({"api"}),
    create_before_destroy=True,
    deletable=True,
    left_behind="it keeps reloading its app on schedule",
)


@dataclass(frozen=True, slots=True)
class ReloadTaskInputs(OperationInputs):
    app: str = ""
    """The key of the app it reloads (the published copy, else the build app)."""


NAME_LIMIT = 100


def _description(op: Operation) -> str:
    template = op.key.name
    return schedules.task_marker(template, fields_digest(op.desired)).render()


def _name(op: Operation) -> str:
    return f"qlikreconcile: reload {op.key.name}"[:NAME_LIMIT]


async def _delete(client: QlikClient, ident: str) -> None:
    if ident.startswith(schedules.LEGACY_IDENT):
        legacy = ident.removeprefix(schedules.LEGACY_IDENT)
        try:
            await client.request(
                "DELETE", f"{schedules.LEGACY_TASKS}/{legacy}", expected=(204, 404), idempotent=True
            )
        except ApiError as exc:
            if not quirks.is_migrated_legacy_task_error(exc):
                raise
        return
    await client.request(
        "DELETE", f"{schedules.TASKS}/{ident}", expected=(204, 404), idempotent=True
    )


def _patch(op: Operation) -> list[dict[str, Any]]:
    return [
        {"op": "replace", "path": "/start/schedule/recurrence", "value": op.desired["recurrence"]},
        {"op": "replace", "path": "/start/schedule/timezone", "value": op.desired["timezone"]},
        {"op": "replace", "path": "/enabled", "value": bool(op.desired["enabled"])},
        {"op": "replace", "path": "/description", "value": _description(op)},
    ]


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    if op.action is Action.DELETE:
        assert op.ident, "a delete always names what it deletes"
        await _delete(client, op.ident)
        return Outcome(ident=op.ident)
    app_id = env.ident(ReloadTaskInputs.of(op).app)
    if op.action in (Action.CREATE, Action.REPLACE):
        body = {
            "name": _name(op),
            "description": _description(op),
            "enabled": bool(op.desired["enabled"]),
            "recurrence": op.desired["recurrence"],
            "timezone": op.desired["timezone"],
        }

        async def create() -> str:
            path = schedules.on_time_schedule_path(app_id)
            created = await client.post_json(path, body, expected=(201,))
            return str(created["id"])

        task_id = await create_once(
            env,
            host=client.host,
            what=f"schedule reloads of {op.key.name}",
            create=create,
            find=lambda: schedules.find_task(client, app_id, op.key.name),
        )
        return Outcome(ident=task_id)
    task_id = env.ident(op.key) if op.action is not Action.ADOPT else str(op.ident)
    await client.patch_json(f"{schedules.TASKS}/{task_id}", _patch(op), idempotent=True)
    return Outcome(ident=task_id)


def want(wants: Wants) -> list[DesiredResource]:
    """A scheduling task per app with a schedule, reloading the published copy (else the
    build app)."""
    t = wants.tenant.name
    out = []
    for app in wants.tenant.apps:
        if not app.reload.schedule:
            continue
        scheduled = (
            resources.published_key(t, app.template)
            if app.publish_to
            else resources.app_key(t, app.template)
        )
        fields = {
            "api": schedules.SCHEDULING_API,
            "recurrence": app.reload.schedule,
            "timezone": app.reload.timezone,
            "enabled": True,
        }
        out.append(
            DesiredResource(
                resources.reload_task_key(t, app.template),
                fields,
                parent=scheduled,
                inputs=ReloadTaskInputs(app=str(scheduled)),
            )
        )
    return out


KIND = Kind(SPEC, run, want, read=None, prune_key="schedules")
