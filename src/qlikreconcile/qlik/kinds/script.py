"""Load scripts: the tenant's rendered script set on the build app as a new script version.

ADOPT (the app's script already is the spec's, without our header line) writes it with the
header and a version message flagged as the adoption's, which discovery does not count as a
content change: the data loaded before it stays current, so nothing is reloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import DesiredResource
from qlikreconcile.qlik import ownership, resources
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.inputs import OperationInputs
from qlikreconcile.qlik.kinds.kind import Kind, Wants

SPEC = KindSpec(resources.SCRIPT, 5, create_action=Action.UPDATE, text_fields=frozenset({"script"}))


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


def want(wants: Wants) -> list[DesiredResource]:
    """Each build app's load script (set, never created: the import brings one)."""
    t = wants.tenant.name
    out = []
    for app in wants.tenant.apps:
        app_key = resources.app_key(t, app.template)
        script = app.text  # the header line, then the rendered template
        message = ownership.script_version_message(app.template, app.release, script)
        inputs = ScriptInputs(app=str(app_key), version_message=message)
        out.append(
            DesiredResource(
                resources.script_key(t, app.template),
                {"script": script},
                parent=app_key,
                inputs=inputs,
            )
        )
    return out


KIND = Kind(SPEC, run, want, read=None)
