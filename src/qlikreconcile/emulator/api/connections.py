"""Data connections (§7). Credentials are write-only; errors carry a numeric ``status``.

PUT semantics for secrets (``qPassword``, ``qUsername``, ``qConnectionSecret``): present sets,
``""`` clears, absent leaves unchanged. PATCH accepts the bare array (2026 spec) and the older
``{"patchData": [...]}`` wrapper.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError
from qlikreconcile.emulator.api.pagination import page_body, paginate
from qlikreconcile.emulator.api.scim_filter import compile_filter
from qlikreconcile.emulator.state import connections as changes
from qlikreconcile.emulator.state.tenant import Connection
from qlikreconcile.emulator.timefmt import iso

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
REQUIRED = ("qName", "qConnectStatement", "qType", "datasourceID")
SECRETS = {
    "qUsername": "username",
    "qPassword": "password",
    "qConnectionSecret": "connection_secret",
}
PLAIN = {
    "qName": "name",
    "qConnectStatement": "connect_statement",
    "qType": "type",
    "datasourceID": "datasource_id",
    "qLogOn": "log_on",
    "qCredentialsID": "credentials_id",
}
PRIVILEGES = ["list", "update", "delete", "read", "change_owner", "change_space"]


def _err(status: int, code: str, title: str, detail: str) -> QlikError:
    return QlikError(status, code, title, detail, service="data-connections")


def render_connection(
    ctx: Ctx, c: Connection, *, single: bool, created: bool = False
) -> dict[str, Any]:
    """ConnectionGet, or ConnectionCreateResponse when ``created``.

    The two differ in ``qLogOn``: GET answers an integer 0|1, create echoes the string form
    ([SPEC] ConnectionGet vs ConnectionCreateResponse; same in qlik-api-ts 2026).
    """
    log_on: int | str = (
        c.log_on if created else (0 if c.log_on in ("0", "LOG_ON_SERVICE_USER") else 1)
    )
    body: dict[str, Any] = {
        "id": c.id,
        "qID": c.id,
        "qEngineObjectID": c.id,
        "qName": c.name,
        "qType": c.type,
        "qConnectStatement": c.connect_statement,
        "qArchitecture": c.architecture,
        "qLogOn": log_on,
        "qSeparateCredentials": c.separate_credentials,
        "qCredentialsID": c.credentials_id or "",
        "datasourceID": c.datasource_id,
        "space": c.space_id or "",
        "user": c.user_id,
        "tenant": ctx.tenant.id,
        "created": iso(c.created_at),
        "updated": iso(c.updated_at),
        "tags": list(c.tags),
        "privileges": list(PRIVILEGES),
        "links": {"self": {"href": f"{ctx.base_url()}/api/v1/data-connections/{c.id}"}},
    }
    if single and c.connection_secret:
        body["qConnectionSecret"] = c.connection_secret
    return body


def _space(ctx: Ctx, space_id: object) -> str | None:
    if space_id in (None, ""):
        return None
    if not isinstance(space_id, str) or space_id not in ctx.tenant.spaces:
        raise _err(403, "DCAAS-403", "Forbidden", f"No access to space '{space_id}'")
    return space_id


def _check_unique(ctx: Ctx, name: str, space_id: str | None, exclude: str | None = None) -> None:
    if changes.name_taken(ctx.tenant, name, space_id, exclude):
        raise _err(
            409, "DCAAS-409", "Conflict", f"Data connection '{name}' already exists in this space"
        )


def _find(ctx: Ctx) -> Connection:
    ident = ctx.path_param("qID")
    tenant = ctx.tenant
    if ctx.query("type") == "connectionname":
        space_id = ctx.query("spaceId")
        for c in tenant.connections.values():
            if c.name == ident and (space_id is None or (c.space_id or "") == space_id):
                return c
    else:
        if not _UUID.match(ident):
            raise _err(400, "DCAAS-400", "Bad request", f"'{ident}' is not a valid connection id")
        if ident in tenant.connections:
            return tenant.connections[ident]
    raise _err(404, "DCAAS-404", "Not found", f"Data connection '{ident}' not found")


def _str_fields(body: dict[str, Any], names: tuple[str, ...] | list[str]) -> None:
    for name in names:
        if name in body and not isinstance(body[name], str):
            raise _err(400, "DCAAS-400", "Bad request", f"{name} must be a string")


LOG_ON_VALUES = ("0", "1", "LOG_ON_SERVICE_USER", "LOG_ON_CURRENT_USER")


def _log_on(value: object) -> str:
    text = str(value)
    if text not in LOG_ON_VALUES:
        raise _err(400, "DCAAS-400", "Bad request", f"qLogOn must be one of {LOG_ON_VALUES}")
    return text


def _tags(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value) or len(value) > 32:
        raise _err(400, "DCAAS-400", "Bad request", "tags must be an array of at most 32 strings")
    return list(value)


@endpoint(service="data-connections")
async def list_connections(ctx: Ctx) -> Response:
    items = list(ctx.tenant.connections.values())
    if (space_id := ctx.query("spaceId")) is not None:
        items = [c for c in items if (c.space_id or "") == space_id]
    if (ctx.query("personal") or "").lower() == "true":
        items = [c for c in items if c.space_id is None]
    match = compile_filter(ctx, ctx.query("filter"))
    items = [
        c
        for c in items
        if match(
            {
                "qname": c.name,
                "qtype": c.type,
                "datasourceid": c.datasource_id,
                "space": c.space_id or "",
            }
        )
    ]
    page = paginate(
        ctx,
        [render_connection(ctx, c, single=False) for c in items],
        default=32,
        maximum=100,
        next_param="page",
        prev_param="page",
    )
    return JSONResponse(page_body(page, meta={"count": page.total}))


@endpoint(service="data-connections")
async def create_connection(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    missing = [f for f in REQUIRED if not isinstance(body.get(f), str) or not body[f]]
    if missing:
        raise _err(
            400, "DCAAS-400", "Bad request", f"Missing required fields: {', '.join(missing)}"
        )
    _str_fields(body, [*SECRETS, *PLAIN])
    space_id = _space(ctx, body.get("space"))
    _check_unique(ctx, body["qName"], space_id)
    ident = body.get("qID") or body.get("qEngineObjectID") or None
    if ident is not None and (
        not isinstance(ident, str) or not _UUID.match(ident) or ident in ctx.tenant.connections
    ):
        raise _err(400, "DCAAS-400", "Bad request", "qID must be a new UUID")
    fields = {
        "name": body["qName"],
        "connect_statement": body["qConnectStatement"],
        "type": body["qType"],
        "datasource_id": body["datasourceID"],
        "space_id": space_id,
        "username": body.get("qUsername") or None,
        "password": body.get("qPassword") or None,
        "connection_secret": body.get("qConnectionSecret") or None,
        "log_on": _log_on(body.get("qLogOn", "1")),
        "architecture": int(body.get("qArchitecture") or 0),
        "separate_credentials": bool(body.get("qSeparateCredentials", False)),
        "credentials_id": body.get("qCredentialsID") or None,
        "tags": _tags(body.get("tags", [])),
    }
    c = changes.create_connection(ctx.store, ctx.tenant, ident, fields, user_id=ctx.user_id)
    return JSONResponse(render_connection(ctx, c, single=True, created=True), status_code=201)


@endpoint(service="data-connections")
async def get_connection(ctx: Ctx) -> Response:
    return JSONResponse(render_connection(ctx, _find(ctx), single=True))


def _change(field: str, value: object) -> dict[str, Any]:
    """The validated change a ``q*`` field asks for, keyed by :class:`Connection` attribute."""
    if field in SECRETS:
        return {SECRETS[field]: value or None}
    if field == "qLogOn":
        return {"log_on": _log_on(value)}
    if field in PLAIN:
        if field != "qCredentialsID" and not value:
            raise _err(400, "DCAAS-400", "Bad request", f"{field} cannot be empty")
        return {PLAIN[field]: value or None if field == "qCredentialsID" else value}
    if field == "tags":
        return {"tags": _tags(value)}
    raise _err(400, "DCAAS-400", "Bad request", f"Unsupported field {field}")


@endpoint(service="data-connections")
async def put_connection(ctx: Ctx) -> Response:
    c = _find(ctx)
    body = await ctx.json_object()
    missing = [
        f
        for f in ("qName", "qConnectStatement", "qType")
        if not isinstance(body.get(f), str) or not body[f]
    ]
    if missing:
        raise _err(
            400, "DCAAS-400", "Bad request", f"Missing required fields: {', '.join(missing)}"
        )
    for key in ("qID", "qEngineObjectID"):
        if body.get(key) not in (None, "", c.id):
            raise _err(400, "DCAAS-400", "Bad request", f"{key} does not match the connection")
    _str_fields(body, [*SECRETS, *PLAIN])
    space_id = _space(ctx, body["space"]) if "space" in body else c.space_id
    _check_unique(ctx, body["qName"], space_id, exclude=c.id)
    fields: dict[str, Any] = {}
    for field in [*PLAIN, *SECRETS, "tags"]:
        if field in body:
            fields.update(_change(field, body[field]))
    changes.update_connection(ctx.tenant, c.id, {**fields, "space_id": space_id}, ctx.now)
    return Response(status_code=204)


@endpoint(service="data-connections")
async def patch_connection(ctx: Ctx) -> Response:
    stored = _find(ctx)
    body = await ctx.json()
    ops = body.get("patchData") if isinstance(body, dict) else body
    if not isinstance(ops, list) or not ops:
        raise _err(
            400,
            "DCAAS-400",
            "Bad request",
            "Body must be [{op, path, value}] or {patchData: [...]}",
        )
    fields: dict[str, Any] = {}
    for op in ops:
        if (
            not isinstance(op, dict)
            or op.get("op") not in ("add", "replace", "remove")
            or not isinstance(op.get("path"), str)
        ):
            raise _err(
                400,
                "DCAAS-400",
                "Bad request",
                "Each operation needs op add|replace|remove and a path",
            )
        field = op["path"].lstrip("/")
        value = None if op["op"] == "remove" else op.get("value")
        if field == "space":
            fields["space_id"] = _space(ctx, value)
        else:
            if field in PLAIN and value is not None and not isinstance(value, str):
                raise _err(400, "DCAAS-400", "Bad request", f"{field} must be a string")
            fields.update(_change(field, [] if field == "tags" and value is None else value))
    name = fields.get("name", stored.name)
    _check_unique(ctx, name, fields.get("space_id", stored.space_id), exclude=stored.id)
    changes.update_connection(ctx.tenant, stored.id, fields, ctx.now)
    return Response(status_code=204)


@endpoint(service="data-connections")
async def delete_connection(ctx: Ctx) -> Response:
    changes.delete_connection(ctx.tenant, _find(ctx).id)
    return Response(status_code=204)


_D = "/api/v1/data-connections"
ROUTES = [
    Route(_D, list_connections, methods=["GET"]),
    Route(_D, create_connection, methods=["POST"]),
    Route(f"{_D}/{{qID}}", get_connection, methods=["GET"]),
    Route(f"{_D}/{{qID}}", put_connection, methods=["PUT"]),
    Route(f"{_D}/{{qID}}", patch_connection, methods=["PATCH"]),
    Route(f"{_D}/{{qID}}", delete_connection, methods=["DELETE"]),
]
