"""Customer tenants deployed "the tutorial way" in the emulator: raw REST calls as Qlik's
platform-ops tutorials make them (qlik-cloud-api.md §12), without any qlikreconcile marker.

Per tenant: a tenant from the source tenant's licence on the register host (our host name as
its alias), groups, a shared and a managed space with group roles, a data connection with a
password, the template release imported into the shared space, its load script rendered with
the customer's WHERE clause, a reload, a publish to the managed space and a scheduling task.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jinja2

from qlikreconcile.emulator import SOURCE_HOST
from tests.e2e.harness import Harness


@dataclass(frozen=True)
class TutorialApp:
    template: str
    name: str | None = None
    """The name given at import (None: the release's own name)."""
    schedule: str | None = None
    timezone: str = "UTC"
    script_suffix: str = ""
    """Text appended to the rendered script: a change beyond the template's variables."""


@dataclass(frozen=True)
class TutorialTenant:
    name: str
    region: str
    password: str
    where: str = ""
    apps: tuple[TutorialApp, ...] = (TutorialApp("sales"),)
    groups: dict[str, list[str]] = field(default_factory=lambda: {"viewers": ["consumer"]})
    extra_apps: tuple[str, ...] = ()
    """Apps of the customer's own in the shared space (no template)."""

    @property
    def host(self) -> str:
        return f"{self.name}.{self.region}.qlikcloud.com"

    @property
    def build(self) -> str:
        return f"{self.name.capitalize()} build"

    @property
    def analytics(self) -> str:
        return f"{self.name.capitalize()} analytics"

    @property
    def connection(self) -> str:
        return f"{self.name}_pg"


class Tutorial:
    """Raw REST against the harness's emulator, as a tutorial script would make the calls."""

    def __init__(self, harness: Harness, desired: Path) -> None:
        self.harness = harness
        self.desired = desired

    async def client(self, host: str) -> httpx.AsyncClient:
        transport = self.harness.transport or httpx.ASGITransport(app=self.harness.app)
        async with httpx.AsyncClient(transport=transport, base_url=f"https://{host}") as anon:
            token = await anon.post(
                "/oauth/token",
                json={
                    "client_id": self.harness.config.client_id,
                    "client_secret": self.harness.config.client_secret,
                    "grant_type": "client_credentials",
                },
            )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return httpx.AsyncClient(transport=transport, base_url=f"https://{host}", headers=headers)

    async def deploy(self, tenant: TutorialTenant) -> None:
        await self._tenant(tenant)
        async with await self.client(tenant.host) as qlik:
            build = await _ok(
                qlik.post("/api/v1/spaces", json={"name": tenant.build, "type": "shared"})
            )
            managed = await _ok(
                qlik.post("/api/v1/spaces", json={"name": tenant.analytics, "type": "managed"})
            )
            for group, roles in tenant.groups.items():
                made = await _ok(
                    qlik.post("/api/v1/groups", json={"name": f"{tenant.name}-{group}"})
                )
                await _ok(
                    qlik.post(
                        f"/api/v1/spaces/{managed['id']}/assignments",
                        json={"type": "group", "assigneeId": made["id"], "roles": roles},
                    )
                )
            await _ok(
                qlik.post(
                    "/api/v1/data-connections",
                    json={
                        "qName": tenant.connection,
                        "qConnectStatement": f"host=pg.{tenant.name}.example;database=sales",
                        "qType": "QvOdbcConnectorPackage.exe",
                        "datasourceID": "postgres",
                        "space": build["id"],
                        "qUsername": "qlik",
                        "qPassword": tenant.password,
                    },
                )
            )
            for app in tenant.apps:
                await self._app(qlik, tenant, app, build["id"], managed["id"])
            for name in tenant.extra_apps:
                await _ok(
                    qlik.post(
                        "/api/v1/apps", json={"attributes": {"name": name, "spaceId": build["id"]}}
                    )
                )

    async def _tenant(self, tenant: TutorialTenant) -> None:
        async with await self.client(SOURCE_HOST) as source:
            licence = await _ok(source.get("/api/v1/licenses/overview"))
        register = f"register.{tenant.region}.qlikcloud.com"
        async with await self.client(register) as reg:
            datacenter = {"eu": "eu-west-1", "us": "us-east-1"}[tenant.region]
            created = await _ok(
                reg.post(
                    "/api/v1/tenants",
                    json={"licenseKey": licence["licenseKey"], "datacenter": datacenter},
                )
            )
        async with await self.client(created["hostnames"][0]) as own:
            alias = [{"op": "replace", "path": "/hostnames/1", "value": tenant.host}]
            response = await own.patch(f"/api/v1/tenants/{created['id']}", json=alias)
            assert response.status_code == 204, response.text

    async def _app(
        self,
        qlik: httpx.AsyncClient,
        tenant: TutorialTenant,
        app: TutorialApp,
        build: str,
        managed: str,
    ) -> None:
        folder = self.desired / "templates" / app.template
        blob = (folder / "releases" / "1.qvf").read_bytes()
        params = {"spaceId": build, **({"name": app.name} if app.name else {})}
        imported = await _ok(
            qlik.post(
                "/api/v1/apps/import",
                params=params,
                content=blob,
                headers={"Content-Type": "application/octet-stream"},
            )
        )
        attrs = imported["attributes"]
        script = render_script(folder, tenant, attrs["name"], app) + app.script_suffix
        await _ok(qlik.post(f"/api/v1/apps/{attrs['id']}/scripts", json={"script": script}))
        reload = await _ok(qlik.post("/api/v1/reloads", json={"appId": attrs["id"]}))
        await self._wait(qlik, reload["id"])
        published = await _ok(
            qlik.post(f"/api/v1/apps/{attrs['id']}/publish", json={"spaceId": managed})
        )
        if app.schedule:
            await _ok(
                qlik.post(
                    f"/api/scheduling/tasks/resources/{published['attributes']['id']}"
                    "/actions/reload/on-time-schedule",
                    json={
                        "name": f"Reload {attrs['name']}",
                        "enabled": True,
                        "recurrence": app.schedule,
                        "timezone": app.timezone,
                    },
                )
            )

    async def _wait(self, qlik: httpx.AsyncClient, reload_id: str) -> None:
        for _ in range(200):
            status = (await _ok(qlik.get(f"/api/v1/reloads/{reload_id}")))["status"]
            if status in ("SUCCEEDED", "FAILED", "CANCELED"):
                assert status == "SUCCEEDED", status
                return
            await asyncio.sleep(0.01)
        raise AssertionError("reload did not finish")


def render_script(folder: Path, tenant: TutorialTenant, name: str, app: TutorialApp) -> str:
    source = next(folder.glob("*.qvs.j2")).read_text(encoding="utf-8")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string(source).render(
        tenant={"name": tenant.name, "region": tenant.region, "hostname": tenant.host},
        app={"name": name},
        connection=tenant.connection,
        connection_space=tenant.build,
        where=tenant.where,
    )


async def _ok(call: Any) -> dict[str, Any]:
    response: httpx.Response = await call
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json() if response.content else {}
    return body
