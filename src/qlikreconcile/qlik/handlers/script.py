"""Load scripts: the tenant's rendered script set on the build app as a new script version.

ADOPT (the app's script already is the spec's, without our header line) writes it with the
header and a version message flagged as the adoption's, which discovery does not count as a
content change: the data loaded before it stays current, so nothing is reloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.qlik import ownership
from qlikreconcile.qlik.handlers.base import HandlerEnv
from qlikreconcile.qlik.handlers.inputs import OperationInputs


@dataclass(frozen=True, slots=True)
class ScriptInputs(OperationInputs):
    app: str
    """The key of the build app."""
    version_message: str
    """Our script version message (template, release, script hash)."""


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    inputs = ScriptInputs.of(op)
    app_id = env.ident(inputs.app)
    message = inputs.version_message
    if op.action is Action.ADOPT and not op.changes:
        message = ownership.adoption_message(message)
    body = {"script": op.desired["script"], "versionMessage": message}
    # Setting the same script twice only adds a version, so a retry is harmless.
    await env.client(op).post_json(f"/api/v1/apps/{app_id}/scripts", body, idempotent=True)
    return Outcome(ident=app_id)
