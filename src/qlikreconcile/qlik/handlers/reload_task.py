"""Reload schedules: one reload task per app, on the published copy when there is one.

Customers see the published app, so that is what the schedule refreshes (Qlik reloads apps in
managed spaces in place); an app that is not published is scheduled on its build copy. A reload
task has no field for an ownership marker: the task on an app qlikreconcile owns is treated as
qlikreconcile's (the first by id, when there are several). For the same reason a create whose
answer was lost is settled by listing the app's tasks: one there is the one we created.
"""

from __future__ import annotations

from typing import Any

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.handlers.adopt import create_once
from qlikreconcile.qlik.handlers.base import HandlerEnv


async def find_task(client: QlikClient, app_id: str) -> str | None:
    """The first (by id) reload task of ``app_id``."""
    found = [t async for t in client.paginate("/api/v1/reload-tasks", params={"appId": app_id})]
    ids = sorted(str(t["id"]) for t in found if t.get("appId") == app_id)
    return ids[0] if ids else None


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

        async def create() -> str:
            path = "/api/v1/reload-tasks"
            created = await client.post_json(path, body(op, app_id), expected=(201,))
            return str(created["id"])

        task_id = await create_once(
            env,
            host=client.host,
            what=f"schedule reloads of {op.key.name}",
            create=create,
            find=lambda: find_task(client, app_id),
        )
        return Outcome(ident=task_id)
    task_id = env.ident(op.key)
    update = {**body(op, app_id), "state": op.desired["state"]}
    await client.put_json(f"/api/v1/reload-tasks/{task_id}", update)
    return Outcome(ident=task_id)
