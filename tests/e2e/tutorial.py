"""A fleet deployed "the tutorial way": by raw REST calls, as Qlik's tutorials and scripts do.

For each tenant of a spec: the tenant (register host, alias and name), its spaces, its data
connections, each app imported from its release's exported file, given the tenant's rendered
script (without qlikreconcile's header), reloaded, published to the managed space, and given a
reload schedule. Nothing carries qlikreconcile's markers. The spec only says *what* to deploy;
every call is a plain Qlik REST call against the emulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.qlik.kinds.connection import connect_statement
from qlikreconcile.spec.desired_state import REGIONS, DesiredFleet, Tenant
from tests.e2e.harness import Harness

TASKS = "/api/scheduling/tasks"


@dataclass
class Deployed:
    """The ids the tutorial deployment made in one tenant."""

    spaces: dict[str, str] = field(default_factory=dict)
    connections: dict[str, str] = field(default_factory=dict)
    apps: dict[str, str] = field(default_factory=dict)
    published: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)


class Tutorial:
    """Raw, authenticated REST calls to the harness's emulator, one client per host."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.transport = httpx.ASGITransport(app=harness.app)

    @asynccontextmanager
    async def client(self, host: str) -> AsyncIterator[httpx.AsyncClient]:
        config = self.harness.config
        async with httpx.AsyncClient(
            transport=self.transport, base_url=f"https://{host}"
        ) as client:
            token = await client.post(
                "/oauth/token",
                json={
                    "client_id": config.client_id,
                    "client_secret": config.client_secret,
                    "grant_type": "client_credentials",
                },
            )
            token.raise_for_status()
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            yield client

    async def deploy(self, fleet: DesiredFleet) -> dict[str, Deployed]:
        async with self.client(SOURCE_HOST) as source:
            overview = (await source.get("/api/v1/licenses/overview")).json()
        return {t.name: await self.tenant(fleet, t, overview["licenseKey"]) for t in fleet.tenants}

    async def tenant(self, fleet: DesiredFleet, tenant: Tenant, license_key: str) -> Deployed:
        register = f"register.{tenant.region}.qlikcloud.com"
        async with self.client(register) as reg:
            made = await reg.post(
                "/api/v1/tenants",
                json={"licenseKey": license_key, "datacenter": REGIONS[tenant.region]},
            )
            made.raise_for_status()
            info = made.json()
        async with self.client(info["hostnames"][0]) as own:
            patch = [
                {"op": "replace", "path": "/hostnames/1", "value": tenant.hostname},
                {"op": "replace", "path": "/name", "value": tenant.name},
            ]
            (await own.patch(f"/api/v1/tenants/{info['id']}", json=patch)).raise_for_status()
        async with self.client(tenant.hostname) as c:
            return await self._content(fleet, tenant, c)

    async def _content(self, fleet: DesiredFleet, tenant: Tenant, c: httpx.AsyncClient) -> Deployed:
        done = Deployed()
        for space in tenant.spaces:
            made = await c.post("/api/v1/spaces", json={"name": space.name, "type": space.type})
            made.raise_for_status()
            done.spaces[space.name] = made.json()["id"]
        for conn in tenant.connections:
            qtype, statement = connect_statement(conn)
            password = conn.password and self.harness.environ[conn.password.env]
            body = {
                "qName": conn.name,
                "qType": qtype,
                "qConnectStatement": statement,
                "datasourceID": conn.type,
                "space": done.spaces[conn.space],
                "qUsername": conn.username,
                "qPassword": password,
            }
            made = await c.post("/api/v1/data-connections", json=body)
            made.raise_for_status()
            done.connections[conn.name] = made.json()["qID"]
        for app in tenant.apps:
            template = fleet.templates[app.template]
            release = template.release(app.release)
            assert release is not None
            blob = (template.folder / release.artifact).read_bytes()
            made = await c.post(
                "/api/v1/apps/import",
                params={"spaceId": done.spaces[app.space], "name": app.name},
                content=blob,
                headers={"Content-Type": "application/octet-stream"},
            )
            made.raise_for_status()
            app_id = made.json()["attributes"]["id"]
            done.apps[app.template] = app_id
            scripted = await c.post(f"/api/v1/apps/{app_id}/scripts", json={"script": app.script})
            scripted.raise_for_status()
            await self.reload(c, app_id)
            scheduled = app_id
            if app.publish_to:
                body = {"spaceId": done.spaces[app.publish_to], "attributes": {"name": app.name}}
                published = await c.post(f"/api/v1/apps/{app_id}/publish", json=body)
                published.raise_for_status()
                scheduled = published.json()["attributes"]["id"]
                done.published[app.template] = scheduled
            if app.reload.schedule:
                path = f"{TASKS}/resources/{scheduled}/actions/reload/on-time-schedule"
                body = {
                    "name": f"Daily reload of {app.name}",
                    "recurrence": app.reload.schedule,
                    "timezone": app.reload.timezone,
                    "enabled": True,
                }
                task = await c.post(path, json=body)
                task.raise_for_status()
                done.tasks[app.template] = task.json()["id"]
        return done

    async def reload(self, c: httpx.AsyncClient, app_id: str) -> None:
        started = await c.post("/api/v1/reloads", json={"appId": app_id})
        started.raise_for_status()
        for _ in range(500):
            reload: dict[str, Any] = (await c.get(f"/api/v1/reloads/{started.json()['id']}")).json()
            if reload["status"] == "SUCCEEDED":
                return
            assert reload["status"] in ("QUEUED", "RELOADING"), reload
            await asyncio.sleep(0.01)
        raise AssertionError(f"reload of {app_id} did not finish")
