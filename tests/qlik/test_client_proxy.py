"""The connections honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment, as httpx's
client did, and so do the engine's sockets (the websockets library's own lookup); the served
emulator's loopback route never uses a proxy (test_client_loopback.py)."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from qlikreconcile.errors import EngineError, TransportError
from qlikreconcile.qlik import Credentials, QlikSession
from qlikreconcile.qlik.aiohttp_pool import env_proxy
from qlikreconcile.qlik.websocket import open_network

HOST = "acme.eu.qlikcloud.com"
PROXY_PASSWORD = "proxy-secret-9zq"
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY", "WSS_PROXY", "WS_PROXY")


class RefusingProxy:
    """A local HTTP proxy that refuses every tunnel, keeping what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.asked.append((await reader.readuntil(b"\r\n\r\n")).decode("latin-1"))
        writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


@pytest.fixture
async def proxy() -> AsyncIterator[RefusingProxy]:
    refusing = RefusingProxy()
    server = await asyncio.start_server(refusing.handle, "127.0.0.1", 0)
    refusing.url = f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield refusing


async def test_requests_to_qlik_go_through_the_environment_proxy(
    clean_env: pytest.MonkeyPatch, proxy: RefusingProxy
) -> None:
    clean_env.setenv("HTTPS_PROXY", f"http://ops:{PROXY_PASSWORD}@{proxy.url}")
    creds = Credentials(client_id="c", client_secret=SecretStr("s"))
    async with QlikSession(credentials=creds, max_retries=0) as session:
        with pytest.raises(TransportError) as error:
            await session.client(HOST).get_json("/api/v1/spaces")
    assert isinstance(error.value.__cause__, httpx.ProxyError)  # as httpx's client raised
    (asked,) = proxy.asked  # the token request, tunnelled to the tenant
    assert asked.startswith(f"CONNECT {HOST}:443 HTTP/1.1\r\n")
    assert "Proxy-Authorization: Basic b3BzOnByb3h5LXNlY3JldC05enE=\r\n" in asked
    assert PROXY_PASSWORD not in str(error.value)


def test_no_proxy_and_the_scheme_decide(clean_env: pytest.MonkeyPatch) -> None:
    url = httpx.URL(f"https://{HOST}/api/v1/spaces")
    assert env_proxy(url) == (None, None)
    clean_env.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    assert env_proxy(url) == (None, None)  # an https URL takes HTTPS_PROXY only
    clean_env.setenv("https_proxy", "http://127.0.0.1:3129")
    assert env_proxy(url) == ("http://127.0.0.1:3129", None)
    clean_env.setenv("NO_PROXY", ".qlikcloud.com")
    assert env_proxy(url) == (None, None)


async def test_engine_sockets_go_through_the_environment_proxy(
    clean_env: pytest.MonkeyPatch, proxy: RefusingProxy
) -> None:
    clean_env.setenv("HTTPS_PROXY", f"http://ops:{PROXY_PASSWORD}@{proxy.url}")
    url = httpx.URL(f"https://{HOST}/app/0b6a1f1e")
    with pytest.raises(EngineError) as error:
        await open_network(url, {"Authorization": "Bearer token-not-for-the-proxy"})
    assert "the proxy refused the tunnel (403)" in str(error.value)
    (asked,) = proxy.asked
    assert asked.startswith(f"CONNECT {HOST}:443 HTTP/1.1\r\n")
    assert "Proxy-Authorization: Basic b3BzOnByb3h5LXNlY3JldC05enE=\r\n" in asked
    assert "token-not-for-the-proxy" not in asked  # the tunnel's request carries no bearer


async def test_an_engine_socket_through_a_bad_proxy_address_names_the_fix(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("HTTPS_PROXY", f"ftp://ops:{PROXY_PASSWORD}@proxy.example:21")
    with pytest.raises(EngineError) as error:
        await open_network(httpx.URL(f"https://{HOST}/app/0b6a1f1e"), {})
    assert "HTTPS_PROXY" in str(error.value)
    assert PROXY_PASSWORD not in str(error.value)


@pytest.mark.skipif(importlib.util.find_spec("python_socks") is not None, reason="installed")
async def test_an_engine_socket_through_socks_names_the_missing_package(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("HTTPS_PROXY", f"socks5h://ops:{PROXY_PASSWORD}@proxy.example:1080")
    with pytest.raises(EngineError) as error:
        await open_network(httpx.URL(f"https://{HOST}/app/0b6a1f1e"), {})
    assert "python-socks" in str(error.value)
    assert PROXY_PASSWORD not in str(error.value)
