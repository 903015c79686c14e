"""The session's lean httpx client builds the very requests httpx's own client builds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from qlikreconcile.qlik import httpx_client
from qlikreconcile.qlik.httpx_client import LeanAsyncClient

CONFIG: dict[str, Any] = {
    "headers": {"User-Agent": "qlikreconcile", "Accept": "application/json", "X-Api": "1"},
    "timeout": httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=30.0),
}
URL = "https://acme.eu.qlikcloud.com/api/v1/items?resourceType=app&limit=100"

CASES: list[tuple[str, str | httpx.URL, dict[str, Any]]] = [
    ("GET", httpx.URL(URL), {}),  # the lean path
    ("DELETE", httpx.URL("https://acme.eu.qlikcloud.com:8443/api/v1/spaces/s1"), {}),
    ("HEAD", httpx.URL(URL), {}),
    ("GET", URL, {}),  # a string URL: httpx's path
    ("GET", httpx.URL(URL), {"headers": {"Accept": "text/plain"}}),
    ("GET", httpx.URL(URL), {"timeout": 5.0}),
    ("GET", httpx.URL(URL), {"params": {"limit": 5}}),
    ("POST", httpx.URL(URL), {"json": {"name": "x"}}),
    ("PUT", httpx.URL(URL), {"content": b"abc"}),
    ("DELETE", httpx.URL(URL), {"headers": {"If-Match": "1"}}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), CASES)
async def test_a_request_is_built_as_httpx_builds_it(
    method: str, url: str | httpx.URL, kwargs: dict[str, Any]
) -> None:
    async with LeanAsyncClient(**CONFIG) as lean, httpx.AsyncClient(**CONFIG) as plain:
        ours = lean.build_request(method, url, **kwargs)
        theirs = plain.build_request(method, url, **kwargs)
    assert (ours.method, ours.url) == (theirs.method, theirs.url)
    lean_path = isinstance(url, httpx.URL) and not kwargs and method != "POST"
    assert (ours.stream is httpx_client._NO_BODY) == lean_path
    assert ours.headers.raw == theirs.headers.raw
    assert ours.extensions == theirs.extensions
    assert await ours.aread() == await theirs.aread()


async def test_client_headers_changed_later_are_sent() -> None:
    async with LeanAsyncClient(**CONFIG) as lean:
        lean.headers["X-Api"] = "2"
        request = lean.build_request("GET", httpx.URL(URL))
    assert request.headers["X-Api"] == "2"
    assert request.headers.raw[0] == (b"Host", b"acme.eu.qlikcloud.com")


async def test_cookies_set_on_the_client_are_sent() -> None:
    async with LeanAsyncClient(**CONFIG, cookies={"session": "abc"}) as lean:
        request = lean.build_request("GET", httpx.URL(URL))
    assert request.headers["Cookie"] == "session=abc"


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/spaces", ""),
        ("/api/v1/items", "resourceType=app&limit=100"),
        ("/api/v1/apps/0a1b-2C3d/scripts", "limit=1&x=a+b"),
        ("/api/v1/groups", "filter=name+eq+%22acme-viewers%22"),
        ("/api/v1/groups", "filter=%2g%C3%A9"),  # not an escape: parsed
        ("/api/v1/spaces/a b", ""),  # a space: parsed (and quoted by httpx)
        ("/api/v1/spaces/é", "q=ü"),  # not ASCII: parsed
        ("/", ""),
        ("/api/v1/./spaces/../items", ""),  # dot segments: parsed (httpx removes them)
        ("/api/v1/apps/.x", ""),
    ],
)
def test_url_on_equals_the_parsed_url(path: str, query: str) -> None:
    origin = httpx.URL("https://acme.eu.qlikcloud.com")
    text = f"{origin}{path}?{query}" if query else f"{origin}{path}"
    ours, parsed = httpx_client.url_on(origin, path, query), httpx.URL(text)
    assert ours == parsed
    assert (str(ours), ours.raw_path, ours.netloc, ours.params) == (
        str(parsed),
        parsed.raw_path,
        parsed.netloc,
        parsed.params,
    )


def test_url_on_reuses_the_origin_on_this_httpx() -> None:
    """If httpx's URL changes shape, url_on parses every URL again: this says it does not."""
    assert httpx_client._reuse_parse_result()
