"""Scripted steps on the register host: create, read, patch, deactivate, reactivate a tenant.

The create body is the documented ``{licenseKey, datacenter}`` (qlik-cloud-api.md §14.2); Qlik
generates the display host name, the alias and name are patched on the tenant's own host (the
client's choice, ``qlik.quirks.TENANT_PATCH_ON_OWN_HOST``) and the tenant then answers on the
alias. Emulator only: against a real region these would create and disable a billable tenant.
"""

from __future__ import annotations

from tests.conformance.target import Run

REGISTER = "register.eu.qlikcloud.com"


async def tenant_lifecycle(run: Run) -> None:
    async with await run.authed() as source:
        key = (await source.get("/api/v1/licenses/overview")).json()["licenseKey"]
    async with await run.authed(REGISTER) as reg:
        run.expect(await reg.post("/api/v1/tenants", json={}), 400)
        run.expect(await reg.post("/api/v1/tenants", json={"licenseKey": "a.b.c"}), 403)
        # Emulator quirk tenant.create.body: fields beyond the schema are refused.
        extra = {"licenseKey": key, "hostnames": ["conform.eu.qlikcloud.com"]}
        run.expect(await reg.post("/api/v1/tenants", json=extra), 400)
        body = {"licenseKey": key, "datacenter": "eu-west-1"}
        tenant = run.expect(await reg.post("/api/v1/tenants", json=body), 201).json()
        host = tenant["hostnames"][0]
        path = f"/api/v1/tenants/{tenant['id']}"
        run.expect(await reg.get(path), 200)
        run.expect(await reg.get("/api/v1/tenants/TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69"), 404)
        alias = "conform-alias.eu.qlikcloud.com"
        ops = [
            {"op": "replace", "path": "/hostnames/1", "value": alias},
            {"op": "replace", "path": "/name", "value": "Conformance"},
            {"op": "replace", "path": "/enableAnalyticCreation", "value": True},
        ]
        async with await run.authed(host) as own:
            run.expect(await own.patch(path, json=ops), 204)
            bad = [{"op": "add", "path": "/name", "value": "x"}]
            run.expect(await own.patch(path, json=bad), 400)
            elsewhere = [{"op": "replace", "path": "/hostnames/1", "value": "x.us.qlikcloud.com"}]
            run.expect(await own.patch(path, json=elsewhere), 400)
        run.expect(
            await reg.patch("/api/v1/tenants/TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69", json=ops), 404
        )

        wrong = {"qlik-confirm-hostname": "someone-else.eu.qlikcloud.com"}
        confirm = {"qlik-confirm-hostname": host}
        run.expect(await reg.post(f"{path}/actions/deactivate", headers=wrong), 412)
        run.expect(
            await reg.post(
                f"{path}/actions/deactivate", headers=confirm, json={"purgeAfterDays": 5}
            ),
            400,
        )
        deactivated = await reg.post(
            f"{path}/actions/deactivate", headers=confirm, json={"purgeAfterDays": 10}
        )
        if run.expect(deactivated, 200).json().get("status") != "disabled":
            run.problems.append("deactivate: status is not 'disabled'")
        async with run.client(host) as target:
            run.expect(await target.post("/oauth/token", json=run.credentials()), 403)
        run.expect(await reg.post(f"{path}/actions/reactivate", headers=wrong, json={}), 412)
        run.expect(await reg.post(f"{path}/actions/reactivate", headers=confirm, json={}), 200)
    async with await run.authed(alias) as target:
        me = run.expect(await target.get("/api/v1/users/me"), 301)
        user = run.expect(await target.get(me.headers.get("location", "/")), 200).json()
        if user.get("tenantId") != tenant["id"]:
            run.problems.append("new tenant: users/me tenantId differs")
        tenant_me = run.expect(await target.get(path), 200).json()
        if tenant_me.get("name") != "Conformance" or tenant_me.get("hostnames") != [host, alias]:
            run.problems.append("tenant PATCH did not apply name and alias")
        # A token is scoped to the host that issued it.
        source_token = await run.token()
        async with run.client(alias, token=source_token) as other:
            run.expect(await other.get("/api/v1/spaces"), 401)
