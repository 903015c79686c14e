"""Tenants: created on the region's register host with the source tenant's signed licence key.

Qlik's tutorials create a tenant with ``POST https://register.REGION.qlikcloud.com/api/v1/tenants
{licenseKey}`` and read ``id`` and ``hostnames[0]`` from the 201 answer; qlik-cli also sends
``name`` and ``hostnames``, which we send so the host name is the one the spec names. A name
difference is patched with the replace-op array; a disabled tenant is reactivated.

A create whose answer was lost is settled by asking the new host who it is: a tenant answering
there is the one we created. Reactivation is settled by reading the tenant's status.
"""

from __future__ import annotations

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.errors import OperationError
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.handlers.adopt import create_once
from qlikreconcile.qlik.handlers.base import HandlerEnv


async def _tenant_at(client: QlikClient) -> str | None:
    """The id of the tenant answering at ``client``'s host, None when no tenant is there."""
    if not await client.host_exists():
        return None
    me = await client.get_following_redirect("/api/v1/users/me")
    return str(me["tenantId"])


async def _active(register: QlikClient, tenant_id: str) -> str | None:
    found = await register.get_json(f"/api/v1/tenants/{tenant_id}")
    return tenant_id if found.get("status") == "active" else None


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

        async def create() -> str:
            created = await register.post_json("/api/v1/tenants", body, expected=(201,))
            return str(created["id"])

        tenant_client = env.session.client(host)
        created_id = await create_once(
            env,
            host=register.host,
            what=f"create tenant {host}",
            create=create,
            find=lambda: _tenant_at(tenant_client),
        )
        me = await tenant_client.get_following_redirect("/api/v1/users/me")
        if me.get("tenantId") != created_id:
            raise OperationError(
                f"tenant created as {created_id} but {host} answers as {me.get('tenantId')}"
            )
        return Outcome(ident=created_id, detail=f"created {host}")
    tenant_id = env.ident(op.key)
    changed = {c.path for c in op.changes}
    if "status" in changed:

        async def reactivate() -> str:
            path = f"/api/v1/tenants/{tenant_id}/actions/reactivate"
            confirm = {"qlik-confirm-hostname": host}  # required, doc §9.4
            await register.request("POST", path, json={}, headers=confirm, expected=(200,))
            return tenant_id

        await create_once(
            env,
            host=register.host,
            what=f"reactivate tenant {host}",
            create=reactivate,
            find=lambda: _active(register, tenant_id),
        )
    if "name" in changed:
        patch = [{"op": "replace", "path": "/name", "value": op.desired["name"]}]
        client = env.session.client(host)
        await client.patch_json(f"/api/v1/tenants/{tenant_id}", patch, idempotent=True)
    return Outcome(ident=tenant_id)
