"""OAuth client credentials against the emulator: caching, host scoping, refresh, 401 handling."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.errors import AuthError, NotFoundError
from qlikreconcile.qlik import QlikSession, quirks

if TYPE_CHECKING:
    from conftest import Emulator

CLIENT_ID = "emulator-client"
REGISTER_HOST = "register.eu.qlikcloud.com"


def _count(log: list[dict[str, object]], method: str, path: str) -> int:
    return sum(1 for r in log if r["method"] == method and r["path"] == path)


async def test_token_fetched_once_and_cached_per_host(
    emulator: Emulator, session: QlikSession
) -> None:
    source = session.client(SOURCE_HOST)
    await asyncio.gather(*(source.get_json("/api/v1/spaces") for _ in range(20)))
    await source.get_json("/api/v1/spaces")

    log = await emulator.requests(host=SOURCE_HOST)
    assert _count(log, "POST", "/oauth/token") == 1
    assert _count(log, "GET", "/api/v1/spaces") == 21
    assert session.client(SOURCE_HOST) is source


async def test_each_host_gets_its_own_token(emulator: Emulator, session: QlikSession) -> None:
    """The OEM flow of Qlik's tutorials: source, register host, then the new tenant (doc §10 A)."""
    source = session.client(SOURCE_HOST)
    overview = await source.get_json("/api/v1/licenses/overview")
    register = session.client(REGISTER_HOST)
    tenant = await register.post_json(
        "/api/v1/tenants", {"licenseKey": overview["licenseKey"], "datacenter": "eu-west-1"}
    )
    target = session.client(tenant["hostnames"][0])
    me = await target.get_following_redirect("/api/v1/users/me")
    assert me["tenantId"] == tenant["id"]

    hosts = [SOURCE_HOST, REGISTER_HOST, target.host]
    tokens = [session.tokens.get(host, CLIENT_ID) for host in hosts]
    assert all(t is not None for t in tokens)
    assert len({t.value for t in tokens if t is not None}) == 3
    for host in hosts:
        assert _count(await emulator.requests(host=host), "POST", "/oauth/token") == 1


async def test_token_refreshed_before_expiry_without_a_401(
    emulator: Emulator, session: QlikSession
) -> None:
    source = session.client(SOURCE_HOST)
    await source.get_json("/api/v1/spaces")
    first = session.tokens.get(SOURCE_HOST, CLIENT_ID)
    assert first is not None
    emulator.clock.advance(first.expires_at - emulator.clock.now - 30)  # inside the margin

    await source.get_json("/api/v1/spaces")

    log = await emulator.requests(host=SOURCE_HOST)
    assert _count(log, "POST", "/oauth/token") == 2
    assert all(r["status"] != 401 for r in log)
    second = session.tokens.get(SOURCE_HOST, CLIENT_ID)
    assert second is not None
    assert second.value != first.value


async def test_rejected_token_is_replaced_and_the_call_retried_once(
    emulator: Emulator, session: QlikSession
) -> None:
    source = session.client(SOURCE_HOST)
    await source.get_json("/api/v1/spaces")
    await emulator.admin("POST", "/_emulator/reset")  # forgets every issued token

    spaces = await source.get_json("/api/v1/spaces")

    assert spaces["data"]
    statuses = [(r["path"], r["status"]) for r in await emulator.requests(host=SOURCE_HOST)]
    assert statuses == [
        ("/api/v1/spaces", 401),
        ("/oauth/token", 200),
        ("/api/v1/spaces", 200),
    ]


async def test_bad_credentials_raise_auth_error_without_the_secret(emulator: Emulator) -> None:
    async with emulator.session(secret="wrong-secret-7d1e") as session:
        with pytest.raises(AuthError) as caught:
            await session.client(SOURCE_HOST).get_json("/api/v1/spaces")
    exc = caught.value
    assert exc.status == 401
    assert exc.code == "OAUTH-11"
    assert exc.url == f"https://{SOURCE_HOST}/oauth/token"
    assert "wrong-secret-7d1e" not in str(exc)
    assert "wrong-secret-7d1e" not in repr(exc)
    # Not retried: a wrong secret stays wrong.
    assert len(await emulator.requests()) == 1


async def test_unknown_host_means_tenant_absent(emulator: Emulator, session: QlikSession) -> None:
    gone = session.client("nobody.eu.qlikcloud.com")
    with pytest.raises(NotFoundError) as caught:
        await gone.get_json("/api/v1/spaces")
    assert quirks.is_absent_host_error(caught.value)
    assert await gone.host_exists() is False
    assert await session.client(SOURCE_HOST).host_exists() is True
