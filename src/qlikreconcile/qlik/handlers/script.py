"""Load scripts: the tenant's rendered script set on the build app as a new script version."""

from __future__ import annotations

from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.qlik.handlers.base import HandlerEnv


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    app_id = env.ident(str(op.inputs["app"]))
    body = {"script": op.desired["script"], "versionMessage": op.inputs["version_message"]}
    # Setting the same script twice only adds a version, so a retry is harmless.
    await env.client(op).post_json(f"/api/v1/apps/{app_id}/scripts", body, idempotent=True)
    return Outcome(ident=app_id)
