"""Cursor pagination shared by every list endpoint (qlik-cloud-api.md §9.2).

Cursors are opaque base64url strings carrying an offset. Links are absolute, built from the
request's scheme and Host, keep every other query parameter and swap only the cursor, so a
client can GET ``links.next.href`` as-is (``@qlik/api``) or extract ``next`` (qlik-sdk).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from qlikreconcile.emulator.api.endpoint import Ctx
from qlikreconcile.emulator.api.errors import bad_request

T = TypeVar("T")


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(ctx: Ctx, text: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError) as exc:
        raise bad_request(ctx.service, f"Invalid cursor '{text}'") from exc
    if offset < 0:
        raise bad_request(ctx.service, f"Invalid cursor '{text}'")
    return offset


def parse_limit(ctx: Ctx, *, default: int, maximum: int) -> int:
    raw = ctx.query("limit")
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError as exc:
        raise bad_request(ctx.service, f"limit must be an integer, got '{raw}'") from exc
    if not 1 <= limit <= maximum:
        raise bad_request(ctx.service, f"limit must be between 1 and {maximum}")
    return limit


def href(ctx: Ctx, params: dict[str, str]) -> str:
    query = urlencode(params)
    return f"{ctx.base_url()}{ctx.request.url.path}" + (f"?{query}" if query else "")


@dataclass
class Page(Generic[T]):
    data: list[T]
    links: dict[str, dict[str, str]]
    total: int


def paginate(
    ctx: Ctx,
    items: Sequence[T],
    *,
    default: int,
    maximum: int,
    next_param: str = "next",
    prev_param: str = "prev",
) -> Page[T]:
    """Slice ``items`` by the request's limit and cursor; build self/next/prev links."""
    limit = parse_limit(ctx, default=default, maximum=maximum)
    offset = 0
    for param in {next_param, prev_param}:
        cursor = ctx.query(param)
        if cursor:
            offset = decode_cursor(ctx, cursor)
    window = list(items[offset : offset + limit])
    base = {k: v for k, v in ctx.request.query_params.items() if k not in (next_param, prev_param)}
    links: dict[str, dict[str, str]] = {"self": {"href": href(ctx, dict(ctx.request.query_params))}}
    if offset + limit < len(items):
        links["next"] = {"href": href(ctx, {**base, next_param: encode_cursor(offset + limit)})}
    if offset > 0:
        links["prev"] = {
            "href": href(ctx, {**base, prev_param: encode_cursor(max(0, offset - limit))})
        }
    return Page(window, links, len(items))


def page_body(page: Page[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"data": page.data, "links": page.links, **extra}
