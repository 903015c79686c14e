"""Licences (§8.3): the overview with its signed ``licenseKey``, and auto-assign settings."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import bad_request
from qlikreconcile.emulator.state.identity import set_settings
from qlikreconcile.emulator.state.licensing import sign_license
from qlikreconcile.emulator.timefmt import iso, iso_date

SETTINGS = ("autoAssignProfessional", "autoAssignAnalyzer")


@endpoint(service="licenses")
async def license_overview(ctx: Ctx) -> Response:
    tenant = ctx.tenant
    start = iso_date(tenant.created_at)
    return JSONResponse(
        {
            "licenseKey": sign_license(tenant.license_number),
            "licenseNumber": tenant.license_number,
            "secondaryNumber": "0",
            "product": "Qlik Sense Enterprise SaaS",
            "status": "Ok",
            "trial": False,
            "valid": f"{start}/2099-12-31",
            "origin": "Internal",
            "allotments": [
                {
                    "name": "professional",
                    "units": 500,
                    "unitsUsed": len(tenant.users),
                    "usageClass": "assigned",
                },
                {"name": "analyzer", "units": 5000, "unitsUsed": 0, "usageClass": "assigned"},
            ],
            "parameters": [{"name": "qlikOEM", "valid": "./.", "values": {"tenants": "unlimited"}}],
            "updated": iso(tenant.created_at),
        }
    )


def _settings(ctx: Ctx) -> dict[str, bool]:
    return {k: ctx.tenant.settings.get(f"licenses/{k}", False) for k in SETTINGS}


@endpoint(service="licenses")
async def get_settings(ctx: Ctx) -> Response:
    return JSONResponse(_settings(ctx))


@endpoint(service="licenses")
async def put_settings(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    unknown = sorted(set(body) - set(SETTINGS))
    if unknown or not all(isinstance(v, bool) for v in body.values()):
        raise bad_request("licenses", f"Only boolean {', '.join(SETTINGS)} can be set")
    set_settings(ctx.tenant, {f"licenses/{k}": v for k, v in body.items()})
    return JSONResponse(_settings(ctx))


ROUTES = [
    Route("/api/v1/licenses/overview", license_overview, methods=["GET"]),
    Route("/api/v1/licenses/settings", get_settings, methods=["GET"]),
    Route("/api/v1/licenses/settings", put_settings, methods=["PUT"]),
]
