"""Requests against the emulator: pagination, redirects, export download, typed errors, 429s."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.errors import ApiError, ConflictError, NotFoundError, RateLimitError
from qlikreconcile.qlik import QlikClient, QlikSession, quirks

if TYPE_CHECKING:
    from conftest import Emulator


async def _template_app_id(client: QlikClient) -> str:
    items = [i async for i in client.paginate("/api/v1/items", params={"resourceType": "app"})]
    return str(items[0]["resourceId"])


async def test_paginate_follows_next_links_across_pages(
    emulator: Emulator, source: QlikClient
) -> None:
    names = [f"Space {n}" for n in range(7)]
    for name in names:
        await source.post_json("/api/v1/spaces", {"name": name, "type": "shared"})
    await emulator.clear_requests()

    found = [s["name"] async for s in source.paginate("/api/v1/spaces", params={"limit": 2})]

    assert sorted(found) == sorted([*names, "Templates"])
    gets = [r for r in await emulator.requests() if r["path"] == "/api/v1/spaces"]
    assert len(gets) == 4  # 8 spaces, 2 per page
    assert all("limit=2" in str(r["query"]) for r in gets)


async def test_paginate_defaults_limit_to_100(emulator: Emulator, source: QlikClient) -> None:
    assert [s["name"] async for s in source.paginate("/api/v1/spaces")] == ["Templates"]
    (get,) = [r for r in await emulator.requests() if r["path"] == "/api/v1/spaces"]
    assert get["query"] == "limit=100"


async def test_users_me_redirect_is_followed_with_auth(
    emulator: Emulator, source: QlikClient
) -> None:
    me = await source.get_following_redirect("/api/v1/users/me")
    assert me["subject"].endswith(emulator.config.client_id)
    statuses = [(r["path"], r["status"]) for r in await emulator.requests()]
    assert ("/api/v1/users/me", quirks.USERS_ME_REDIRECT_STATUS) in statuses
    assert (f"/api/v1/users/{me['id']}", 200) in statuses


async def test_tenants_me_redirect(emulator: Emulator, source: QlikClient) -> None:
    me = await source.get_following_redirect("/api/v1/users/me")
    tenant = await source.get_following_redirect("/api/v1/tenants/me")
    assert tenant["id"] == me["tenantId"]
    assert SOURCE_HOST in tenant["hostnames"]
    statuses = [(r["path"], r["status"]) for r in await emulator.requests()]
    assert ("/api/v1/tenants/me", quirks.TENANTS_ME_REDIRECT_STATUS) in statuses


async def test_export_then_download_returns_the_file(
    emulator: Emulator, source: QlikClient
) -> None:
    app_id = await _template_app_id(source)

    data = await source.fetch_export(f"/api/v1/apps/{app_id}/export", params={"NoData": True})

    assert data
    log = await emulator.requests()
    export = next(r for r in log if r["path"].endswith("/export"))
    assert export["status"] == 201
    assert export["query"] == "NoData=true"
    assert any(r["path"].startswith("/api/v1/temp-contents/") for r in log)
    # The bytes import back as an app.
    response = await source.request("POST", "/api/v1/apps/import", content=data)
    assert response.json()["attributes"]["id"] != app_id


async def test_download_by_location(source: QlikClient) -> None:
    app_id = await _template_app_id(source)
    response = await source.request(
        "POST", f"/api/v1/apps/{app_id}/export", expected=quirks.EXPORT_LOCATION_STATUSES
    )
    location = response.headers["location"]
    assert await source.download(location) == await source.download(
        location.removeprefix("/api/v1/")
    )


async def test_unknown_space_is_a_typed_404_with_code_and_trace_id(source: QlikClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await source.get_json("/api/v1/spaces/000000000000000000000000")
    exc = caught.value
    assert exc.status == 404
    assert exc.method == "GET"
    assert exc.url == f"https://{SOURCE_HOST}/api/v1/spaces/000000000000000000000000"
    assert exc.code
    assert exc.trace_id
    assert exc.trace_id in str(exc)


async def test_duplicate_space_is_a_conflict(emulator: Emulator, source: QlikClient) -> None:
    await source.post_json("/api/v1/spaces", {"name": "Dup", "type": "shared"})
    await emulator.clear_requests()
    with pytest.raises(ConflictError) as caught:
        await source.post_json("/api/v1/spaces", {"name": "Dup", "type": "shared"})
    exc = caught.value
    assert exc.status == 409
    assert exc.code
    assert exc.detail
    assert exc.trace_id
    assert len(await emulator.requests()) == 1  # a 409 is final


async def test_pending_reload_429_is_surfaced_not_retried(
    emulator: Emulator, session: QlikSession, source: QlikClient
) -> None:
    app_id = await _template_app_id(source)
    await source.post_json("/api/v1/reloads", {"appId": app_id})

    with pytest.raises(RateLimitError) as caught:
        await source.post_json("/api/v1/reloads", {"appId": app_id})

    exc = caught.value
    assert quirks.is_pending_reload(exc)
    assert not quirks.is_rate_limit(exc)
    assert exc.code
    assert exc.detail
    assert "pending" in exc.detail.lower()
    posts = [r for r in await emulator.requests() if r["path"] == "/api/v1/reloads"]
    assert [r["status"] for r in posts] == [201, 429]
    assert emulator.sleeps == []
    assert session.stats.host(SOURCE_HOST).retries == 0


async def test_rate_limit_429_waits_retry_after_then_succeeds(emulator: Emulator) -> None:
    emulator.config.rate_limits = True
    async with emulator.session() as session:
        client = session.client(SOURCE_HOST)
        created = 0
        while not emulator.sleeps:  # tier 2 allows 100 writes a minute
            await client.post_json("/api/v1/spaces", {"name": f"S{created}", "type": "shared"})
            created += 1
        stats = session.stats.host(SOURCE_HOST)

    assert created == 101  # the 101st POST was answered 429, waited for, and retried once
    limited = [r for r in await emulator.requests() if r["status"] == 429]
    assert len(limited) == 1
    assert stats.rate_limited == 1
    assert stats.retries == 1
    assert emulator.sleeps[0] >= 1.0


async def test_rate_limit_error_after_the_budget_is_spent(emulator: Emulator) -> None:
    emulator.config.rate_limits = True
    async with emulator.session(max_retries=0) as session:
        client = session.client(SOURCE_HOST)
        for n in range(100):  # the tier 2 budget of one minute
            await client.post_json("/api/v1/spaces", {"name": f"S{n}", "type": "shared"})
        with pytest.raises(RateLimitError) as caught:
            await client.post_json("/api/v1/spaces", {"name": "one too many", "type": "shared"})
    exc = caught.value
    assert exc.code == quirks.RATE_LIMIT_CODE
    assert exc.retry_after is not None
    assert exc.retry_after > 0
    assert quirks.is_rate_limit(exc)


async def test_unexpected_status_raises_even_on_success(source: QlikClient) -> None:
    with pytest.raises(ApiError) as caught:
        await source.request("GET", "/api/v1/users/me", expected=(200,))
    assert caught.value.status == quirks.USERS_ME_REDIRECT_STATUS


async def test_foreign_absolute_urls_are_refused(source: QlikClient) -> None:
    with pytest.raises(ValueError, match="not on host"):
        await source.get_json("https://evil.example.com/api/v1/spaces")
