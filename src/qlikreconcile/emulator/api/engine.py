"""The engine (QIX) websocket: ``wss://HOST/app/APPID``, JSON-RPC 2.0, the part that lists sheets.

Qlik lists sheets only through the engine (qlik-cloud-api.md §4.4). This answers what
qlikreconcile (and Qlik's SDKs) send to learn an app's sheets:

* the handshake: bearer token of the host, as every REST call (401 denial response otherwise);
* the ``OnConnected`` notification the engine sends first;
* ``OpenDoc`` on the global handle (-1): the app of the path, handle 1; an unknown app is error
  1003 (``LOCERR_APP_NOT_FOUND``), an app whose access has not arrived after a publish is error 5
  (``LOCERR_GENERIC_ACCESS_DENIED``, quirk ``apps.access_after_publish``);
* ``GetObjects`` on the app's handle, filtered by ``qTypes``: sheets as ``NxContainerEntry``
  (``qInfo``, ``qMeta``, ``qData``). Base sheets are ``approved``; community sheets are
  ``published``; private sheets are shown to their owner only, as in Qlik.

Anything else is JSON-RPC error -32601 (method not found); the emulator is not an engine.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from qlikreconcile.emulator.api.endpoint import authenticate, resolve_host
from qlikreconcile.emulator.api.errors import QlikError, error_body
from qlikreconcile.emulator.state.apps import App, Sheet
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Tenant
from qlikreconcile.emulator.timefmt import iso

GLOBAL_HANDLE = -1
DOC_HANDLE = 1
ACCESS_DENIED = 5  # LOCERR_GENERIC_ACCESS_DENIED
APP_NOT_FOUND = 1003  # LOCERR_APP_NOT_FOUND
APP_ALREADY_OPEN = 1002  # LOCERR_APP_ALREADY_OPEN
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602


class RpcError(Exception):
    def __init__(self, code: int, message: str, parameter: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.parameter = parameter


class _Session:
    """One engine session: the caller, and the app once opened."""

    def __init__(self, store: EmulatorStore, tenant: Tenant, user_id: str, app_id: str) -> None:
        self.store = store
        self.tenant = tenant
        self.user_id = user_id
        self.app_id = app_id
        self.opened: App | None = None

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        method = request.get("method")
        handle = request.get("handle")
        params = request.get("params")
        if method == "OpenDoc" and handle == GLOBAL_HANDLE:
            return self.open_doc(params)
        if method == "GetObjects" and handle == DOC_HANDLE and self.opened is not None:
            return {"qList": [self.entry(s) for s in self.sheets(params)]}
        raise RpcError(METHOD_NOT_FOUND, "Method not found", str(method))

    def open_doc(self, params: Any) -> dict[str, Any]:
        name = params.get("qDocName") if isinstance(params, dict) else None
        if isinstance(params, list) and params:
            name = params[0]
        if not isinstance(name, str) or not name:
            raise RpcError(INVALID_PARAMS, "Invalid Params", "qDocName")
        if self.opened is not None:
            raise RpcError(APP_ALREADY_OPEN, "App already open", name)
        app = self.tenant.apps.get(name)
        if app is None or name != self.app_id:
            raise RpcError(APP_NOT_FOUND, "App not found", name)
        delay = self.store.config.quirks.published_access_delay_seconds
        if app.publish_time is not None and self.store.now() < app.publish_time + delay:
            raise RpcError(ACCESS_DENIED, "Access denied", name)
        self.opened = app
        return {"qReturn": {"qType": "Doc", "qHandle": DOC_HANDLE, "qGenericId": app.id}}

    def sheets(self, params: Any) -> list[Sheet]:
        options = params.get("qOptions") if isinstance(params, dict) else None
        if isinstance(params, list) and params:
            options = params[0]
        options = options if isinstance(options, dict) else {}
        types = options.get("qTypes")
        assert self.opened is not None
        if isinstance(types, list) and "sheet" not in types:
            return []
        return [s for s in self.opened.sheets if s.type != "private" or s.owner_id == self.user_id]

    def entry(self, sheet: Sheet) -> dict[str, Any]:
        # The app's own sheets (base, "public sheets") are approved in every space; only users'
        # sheets differ: community ones are published, private ones neither.
        approved = sheet.type == "base"
        published = sheet.type != "private"
        meta: dict[str, Any] = {
            "title": sheet.title,
            "description": "",
            "_resourcetype": "app.object",
            "_objecttype": "sheet",
            "id": sheet.id,
            "approved": approved,
            "published": published,
            "owner": {"id": sheet.owner_id, "userId": sheet.owner_id},
            "ownerId": sheet.owner_id,
            "createdDate": iso(sheet.created_at),
            "modifiedDate": iso(sheet.created_at),
            "privileges": ["read"] if sheet.owner_id != self.user_id else ["read", "update"],
        }
        if published:
            meta["publishTime"] = iso(sheet.published_at or sheet.created_at)
        return {"qInfo": {"qId": sheet.id, "qType": "sheet"}, "qMeta": meta, "qData": {}}


async def _deny(ws: WebSocket, store: EmulatorStore, err: QlikError) -> None:
    body = error_body(err, store.trace_id())
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(JSONResponse(body, status_code=err.status))
    else:
        await ws.close(code=1008)


async def engine_socket(ws: WebSocket) -> None:
    store: EmulatorStore = ws.app.state.store
    try:
        host, tenant = resolve_host(store, ws, "apps")
        if tenant is None:
            raise QlikError(404, "HTTP-404", "Not found", "No tenant on this host")
        token = authenticate(store, ws, host, "apps")
    except QlikError as err:
        await _deny(ws, store, err)
        return
    session = _Session(store, tenant, token.user_id, str(ws.path_params["appId"]))
    await ws.accept()
    await ws.send_text(
        json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "OnConnected",
                "params": {"qSessionState": "SESSION_CREATED"},
            }
        )
    )
    try:
        while True:
            text = await ws.receive_text()
            await ws.send_text(json.dumps(_reply(session, text)))
    except WebSocketDisconnect:
        return


def _reply(session: _Session, text: str) -> dict[str, Any]:
    try:
        request = json.loads(text)
    except ValueError:
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}
    ident = request.get("id") if isinstance(request, dict) else None
    try:
        if not isinstance(request, dict):
            raise RpcError(-32600, "Invalid Request")
        result = session.answer(request)
    except RpcError as exc:
        error = {"code": exc.code, "parameter": exc.parameter, "message": exc.message}
        return {"jsonrpc": "2.0", "id": ident, "error": error}
    return {"jsonrpc": "2.0", "id": ident, "result": result}


ROUTES: list[BaseRoute] = [
    WebSocketRoute("/app/{appId}", engine_socket),
    WebSocketRoute("/app/{appId}/identity/{identity}", engine_socket),
]
