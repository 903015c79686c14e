"""Sheets counted through the engine (QIX over a websocket), in-process against the emulator.

Qlik lists sheets only through the engine; these tests open ``wss://HOST/app/APPID`` through the
session's transport, as a plan does, and check what the service account can and cannot see.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.errors import EngineError
from qlikreconcile.qlik import QlikClient
from qlikreconcile.qlik.engine import SheetCounts, count_sheets, open_app
from qlikreconcile.qlik.websocket import AsgiWebSocket


async def _source_app(client: QlikClient) -> dict[str, Any]:
    items = [i async for i in client.paginate("/api/v1/items", params={"resourceType": "app"})]
    return items[0]


async def _sheet(emulator: Any, app_id: str, kind: str, owner: str | None = None) -> None:
    body: dict[str, Any] = {"title": f"{kind} sheet", "type": kind}
    if owner:
        body["ownerId"] = owner
    await emulator.admin(
        "POST", f"/_emulator/tenants/{SOURCE_HOST}/apps/{app_id}/sheets", json=body
    )


async def test_counts_base_and_community_sheets_but_not_customers_private_ones(
    emulator: Any, source: QlikClient
) -> None:
    app_id = str((await _source_app(source))["resourceId"])
    before = await count_sheets(source, app_id)
    assert before.base > 0
    assert before.customers == 0
    await _sheet(emulator, app_id, "community", owner="customer-1")
    await _sheet(emulator, app_id, "community", owner="customer-2")
    await _sheet(emulator, app_id, "private", owner="customer-1")  # hidden from everyone else
    after = await count_sheets(source, app_id)
    assert after == SheetCounts(base=before.base, community=2, private=0)
    me = await source.get_following_redirect("/api/v1/users/me")
    await _sheet(emulator, app_id, "private", owner=str(me["id"]))  # the caller's own
    assert (await count_sheets(source, app_id)).private == 1


async def test_the_handshake_carries_the_hosts_bearer_token(
    emulator: Any, source: QlikClient
) -> None:
    app_id = str((await _source_app(source))["resourceId"])
    url = httpx.URL(f"https://{SOURCE_HOST}/app/{app_id}")
    refused = AsgiWebSocket(emulator.app, url, {})
    with pytest.raises(EngineError) as no_token:
        await refused.connect()
    assert no_token.value.status == 401
    wrong = AsgiWebSocket(emulator.app, url, {"Authorization": "Bearer not-a-token"})
    with pytest.raises(EngineError) as bad_token:
        await wrong.connect()
    assert bad_token.value.status == 401
    log = await emulator.requests(host=SOURCE_HOST)
    assert [r["status"] for r in log if r["path"] == f"/app/{app_id}"] == [401, 401]


async def test_an_unknown_app_is_the_engines_app_not_found(source: QlikClient) -> None:
    with pytest.raises(EngineError) as missing:
        async with open_app(source, "00000000-0000-0000-0000-000000000000"):
            pass
    assert missing.value.code == 1003
    assert "OpenDoc failed" in str(missing.value)


async def test_other_methods_are_refused_as_json_rpc_errors(source: QlikClient) -> None:
    app_id = str((await _source_app(source))["resourceId"])
    async with open_app(source, app_id) as doc:
        with pytest.raises(EngineError) as refused:
            await doc.call("DoReload", doc.handle, {})
        assert refused.value.code == -32601
        assert (await doc.sheet_counts()).base > 0  # the session survives an error
