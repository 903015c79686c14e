"""The provider side of the engine's OperationRunner port: dispatch an operation to its handler."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import ApplyContext, Outcome
from qlikreconcile.qlik import resources
from qlikreconcile.qlik.handlers import (
    app,
    assignment,
    connection,
    published_app,
    reload,
    reload_task,
    script,
    space,
    tenant,
)
from qlikreconcile.qlik.handlers.base import Handler, HandlerEnv

HANDLERS: Mapping[str, Handler] = {
    resources.TENANT: tenant.run,
    resources.SPACE: space.run,
    resources.ASSIGNMENT: assignment.run,
    resources.CONNECTION: connection.run,
    resources.APP: app.run,
    resources.SCRIPT: script.run,
    resources.RELOAD: reload.run,
    resources.PUBLISHED_APP: published_app.run,
    resources.RELOAD_TASK: reload_task.run,
    resources.PENDING_CREATE: tenant.forget_obsolete,
}


class QlikRunner:
    """Runs plan operations against Qlik Cloud (or the emulator) through the handlers."""

    def __init__(self, env: HandlerEnv) -> None:
        self.env = env

    async def run(self, op: Operation, ctx: ApplyContext) -> Outcome:
        # The context travels with the operation: a copy of the shared environment carries it.
        return await HANDLERS[op.key.kind](op, dataclasses.replace(self.env, ctx=ctx))
