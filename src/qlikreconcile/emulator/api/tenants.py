"""Tenants: create/deactivate/reactivate on the register host; get, PATCH and ``me``."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError
from qlikreconcile.emulator.hosts import DATACENTERS, QLIK_DOMAIN
from qlikreconcile.emulator.state import tenants as changes
from qlikreconcile.emulator.state.licensing import verify_license
from qlikreconcile.emulator.state.tenant import Tenant
from qlikreconcile.emulator.timefmt import iso

SETTING_DEFAULTS: dict[str, bool] = {
    "autoAssignCreateSharedSpacesRoleToProfessionals": True,
    "autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals": True,
    "autoAssignDataServicesContributorRoleToProfessionals": True,
    "enableAnalyticCreation": False,
    "enableAppOpeningFeedback": False,
}
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def render_tenant(ctx: Ctx, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "name": tenant.name,
        "hostnames": list(tenant.hostnames),
        "status": tenant.status,
        "datacenter": tenant.datacenter,
        "region": tenant.region,
        "created": iso(tenant.created_at),
        "lastUpdated": iso(tenant.updated_at),
        "statusLastUpdatedAt": iso(tenant.status_updated_at),
        "createdByUser": tenant.created_by_user,
        **{k: tenant.settings.get(k, v) for k, v in SETTING_DEFAULTS.items()},
        "links": {"self": {"href": f"{ctx.base_url()}/api/v1/tenants/{tenant.id}"}},
    }


def _tenant_err(status: int, code: str, title: str, detail: str | None = None) -> QlikError:
    return QlikError(status, code, title, detail, service="tenants")


def _lookup(ctx: Ctx) -> Tenant:
    tenant_id = ctx.path_param("tenantId")
    tenant = ctx.store.state.tenants.get(tenant_id)
    # A register host serves the tenants of its own region (quirk tenant.alias); a tenant host
    # only itself.
    visible = tenant is not None and (
        ctx.tenant_or_none.id == tenant_id
        if ctx.tenant_or_none is not None
        else ctx.host.region in (None, tenant.region)
    )
    if tenant is None or not visible:
        raise _tenant_err(404, "TENANTS-8", "Not found", f"Tenant '{tenant_id}' not found")
    # Purged once its estimatedPurgeDate passes (quirk tenant.purge).
    changes.purge_if_due(ctx.store, tenant)
    return tenant


def _reject_undocumented(ctx: Ctx, body: dict[str, Any]) -> None:
    """TenantCreationRequest has licenseKey and datacenter only (quirk tenant.create.body)."""
    extra = sorted(set(body) - {"licenseKey", "datacenter"})
    if extra and ctx.store.config.quirks.tenant_create_rejects_undocumented_fields:
        raise _tenant_err(
            400,
            "TENANTS-2",
            "Bad request",
            f"Unknown field(s) {', '.join(extra)}: the body takes licenseKey and datacenter; "
            "set the name and an alias host name with PATCH /api/v1/tenants/{id}",
        )


@endpoint(service="tenants", hosts="register")
async def create_tenant(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    key = body.get("licenseKey")
    _reject_undocumented(ctx, body)
    if not isinstance(key, str) or not key:
        raise _tenant_err(400, "TENANTS-2", "Bad request", "licenseKey is required")
    number = verify_license(key)
    if number is None:
        raise _tenant_err(403, "TENANTS-4", "Forbidden", "Invalid license key signature")
    region = ctx.host.region or "us"
    datacenter = body.get("datacenter") or DATACENTERS[region]
    if not isinstance(datacenter, str):
        raise _tenant_err(400, "TENANTS-2", "Bad request", "datacenter must be a string")
    tenant = changes.create_tenant(
        ctx.store,
        region=region,
        datacenter=datacenter,
        license_number=number,
        user_id=ctx.user_id,
        settings=SETTING_DEFAULTS,
    )
    return JSONResponse(render_tenant(ctx, tenant), status_code=201)


@endpoint(service="tenants", hosts="both")
async def get_tenant(ctx: Ctx) -> Response:
    return JSONResponse(render_tenant(ctx, _lookup(ctx)))


@endpoint(service="tenants")
async def tenant_me(ctx: Ctx) -> Response:
    return RedirectResponse(f"/api/v1/tenants/{ctx.tenant.id}", status_code=302)


@endpoint(service="tenants", hosts="both")
async def patch_tenant(ctx: Ctx) -> Response:
    tenant = _lookup(ctx)
    ops = await ctx.json()
    if not isinstance(ops, list) or not ops:
        raise _tenant_err(
            400, "TENANTS-2", "Bad request", "Body must be a non-empty array of operations"
        )
    name: str | None = None
    alias: str | None = None
    settings: dict[str, bool] = {}
    for op in ops:
        if not isinstance(op, dict) or op.get("op") != "replace":
            raise _tenant_err(400, "TENANTS-2", "Bad request", "Only op 'replace' is supported")
        path, value = op.get("path"), op.get("value")
        if path == "/name" and isinstance(value, str) and value.strip():
            name = value
        elif path == "/hostnames/1" and isinstance(value, str):
            alias = _alias(ctx, tenant, value)
        elif (
            isinstance(path, str)
            and path.lstrip("/") in SETTING_DEFAULTS
            and isinstance(value, bool)
        ):
            settings[path.lstrip("/")] = value
        else:
            raise _tenant_err(
                400, "TENANTS-2", "Bad request", f"Unsupported patch {path!r} = {value!r}"
            )
    changes.update_tenant(tenant, ctx.now, name=name, alias=alias, settings=settings)
    return Response(status_code=204)


def _alias(ctx: Ctx, tenant: Tenant, value: str) -> str:
    """A valid alias for ``tenant``: LABEL.REGION.qlikcloud.com of its region, not taken."""
    alias = value.strip().lower()
    suffix = f".{tenant.region}.{QLIK_DOMAIN}"
    label = alias[: -len(suffix)] if alias.endswith(suffix) else ""
    if not _LABEL.match(label) or label == "register":
        raise _tenant_err(
            400, "TENANTS-2", "Bad request", f"Hostname '{value}' must be LABEL{suffix}"
        )
    owner = ctx.store.tenant_by_hostname(alias)
    if owner is not None and owner.id != tenant.id:
        status = ctx.store.config.quirks.tenant_alias_conflict_status
        raise _tenant_err(status, "TENANTS-9", "Bad request", f"Hostname '{alias}' is in use")
    return alias


def _confirm(ctx: Ctx, tenant: Tenant) -> None:
    confirm = (ctx.request.headers.get("qlik-confirm-hostname") or "").strip().lower()
    if confirm not in [h.lower() for h in tenant.hostnames]:
        raise _tenant_err(
            412, "TENANTS-12", "Precondition failed", "Invalid qlik-confirm-hostname value"
        )


@endpoint(service="tenants", hosts="register")
async def deactivate(ctx: Ctx) -> Response:
    tenant = _lookup(ctx)
    _confirm(ctx, tenant)
    body = await ctx.json_object(required=False)
    days = body.get("purgeAfterDays", 30)
    if not isinstance(days, int) or isinstance(days, bool) or not 10 <= days <= 90:
        raise _tenant_err(400, "TENANTS-2", "Bad request", "purgeAfterDays must be 10-90")
    purge = changes.deactivate_tenant(tenant, ctx.now, days)
    return JSONResponse({"id": tenant.id, "status": "disabled", "estimatedPurgeDate": iso(purge)})


@endpoint(service="tenants", hosts="register")
async def reactivate(ctx: Ctx) -> Response:
    tenant = _lookup(ctx)
    _confirm(ctx, tenant)
    if tenant.status == "deleted":
        raise _tenant_err(403, "TENANTS-11", "Forbidden", "Tenant was purged")
    changes.reactivate_tenant(tenant, ctx.now)
    return JSONResponse({})


ROUTES = [
    Route("/api/v1/tenants", create_tenant, methods=["POST"]),
    Route("/api/v1/tenants/me", tenant_me, methods=["GET"]),
    Route("/api/v1/tenants/{tenantId}", get_tenant, methods=["GET"]),
    Route("/api/v1/tenants/{tenantId}", patch_tenant, methods=["PATCH"]),
    Route("/api/v1/tenants/{tenantId}/actions/deactivate", deactivate, methods=["POST"]),
    Route("/api/v1/tenants/{tenantId}/actions/reactivate", reactivate, methods=["POST"]),
]
