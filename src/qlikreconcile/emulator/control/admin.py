"""Admin endpoints under the reserved prefix ``/_emulator`` (served on every Host, no auth).

``POST /_emulator/reset``, ``GET|PUT /_emulator/state`` (PUT loads a state GET dumped),
``GET|DELETE /_emulator/requests``,
``GET|POST /_emulator/faults``, ``GET /_emulator/quirks``,
``GET /_emulator/tenants/{hostname}/apps/{appId}``,
``POST /_emulator/tenants/{hostname}/apps/{appId}/sheets`` (a customer's own sheet; with
``group``, a community sheet in a managed space needs that group's contributor role).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.render_apps import render_sheet
from qlikreconcile.emulator.control.seed import build_seed
from qlikreconcile.emulator.quirks import QUIRKS
from qlikreconcile.emulator.state.app_changes import add_user_sheet
from qlikreconcile.emulator.state.apps import App
from qlikreconcile.emulator.state.connections import set_data_source_password
from qlikreconcile.emulator.state.fault_config import FaultConfig
from qlikreconcile.emulator.state.model import EmulatorState
from qlikreconcile.emulator.state.reload_lifecycle import settle
from qlikreconcile.emulator.state.reload_queue import queue_report
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Tenant

IMPLEMENTED_FAULTS = frozenset(FaultConfig.model_fields)
SHEET_TYPES = ("community", "private")


def store_of(request: Request) -> EmulatorStore:
    store: EmulatorStore = request.app.state.store
    return store


def admin_error(status: int, detail: str) -> JSONResponse:
    return JSONResponse(
        {
            "errors": [
                {"code": f"EMULATOR-{status}", "title": "Emulator admin error", "detail": detail}
            ]
        },
        status_code=status,
    )


async def json_body(request: Request) -> dict[str, Any] | JSONResponse:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        return admin_error(400, f"Malformed JSON body: {exc}")
    return body if isinstance(body, dict) else admin_error(400, "Body must be a JSON object")


async def reset(request: Request) -> Response:
    store = store_of(request)
    store.replace_state(build_seed(store.config))
    return JSONResponse({"status": "reset"})


async def dump_state(request: Request) -> Response:
    store = store_of(request)
    if request.method == "PUT":
        return await _load_state(store, request)
    for tenant in store.state.tenants.values():
        if settle(tenant, store.now()):
            store.mark_dirty()
    return JSONResponse(store.state.model_dump(mode="json"))


async def _load_state(store: EmulatorStore, request: Request) -> Response:
    """Replace the whole state by one ``GET /_emulator/state`` dumped (a benchmark reuses a
    converged fleet instead of converging it again)."""
    try:
        state = EmulatorState.model_validate_json(await request.body())
    except ValidationError as exc:
        return admin_error(400, f"Not an emulator state: {exc.error_count()} errors")
    store.replace_state(state)
    return JSONResponse({"status": "loaded", "tenants": len(state.tenants)})


async def requests_log(request: Request) -> Response:
    store = store_of(request)
    if request.method == "DELETE":
        store.clear_requests()
        return Response(status_code=204)
    data = [r.as_json() for r in store.requests]
    # count: the records listed (the log keeps the newest MAX_REQUEST_LOG); total: every request.
    return JSONResponse({"data": data, "count": len(data), "total": store.requests_logged})


async def faults(request: Request) -> Response:
    store = store_of(request)
    if request.method == "POST":
        body = await json_body(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            config = FaultConfig.model_validate(body)
        except ValidationError as exc:
            return admin_error(400, str(exc))
        store.set_faults(config)
    current = store.state.faults.model_dump(mode="json")
    pending = sorted(k for k in current if k not in IMPLEMENTED_FAULTS)
    return JSONResponse({"faults": current, "notImplemented": pending})


async def quirks(request: Request) -> Response:
    return JSONResponse(
        {"quirks": [asdict(q) for q in QUIRKS], "switches": asdict(store_of(request).config.quirks)}
    )


def _app(request: Request) -> App | JSONResponse:
    store = store_of(request)
    hostname = request.path_params["hostname"]
    tenant = store.tenant_by_hostname(hostname)
    if tenant is None:
        return admin_error(404, f"No tenant with hostname '{hostname}'")
    if settle(tenant, store.now()):
        store.mark_dirty()
    app = tenant.apps.get(request.path_params["appId"])
    return app if app is not None else admin_error(404, f"No app '{request.path_params['appId']}'")


async def tenant_and_body(request: Request) -> tuple[Tenant, dict[str, Any]] | JSONResponse:
    """The tenant named by the ``hostname`` path parameter and the JSON body, or the 4xx."""
    tenant = store_of(request).tenant_by_hostname(request.path_params["hostname"])
    if tenant is None:
        return admin_error(404, f"No tenant with hostname '{request.path_params['hostname']}'")
    body = await json_body(request)
    return body if isinstance(body, JSONResponse) else (tenant, body)


async def set_data_source(request: Request) -> Response:
    """Set the password the emulated database behind connection ``name`` accepts."""
    store = store_of(request)
    found = await tenant_and_body(request)
    if isinstance(found, JSONResponse):
        return found
    tenant, body = found
    password = body.get("password")
    if not isinstance(password, str) or not password:
        return admin_error(400, "password (non-empty string) is required")
    set_data_source_password(tenant, request.path_params["name"], password)
    store.mark_dirty()
    return Response(status_code=204)


async def get_app(request: Request) -> Response:
    app = _app(request)
    if isinstance(app, JSONResponse):
        return app
    dump = app.model_dump(mode="json")
    dump["sheets"] = [render_sheet(s) for s in app.sheets]
    return JSONResponse(dump)


async def add_sheet(request: Request) -> Response:
    app = _app(request)
    if isinstance(app, JSONResponse):
        return app
    body = await json_body(request)
    if isinstance(body, JSONResponse):
        return body
    title, kind, owner = body.get("title"), body.get("type"), body.get("ownerId")
    if not isinstance(title, str) or not title or kind not in SHEET_TYPES:
        return admin_error(400, "title (string) and type community|private are required")
    store = store_of(request)
    refused = _may_not_share(store, request, app, kind, body.get("group"))
    if refused:
        return admin_error(403, refused)
    owner_id = owner if isinstance(owner, str) and owner else app.owner_id
    sheet = add_user_sheet(store, app, title=title, kind=kind, owner_id=owner_id)
    store.mark_dirty()
    return JSONResponse(render_sheet(sheet), status_code=201)


async def reload_queue(request: Request) -> Response:
    """The subscription reload queue's peaks (quirk ``reloads.subscription_queue``)."""
    store = store_of(request)
    tenant = store.tenant_by_hostname(request.path_params["hostname"])
    if tenant is None:
        return admin_error(404, "no such tenant")
    return JSONResponse(queue_report(store.state, tenant, store.config.reload_slots))


