"""Pending-create records made obsolete: the tenant they guarded answers on its host.

Never in the spec: read from the source tenant's control records by discovery
(:mod:`qlikreconcile.qlik.discover`, :mod:`qlikreconcile.qlik.pending`) and only ever deleted,
as garbage.
"""

from __future__ import annotations

from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.qlik import pending, resources
from qlikreconcile.qlik.control import ControlRecord
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.kind import Kind
from qlikreconcile.qlik.kinds.tenant import control_records

SPEC = KindSpec(resources.PENDING_CREATE, 9, update_action=None)


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    """Delete a pending-create record whose tenant answers on its host (planned as garbage)."""
    records = control_records(env)
    await records.clear(ControlRecord(pending.KIND, op.key.tenant, str(op.ident)))
    return Outcome(detail="obsolete pending-create record deleted")


KIND = Kind(SPEC, run, want=None, read=None)
