"""Reload schedules: one reload task per app, on the published copy when there is one.

Customers see the published app, so that is what the schedule refreshes (Qlik reloads apps in
managed spaces in place); an app that is not published is scheduled on its build copy. A reload
task has no field for an ownership marker: the task on an app qlikreconcile owns is treated as
qlikreconcile's (the first by id, when there are several).
"""

from __future__ import annotations

from typing import Any

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.qlik.handlers.base import HandlerEnv


def body(op: Operation, app_id: str) -> dict[str, Any]:
    return {
        "appId": app_id,
        "recurrence": list(op.desired["recurrence"]),
        "timeZone": op.desired["timezone"],
        "partial": False,
    }


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    app_id = env.ident(str(op.inputs["app"]))
    if op.action is Action.CREATE:
        created = await client.post_json("/api/v1/reload-tasks", body(op, app_id), expected=(201,))
        return Outcome(ident=str(created["id"]))
    task_id = env.ident(op.key)
    update = {**body(op, app_id), "state": op.desired["state"]}
    await client.put_json(f"/api/v1/reload-tasks/{task_id}", update)
    return Outcome(ident=task_id)
