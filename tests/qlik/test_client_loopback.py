"""The client over real HTTP: the emulator served by uvicorn on a loopback port.

``LoopbackTransport`` sends ``https://HOST/...`` to ``http://127.0.0.1:PORT/...`` keeping
``Host: HOST``, so the client still addresses real Qlik URLs. Also covers timeouts, which only a
real socket can produce: an idempotent GET is retried, a POST is not (the change may have landed).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from qlikreconcile.emulator import SOURCE_HOST, EmulatorConfig, create_app
from qlikreconcile.errors import TransportError
from qlikreconcile.qlik import Credentials, LoopbackTransport, QlikSession
from qlikreconcile.qlik.aiohttp_pool import LARGE_BODY
from qlikreconcile.qlik.discover import read_fleet
from qlikreconcile.qlik.engine import count_sheets
from qlikreconcile.qlik.pools import HostPools
from qlikreconcile.qlik.refs import TenantRef

pytestmark = pytest.mark.http

CLIENT_ID = "emulator-client"
CLIENT_SECRET = "loopback-secret-1a2b"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    config = EmulatorConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config=config),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            ws="websockets-sansio",
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _admin(base_url: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, base_url + path, headers={"Host": SOURCE_HOST}, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


async def _admin_async(base_url: str, method: str, path: str, **kwargs: Any) -> Any:
    async with httpx.AsyncClient(base_url=base_url, headers={"Host": SOURCE_HOST}) as admin:
        response = await admin.request(method, path, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


@pytest.fixture
def served(base_url: str) -> Iterator[str]:
    _admin(base_url, "POST", "/_emulator/reset")
    _admin(base_url, "POST", "/_emulator/faults", json={})
    yield base_url
    _admin(base_url, "POST", "/_emulator/faults", json={})


async def _no_sleep(_seconds: float) -> None:
    return None


def _session(base_url: str, **kwargs: Any) -> QlikSession:
    return QlikSession(
        credentials=Credentials(client_id=CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET)),
        transport=LoopbackTransport(base_url),
        sleep=_no_sleep,
        **kwargs,
    )


def test_loopback_transport_refuses_remote_destinations() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LoopbackTransport("http://10.0.0.5:8765")


async def test_requests_reach_the_served_emulator_with_host_kept(served: str) -> None:
    async with _session(served) as session:
        source = session.client(SOURCE_HOST)
        me = await source.get_following_redirect("/api/v1/users/me")
        for n in range(3):
            await source.post_json("/api/v1/spaces", {"name": f"Loop {n}", "type": "shared"})
        names = [s["name"] async for s in source.paginate("/api/v1/spaces", params={"limit": 1})]
        items = [i async for i in source.paginate("/api/v1/items", params={"resourceType": "app"})]
        app_id = items[0]["resourceId"]
        data = await source.fetch_export(f"/api/v1/apps/{app_id}/export")

    assert me["tenantId"]
    assert sorted(names) == ["Loop 0", "Loop 1", "Loop 2", "Templates"]
    assert data
    log = (await _admin_async(served, "GET", "/_emulator/requests"))["data"]
    assert {r["host"] for r in log} == {SOURCE_HOST}
    assert sum(r["path"] == "/oauth/token" for r in log) == 1
    assert sum(r["path"] == "/api/v1/spaces" and r["method"] == "GET" for r in log) == 4


async def test_timeouts_retry_get_but_never_post(served: str) -> None:
    async with _session(served, max_retries=2) as session:
        source = session.client(SOURCE_HOST)
        await source.get_json("/api/v1/spaces")  # token in hand before the fault
        await _admin_async(served, "DELETE", "/_emulator/requests")
        await _admin_async(served, "POST", "/_emulator/faults", json={"latency_ms": 400})
        fast = 0.1
        with pytest.raises(TransportError) as get_error:
            await source.request("GET", "/api/v1/spaces", timeout_seconds=fast)
        with pytest.raises(TransportError) as post_error:
            await source.request(
                "POST",
                "/api/v1/spaces",
                json={"name": "Slow", "type": "shared"},
                timeout_seconds=fast,
            )
        stats = session.stats.host(SOURCE_HOST)

    assert "timed out" in str(get_error.value)
    assert post_error.value.method == "POST"
    assert stats.retries == 2  # the GET's two retries; none for the POST
    await _admin_async(served, "POST", "/_emulator/faults", json={})
    await asyncio.sleep(0.5)  # let the server finish the requests the client gave up on
    log = (await _admin_async(served, "GET", "/_emulator/requests"))["data"]
    assert sum(r["method"] == "GET" for r in log) == 3
    assert sum(r["method"] == "POST" for r in log) == 1


async def test_sheets_are_counted_over_a_real_websocket(served: str) -> None:
    """The engine socket goes to the loopback port with the tenant's Host, like REST calls."""
    async with _session(served) as session:
        client = session.client(SOURCE_HOST)
        items = [i async for i in client.paginate("/api/v1/items", params={"resourceType": "app"})]
        app_id = str(items[0]["resourceId"])
        await _admin_async(
            served,
            "POST",
            f"/_emulator/tenants/{SOURCE_HOST}/apps/{app_id}/sheets",
            json={"title": "Mine", "type": "community", "ownerId": "customer-1"},
        )
        counts = await count_sheets(client, app_id)
    assert counts.community == 1
    assert counts.base > 0
    log = _admin(served, "GET", "/_emulator/requests")["data"]
    assert any(r["path"] == f"/app/{app_id}" and r["status"] == 101 for r in log)


