"""Tenants: created on the region's register host with the source tenant's signed licence key.

Qlik's tutorials create a tenant with ``POST https://register.REGION.qlikcloud.com/api/v1/tenants
{licenseKey}`` and read ``id`` and ``hostnames[0]`` from the 201 answer; qlik-cli also sends
``name`` and ``hostnames``, which we send so the host name is the one the spec names. A name
difference is patched with the replace-op array; a disabled tenant is reactivated.
"""

from __future__ import annotations

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.errors import OperationError
from qlikreconcile.qlik.handlers.base import HandlerEnv


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    host = env.host(op)
    register = env.session.client(f"register.{op.inputs['region']}.qlikcloud.com")
    if op.action is Action.CREATE:
        body = {
            "licenseKey": await env.license_key(),
            "datacenter": op.inputs["datacenter"],
            "name": op.desired["name"],
            "hostnames": [host],
        }
        created = await register.post_json("/api/v1/tenants", body, expected=(201,))
        me = await env.session.client(host).get_following_redirect("/api/v1/users/me")
        if me.get("tenantId") != created["id"]:
            raise OperationError(
                f"tenant created as {created['id']} but {host} answers as {me.get('tenantId')}"
            )
        return Outcome(ident=str(created["id"]), detail=f"created {host}")
    tenant_id = env.ident(op.key)
    changed = {c.path for c in op.changes}
    if "status" in changed:
        await register.post_json(
            f"/api/v1/tenants/{tenant_id}/actions/reactivate",
            {},
            expected=(200,),
        )
    if "name" in changed:
        patch = [{"op": "replace", "path": "/name", "value": op.desired["name"]}]
        await env.session.client(host).patch_json(f"/api/v1/tenants/{tenant_id}", patch)
    return Outcome(ident=tenant_id)
