"""What customers do in their tenants, through the API and the emulator's admin endpoint.

Used to prove that qlikreconcile never touches what it does not own: tenants that exist before
the first apply, spaces, connections and apps without our marker (one of them named exactly like
our build app, in our own build space), and community sheets on the published apps.
"""

from __future__ import annotations

from typing import Any

from qlikreconcile.qlik.client import QlikClient
from tests.robustness.fleetgen import REPO, FleetSpec, TenantSpec
from tests.robustness.invariants import tenants_by_host
from tests.robustness.rig import Rig

SOURCE = "vendor-source.eu.qlikcloud.com"
DATACENTERS = {"eu": "eu-west-1", "us": "us-east-1"}


async def pre_create_tenant(rig: Rig, tenant: TenantSpec) -> None:
    """The tenant exists before qlikreconcile ever ran (provisioned by hand)."""
    async with rig.session() as session:
        overview = await session.client(SOURCE).get_json("/api/v1/licenses/overview")
        register = session.client(f"register.{tenant.region}.qlikcloud.com")
        body = {"licenseKey": overview["licenseKey"], "datacenter": DATACENTERS[tenant.region]}
        created = await register.post_json("/api/v1/tenants", body, expected=(201,))
        patch = [
            {"op": "replace", "path": "/hostnames/1", "value": tenant.host},
            {"op": "replace", "path": "/name", "value": tenant.name},
        ]
        own = session.client(created["hostnames"][0])
        await own.patch_json(f"/api/v1/tenants/{created['id']}", patch)


async def _import(client: QlikClient, space_id: str, name: str) -> str:
    data = (REPO / "desired" / "templates" / "sales" / "releases" / "1.qvf").read_bytes()
    params = {"spaceId": space_id, "name": name}
    response = await client.request("POST", "/api/v1/apps/import", params=params, content=data)
    return str(response.json()["attributes"]["id"])


async def seed_unowned(rig: Rig, tenant: TenantSpec) -> list[str]:
    """A customer's own space, connection and app in ``tenant``; their ids."""
    async with rig.session() as session:
        client = session.client(tenant.host)
        space = await client.post_json(
            "/api/v1/spaces",
            {"name": f"{tenant.title} sandbox", "type": "shared", "description": "ours, not yours"},
            expected=(201,),
        )
        conn = await client.post_json(
            "/api/v1/data-connections",
            {
                "qName": "customer_db",
                "qType": "QvOdbcConnectorPackage.exe",
                "qConnectStatement": 'CUSTOM CONNECT TO "provider=x;host=customer.example"',
                "datasourceID": "postgres",
                "space": space["id"],
            },
            expected=(201,),
        )
        app = await _import(client, space["id"], "Customer's own app")
    return [str(space["id"]), str(conn.get("qID") or conn["id"]), app]


async def seed_lookalike(rig: Rig, state: dict[str, Any], tenant: TenantSpec) -> str:
    """An unmarked app named exactly like our sales build app, in our build space."""
    found = tenants_by_host(state)[tenant.host]
    build = next(s for s in found["spaces"].values() if s["name"] == f"{tenant.title} build")
    async with rig.session() as session:
        return await _import(session.client(tenant.host), build["id"], "Sales Analytics")


async def seed_community_sheets(rig: Rig, state: dict[str, Any], spec: FleetSpec) -> int:
    """Two community sheets on every published app; how many were added."""
    added = 0
    by_host = tenants_by_host(state)
    for tenant in spec.tenants:
        found = by_host[tenant.host]
        for app in found["apps"].values():
            if "published template=" not in (app.get("description") or ""):
                continue
            for title in ("My region view", "Board pack"):
                path = f"/_emulator/tenants/{tenant.host}/apps/{app['id']}/sheets"
                body = {"title": title, "type": "community", "ownerId": "customer-user"}
                await rig.admin("POST", path, body)
                added += 1
    return added
