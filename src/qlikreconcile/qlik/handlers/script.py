"""Load scripts: the tenant's rendered script set on the build app as a new script version.

ADOPT (the app's script already is the spec's, without our header line) writes it with the
header and a version message flagged as the adoption's, which discovery does not count as a
content change: the data loaded before it stays current, so nothing is reloaded.
"""

from __future__ import annotations

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.qlik import ownership
from qlikreconcile.qlik.handlers.base import HandlerEnv


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    app_id = env.ident(str(op.inputs["app"]))
    message = str(op.inputs["version_message"])
    if op.action is Action.ADOPT and not op.changes:
        message = ownership.adoption_message(message)
    body = {"script": op.desired["script"], "versionMessage": message}
    # Setting the same script twice only adds a version, so a retry is harmless.
    await env.client(op).post_json(f"/api/v1/apps/{app_id}/scripts", body, idempotent=True)
    return Outcome(ident=app_id)
