"""Scripted steps: OAuth, discovery, users, roles, groups, licences, the tenant's own record."""

from __future__ import annotations

from typing import Any

from tests.conformance.target import Run

UNKNOWN_HEX = "000000000000000000000000"


async def oauth(run: Run) -> None:
    async with run.client() as c:
        run.expect(await c.post("/oauth/token", json=run.credentials(client_secret="wrong")), 401)
        run.expect(await c.post("/oauth/token", json=run.credentials(grant_type="password")), 400)
        form = await c.post("/oauth/token", data=run.credentials())
        token = str(run.expect(form, 200).json().get("access_token", ""))
        run.expect(await c.get("/.well-known/oauth-authorization-server"), 200)
        run.expect(await c.get("/api/v1/spaces"), 401)
        bad = {"Authorization": "Bearer not-a-token"}
        run.expect(await c.get("/api/v1/spaces", headers=bad), 401)
        revoke = {"token": token, "token_type_hint": "access_token"}
        basic = (run.target.client_id, run.target.client_secret)
        run.expect(await c.post("/oauth/revoke", json=revoke, auth=basic), 200)
        revoked = {"Authorization": f"Bearer {token}"}
        run.expect(await c.get("/api/v1/spaces", headers=revoked), 401)


async def identity(run: Run) -> dict[str, Any]:
    """Users, roles, groups, licences, tenant; returns the caller's user and tenant."""
    async with await run.authed() as c:
        me = run.expect(await c.get("/api/v1/users/me"), 301)
        user = run.expect(await c.get(me.headers.get("location", "/")), 200).json()
        run.expect(await c.get(f"/api/v1/users/{UNKNOWN_HEX}"), 404)
        listed = await c.get("/api/v1/users", params={"filter": f'id eq "{user.get("id")}"'})
        run.expect(listed, 200)
        run.expect(await c.get("/api/v1/users", params={"limit": 101}), 400)
        roles = run.expect(await c.get("/api/v1/roles"), 200).json()
        if "TenantAdmin" not in {r.get("name") for r in roles.get("data", [])}:
            run.problems.append("GET /roles: no TenantAdmin role")
        run.expect(await c.get("/api/v1/csrf-token"), 204)
        run.expect(await c.get("/api/v1/licenses/overview"), 200)
        me_tenant = run.expect(await c.get("/api/v1/tenants/me"), 302)
        tenant = run.expect(await c.get(me_tenant.headers.get("location", "/")), 200).json()
        run.expect(await c.get("/api/v1/tenants/TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69"), 404)
        if user.get("tenantId") != tenant.get("id"):
            run.problems.append("users/me tenantId differs from tenants/me id")

        run.expect(await c.get("/api/v1/groups"), 200)
        body = {"name": run.name("group"), "status": "active"}
        group = run.expect(await c.post("/api/v1/groups", json=body), 201).json()
        if "id" in group:
            run.later("DELETE", f"/api/v1/groups/{group['id']}")
            run.expect(await c.get(f"/api/v1/groups/{group['id']}"), 200)
            run.expect(await c.post("/api/v1/groups", json=body), 409)
            filtered = await c.get("/api/v1/groups", params={"filter": f'name eq "{body["name"]}"'})
            if [g.get("id") for g in run.expect(filtered, 200).json().get("data", [])] != [
                group["id"]
            ]:
                run.problems.append("GET /groups?filter=name eq: group not found")
        run.expect(await c.get(f"/api/v1/groups/{UNKNOWN_HEX}"), 404)
        await settings(run, c)
        await users(run, c)
        return {"user": user, "tenant": tenant, "group": group}


async def settings(run: Run, c: Any) -> None:
    """Group and licence settings, written back unchanged (safe on a real tenant)."""
    groups = run.expect(await c.get("/api/v1/groups/settings"), 200).json()
    ops = [
        {"op": "replace", "path": f"/{k}", "value": bool(groups.get(k))}
        for k in ("autoCreateGroups", "syncIdpGroups")
    ]
    run.expect(await c.patch("/api/v1/groups/settings", json=ops), 204)
    bad = [{"op": "replace", "path": "/autoCreateGroups", "value": "yes"}]
    run.expect(await c.patch("/api/v1/groups/settings", json=bad), 400)
    licenses = run.expect(await c.get("/api/v1/licenses/settings"), 200).json()
    run.expect(await c.put("/api/v1/licenses/settings", json=licenses), 200)


async def users(run: Run, c: Any) -> None:
    """Create an invited user (as the tenant tutorial does for an admin), find it, delete it."""
    roles = (await c.get("/api/v1/roles", params={"filter": 'name eq "Developer"'})).json()
    role_id = (roles.get("data") or [{}])[0].get("id", "")
    subject = run.name("user")
    body = {
        "name": "Conformance User",
        "email": f"{subject}@example.invalid",
        "subject": subject,
        "status": "invited",
        "assignedRoles": [{"id": role_id}],
    }
    created = run.expect(await c.post("/api/v1/users", json=body), 201).json()
    run.later("DELETE", f"/api/v1/users/{created.get('id')}")
    run.expect(await c.post("/api/v1/users", json={"name": "no subject"}), 400)
    found = await c.post("/api/v1/users/actions/filter", json={"filter": f'subject eq "{subject}"'})
    if [u.get("id") for u in run.expect(found, 200).json().get("data", [])] != [created.get("id")]:
        run.problems.append("POST /users/actions/filter: created user not found by subject")
    run.expect(await c.delete(f"/api/v1/users/{created.get('id')}"), 204)
    run.expect(await c.delete(f"/api/v1/users/{created.get('id')}"), 404)
