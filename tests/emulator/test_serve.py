"""``serve`` under uvicorn on a loopback port, reached through a Host-preserving transport."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from qlikreconcile.emulator import SOURCE_HOST

SERVE = (
    "import sys\n"
    "from qlikreconcile.emulator import EmulatorConfig, serve\n"
    "serve(port=int(sys.argv[1]), state_file=None, config=EmulatorConfig.from_env())\n"
)


class LoopbackTransport(httpx.AsyncBaseTransport):
    """Send real Qlik URLs to 127.0.0.1:PORT, keeping the original Host header."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Host"] = request.url.host
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server_port() -> Iterator[int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("emulator did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.http
async def test_serve_answers_real_http(server_port: int) -> None:
    transport = LoopbackTransport(server_port)
    async with httpx.AsyncClient(transport=transport, base_url=f"https://{SOURCE_HOST}") as c:
        r = await c.post(
            "/oauth/token",
            json={
                "client_id": "emulator-client",
                "client_secret": "emulator-secret",
                "grant_type": "client_credentials",
            },
        )
        assert r.status_code == 200
        c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        spaces = (await c.get("/api/v1/spaces")).json()
        assert [s["name"] for s in spaces["data"]] == ["Templates"]
        # Absolute links carry the Host the client used (scheme: that of the loopback hop).
        assert spaces["links"]["self"]["href"].startswith(f"http://{SOURCE_HOST}/api/v1/spaces")


@pytest.mark.http
async def test_cli_serve_default_host() -> None:
    """`emulator serve --default-host` picks the tenant a plain http://127.0.0.1:PORT reaches."""
    from tests.emulator.served import served_emulator

    body = {
        "client_id": "emulator-client",
        "client_secret": "emulator-secret",
        "grant_type": "client_credentials",
    }
    with served_emulator() as port:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            token = (await c.post("/oauth/token", json=body)).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            me = await c.get("/api/v1/tenants/me", headers=auth)
            tenant = (await c.get(me.headers["Location"], headers=auth)).json()
            assert tenant["hostnames"] == [SOURCE_HOST]
    with served_emulator("--default-host", "nobody.eu.qlikcloud.com") as port:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            assert (await c.post("/oauth/token", json=body)).status_code == 404