def _may_not_share(
    store: EmulatorStore, request: Request, app: App, kind: object, group: object
) -> str | None:
    """Why a member of ``group`` may not make a sheet public in the app's managed space.

    Only members whose role may contribute can share their own sheets in a managed space
    (quirk ``spaces.community_sheets``). Without ``group`` the owner's membership is unknown and
    not checked.
    """
    if kind != "community" or group is None:
        return None
    tenant = store.tenant_by_hostname(request.path_params["hostname"])
    space = tenant.spaces.get(app.space_id or "") if tenant else None
    if tenant is None or space is None or space.type != "managed":
        return None
    found = next((g for g in tenant.groups.values() if g.name == group), None)
    if found is None:
        return f"no group '{group}' in the tenant"
    roles = {
        role
        for a in tenant.assignments.values()
        if a.space_id == space.id and a.assignee_id == found.id
        for role in a.roles
    }
    if "contributor" not in roles:
        shown = ", ".join(sorted(roles)) or "none"
        return (
            f"members of '{group}' (roles in '{space.name}': {shown}) cannot make sheets "
            "public in a managed space: that takes the contributor role"
        )
    return None


ROUTES = [
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/state", dump_state, methods=["GET", "PUT"]),
    Route("/_emulator/requests", requests_log, methods=["GET", "DELETE"]),
    Route("/_emulator/faults", faults, methods=["GET", "POST"]),
    Route("/_emulator/quirks", quirks, methods=["GET"]),
    Route("/_emulator/tenants/{hostname}/apps/{appId}", get_app, methods=["GET"]),
    Route("/_emulator/tenants/{hostname}/data-sources/{name}", set_data_source, methods=["PUT"]),
    Route("/_emulator/tenants/{hostname}/apps/{appId}/sheets", add_sheet, methods=["POST"]),
    Route("/_emulator/tenants/{hostname}/reload-queue", reload_queue, methods=["GET"]),
]