async def test_a_pool_per_host_and_idle_pools_closed_beyond_the_cap(served: str) -> None:
    pools = HostPools(max_open=2)
    creds = Credentials(client_id=CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET))
    session = QlikSession(
        credentials=creds, transport=LoopbackTransport(served, inner=pools), max_in_flight=3
    )
    hosts = [SOURCE_HOST, "nobody1.eu.qlikcloud.com", "nobody2.us.qlikcloud.com"]
    async with session:
        for host in hosts:
            client = session.client(host)
            # More requests at once than the cap in flight: they wait, none fails.
            found = await asyncio.gather(*(client.host_exists() for _ in range(4)))
            assert found == [host == SOURCE_HOST] * 4
            assert len(pools) <= 2
        answers = await asyncio.gather(
            *(session.client(SOURCE_HOST).get_json("/api/v1/spaces") for _ in range(10))
        )
    assert all("data" in a for a in answers)
    assert session.in_flight.limit == 3


async def test_a_tenants_connections_close_when_its_read_is_over(served: str) -> None:
    """Only hosts still in use keep connections: a fleet's read does not hold hundreds."""
    pools = HostPools()
    creds = Credentials(client_id=CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET))
    refs = [TenantRef(f"t{n}", f"t{n}.eu.qlikcloud.com") for n in range(3)]
    async with QlikSession(
        credentials=creds, transport=LoopbackTransport(served, inner=pools)
    ) as session:
        await session.client(SOURCE_HOST).get_json("/api/v1/spaces")
        actual = await read_fleet(session, refs)
        assert len(pools) == 1  # the source host's, used outside the read
    assert not actual.resources  # no such tenants: their hosts were asked, nothing found
    contacted = {r["host"] for r in _admin(served, "GET", "/_emulator/requests")["data"]}
    assert {ref.host for ref in refs} <= contacted


async def test_a_refused_connection_is_a_connect_error_and_retried() -> None:
    """Nothing was sent: aiohttp's connector error reaches the retry rules as httpx's."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    async with _session(f"http://127.0.0.1:{port}", max_retries=2) as session:
        with pytest.raises(TransportError) as error:
            await session.client(SOURCE_HOST).get_json("/api/v1/spaces")
        stats = session.stats.host(SOURCE_HOST)
    assert isinstance(error.value.__cause__, httpx.ConnectError)
    assert "no answer (ConnectError)" in str(error.value)
    assert stats.retries == 2


async def test_a_large_upload_goes_through_httpx_own_transport(served: str) -> None:
    """aiohttp has no write timeout: bodies above LARGE_BODY keep httpx's (same route and Host)."""
    async with _session(served) as session:
        source = session.client(SOURCE_HOST)
        await source.get_json("/api/v1/spaces")
        await _admin_async(served, "DELETE", "/_emulator/requests")
        body = b"\0" * (LARGE_BODY + 1)
        answer = await source.request(
            "POST", "/api/v1/apps/import", content=body, expected=range(200, 500)
        )
    log = (await _admin_async(served, "GET", "/_emulator/requests"))["data"]
    assert [(r["host"], r["method"], r["path"]) for r in log] == [
        (SOURCE_HOST, "POST", "/api/v1/apps/import")
    ]
    assert log[0]["status"] == answer.status_code
    assert "network_stream" in answer.extensions  # httpcore's answer, not aiohttp's


async def test_the_loopback_route_ignores_proxies(
    served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy is another machine: the served emulator's route never carries a token there, over
    HTTP or over an engine socket (whose library looks for proxies of its own)."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "WSS_PROXY", "WS_PROXY", "ALL_PROXY"):
        for spelled in (name, name.lower()):
            monkeypatch.setenv(spelled, "http://127.0.0.1:9")  # nothing listens: a use fails
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with _session(served, max_retries=0) as session:
        client = session.client(SOURCE_HOST)
        spaces = await client.get_json("/api/v1/spaces")
        items = await client.get_json("/api/v1/items", params={"resourceType": "app"})
        counts = await count_sheets(client, str(items["data"][0]["resourceId"]))
    assert spaces["data"]
    assert counts.base > 0
