"""Tenants: create/deactivate/reactivate on the register host; get, PATCH and ``me``."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError
from qlikreconcile.emulator.hosts import DATACENTERS, QLIK_DOMAIN, tenant_hostname
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
_LABEL_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
DAY = 86400.0


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
    purge = tenant.estimated_purge_at
    if tenant.status == "disabled" and purge is not None and ctx.now >= purge:
        # Purged once its estimatedPurgeDate passes (quirk tenant.purge): no way back.
        tenant.status = "deleted"
        tenant.status_updated_at = purge
        ctx.store.mark_dirty()
    return tenant


def _generated_label(ctx: Ctx) -> str:
    """A display host label like the random ones Qlik generates: 12 of [a-z0-9], seeded."""
    raw = bytes.fromhex(ctx.store.new_id("hex24"))
    return "".join(_LABEL_ALPHABET[b % len(_LABEL_ALPHABET)] for b in raw)


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
    label = _generated_label(ctx)
    while ctx.store.tenant_by_hostname(tenant_hostname(label, region)) is not None:
        label = _generated_label(ctx)
    hostname = tenant_hostname(label, region)
    now = ctx.now
    tenant = Tenant(
        id=ctx.store.new_id("tenant"),
        name=label,
        hostnames=[hostname],
        datacenter=datacenter,
        region=region,
        created_at=now,
        updated_at=now,
        status_updated_at=now,
        created_by_user=ctx.user_id,
        license_number=number,
        settings=dict(SETTING_DEFAULTS),
    )
    ctx.store.state.tenants[tenant.id] = tenant
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
    for op in ops:
        if not isinstance(op, dict) or op.get("op") != "replace":
            raise _tenant_err(400, "TENANTS-2", "Bad request", "Only op 'replace' is supported")
        path, value = op.get("path"), op.get("value")
        if path == "/name" and isinstance(value, str) and value.strip():
            tenant.name = value
        elif path == "/hostnames/1" and isinstance(value, str):
            tenant.hostnames = [tenant.hostnames[0], _alias(ctx, tenant, value)]
        elif (
            isinstance(path, str)
            and path.lstrip("/") in SETTING_DEFAULTS
            and isinstance(value, bool)
        ):
            tenant.settings[path.lstrip("/")] = value
        else:
            raise _tenant_err(
                400, "TENANTS-2", "Bad request", f"Unsupported patch {path!r} = {value!r}"
            )
    tenant.updated_at = ctx.now
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
    tenant.status = "disabled"
    tenant.status_updated_at = tenant.updated_at = ctx.now
    tenant.estimated_purge_at = ctx.now + days * DAY
    return JSONResponse(
        {
            "id": tenant.id,
            "status": "disabled",
            "estimatedPurgeDate": iso(tenant.estimated_purge_at),
        }
    )


@endpoint(service="tenants", hosts="register")
async def reactivate(ctx: Ctx) -> Response:
    tenant = _lookup(ctx)
    _confirm(ctx, tenant)
    if tenant.status == "deleted":
        raise _tenant_err(403, "TENANTS-11", "Forbidden", "Tenant was purged")
    tenant.status = "active"
    tenant.status_updated_at = tenant.updated_at = ctx.now
    tenant.estimated_purge_at = None
    return JSONResponse({})


ROUTES = [
    Route("/api/v1/tenants", create_tenant, methods=["POST"]),
    Route("/api/v1/tenants/me", tenant_me, methods=["GET"]),
    Route("/api/v1/tenants/{tenantId}", get_tenant, methods=["GET"]),
    Route("/api/v1/tenants/{tenantId}", patch_tenant, methods=["PATCH"]),
    Route("/api/v1/tenants/{tenantId}/actions/deactivate", deactivate, methods=["POST"]),
    Route("/api/v1/tenants/{tenantId}/actions/reactivate", reactivate, methods=["POST"]),
]
