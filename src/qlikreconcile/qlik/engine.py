"""Counting an app's sheets through Qlik's associative engine (QIX), the only way Qlik lists them.

Qlik Cloud's REST APIs do not list sheets (qlik-cloud-api.md §4.4); the engine does, over
JSON-RPC on ``wss://HOST/app/APPID``: ``OpenDoc`` then ``GetObjects`` with ``qTypes: [sheet]``.
Each entry's ``qMeta`` says what kind of sheet it is:

* ``approved``: a base sheet, shipped with the published app (the vendor's, locked);
* ``published`` and not approved: a community sheet a customer shared;
* neither: a private sheet. The engine shows private sheets to their owner only, so the service
  account sees none of the customers' private sheets (its own, if any, are counted).

Counts decide which of two published copies customers use and prove that a republish kept
their sheets; nothing here changes an app.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from qlikreconcile.errors import ApiError, EngineError, TransportError
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.websocket import WebSocket

CALL_TIMEOUT_SECONDS = 30.0
GLOBAL_HANDLE = -1

SHEETS_QUERY: dict[str, Any] = {
    "qOptions": {"qTypes": ["sheet"], "qIncludeSessionObjects": False, "qData": {}}
}


@dataclass(frozen=True, slots=True)
class SheetCounts:
    """Sheets of one app as the service account sees them."""

    base: int = 0
    community: int = 0
    private: int = 0
    """Private sheets visible to the caller: its own only (the engine hides everyone else's)."""

    @property
    def customers(self) -> int:
        """Sheets customers made that the service account can see."""
        return self.community + self.private

    def __str__(self) -> str:
        return f"{self.community} community, {self.private} visible private, {self.base} base"


class EngineDoc:
    """One opened app on one engine session: JSON-RPC calls, answered in order of their ids."""

    def __init__(self, socket: WebSocket, url: str) -> None:
        self._socket = socket
        self._url = url
        self._ids = itertools.count(1)
        self.handle = GLOBAL_HANDLE

    async def call(self, method: str, handle: int, params: Mapping[str, Any] | list[Any]) -> Any:
        ident = next(self._ids)
        request = {"jsonrpc": "2.0", "id": ident, "method": method, "handle": handle}
        await self._socket.send_text(json.dumps({**request, "params": params}))
        async with asyncio.timeout(CALL_TIMEOUT_SECONDS):
            while True:
                answer = _decode(await self._socket.receive_text(), self._url)
                if answer.get("id") != ident:
                    continue  # notifications (OnConnected, change lists) carry no id
                error = answer.get("error")
                if isinstance(error, dict):
                    code = error.get("code")
                    raise EngineError(
                        f"{method} failed: {error.get('message') or 'engine error'} (code {code})",
                        url=self._url,
                        code=code if isinstance(code, int) else None,
                    )
                result = answer.get("result")
                return result if isinstance(result, dict) else {}

    async def open(self, app_id: str) -> None:
        result = await self.call("OpenDoc", GLOBAL_HANDLE, {"qDocName": app_id})
        handle = (result.get("qReturn") or {}).get("qHandle")
        if not isinstance(handle, int):
            raise EngineError("OpenDoc returned no handle", url=self._url)
        self.handle = handle

    async def sheet_counts(self) -> SheetCounts:
        result = await self.call("GetObjects", self.handle, SHEETS_QUERY)
        entries = result.get("qList")
        if not isinstance(entries, list):
            raise EngineError("GetObjects returned no qList", url=self._url)
        base = community = private = 0
        for entry in entries:
            meta = entry.get("qMeta") if isinstance(entry, dict) else None
            meta = meta if isinstance(meta, dict) else {}
            if meta.get("approved"):
                base += 1
            elif meta.get("published"):
                community += 1
            else:
                private += 1
        return SheetCounts(base, community, private)


def _decode(text: str, url: str) -> dict[str, Any]:
    try:
        answer = json.loads(text)
    except ValueError:
        raise EngineError("answer is not JSON", url=url) from None
    if not isinstance(answer, dict):
        raise EngineError("answer is not a JSON object", url=url)
    return answer


@asynccontextmanager
async def open_app(client: QlikClient, app_id: str) -> AsyncIterator[EngineDoc]:
    """An engine session on ``app_id``, closed on exit."""
    path = f"/app/{app_id}"
    socket = await client.engine_socket(path)
    doc = EngineDoc(socket, f"wss://{client.host}{path}")
    try:
        await doc.open(app_id)
        yield doc
    finally:
        await socket.close()


async def count_sheets(client: QlikClient, app_id: str) -> SheetCounts:
    """The sheets of ``app_id`` by kind (see the module docstring for what "private" can see)."""
    async with open_app(client, app_id) as doc:
        return await doc.sheet_counts()


async def count_sheets_or_none(client: QlikClient, app_id: str) -> SheetCounts | None:
    """:func:`count_sheets`, or None when the engine cannot be reached or refuses: "unknown",
    which callers treat as "may hold customers' sheets"."""
    try:
        return await count_sheets(client, app_id)
    except (EngineError, ApiError, TransportError):
        return None
