"""The provider side of the engine's OperationRunner port: dispatch an operation to its handler."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import ApplyContext, Outcome
from qlikreconcile.qlik.kinds.base import Handler, HandlerEnv
from qlikreconcile.qlik.kinds.registry import REGISTRY, kind_of

HANDLERS: Mapping[str, Handler] = {kind.name: kind.run for kind in REGISTRY}


class QlikRunner:
    """Runs plan operations against Qlik Cloud (or the emulator) through the handlers."""

    def __init__(self, env: HandlerEnv) -> None:
        self.env = env

    async def run(self, op: Operation, ctx: ApplyContext) -> Outcome:
        # The context travels with the operation: a copy of the shared environment carries it.
        if op.key.kind not in HANDLERS:
            kind_of(op)  # refuses a kind this version lacks, with the fix
        return await HANDLERS[op.key.kind](op, dataclasses.replace(self.env, ctx=ctx))
