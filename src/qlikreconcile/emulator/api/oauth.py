"""OAuth at the host root: ``/oauth/token``, ``/oauth/revoke``, discovery, and the CSRF token.

``POST /oauth/token`` issues client-credentials tokens scoped to the host that issued them.
Credentials may come in a JSON or form body and/or HTTP Basic (qlik-sdk sends Basic only, with
``grant_type`` and ``scope`` in a JSON body). The first token of a client on a tenant creates
its bot user with the TenantAdmin role. ``/.well-known/oauth-authorization-server`` answers
RFC 8414 metadata with absolute URLs on the Host the client used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError
from qlikreconcile.emulator.state.tokens import issue_token, revoke_token
from qlikreconcile.emulator.timefmt import iso

DEFAULT_SCOPE = "user_default"


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


async def _params(ctx: Ctx) -> dict[str, Any]:
    raw = await ctx.raw_body()
    content_type = ctx.request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode(errors="replace")))
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        # Lenient: some clients post forms without a content type.
        return dict(parse_qsl(raw.decode(errors="replace")))
    if not isinstance(data, dict):
        raise QlikError(
            400, "OAUTH-1", "Invalid request", "Body must be an object", service="oauth"
        )
    return data


@endpoint(service="oauth", hosts="both", auth=False)
async def token(ctx: Ctx) -> Response:
    params = await _params(ctx)
    basic = _basic(ctx.request.headers.get("authorization", ""))
    client_id = str(params.get("client_id") or (basic[0] if basic else ""))
    secret = str(params.get("client_secret") or (basic[1] if basic else ""))
    if params.get("grant_type") != "client_credentials":
        raise QlikError(
            400,
            "OAUTH-1",
            "Invalid request",
            "grant_type must be client_credentials",
            service="oauth",
        )
    if not client_id or not secret:
        raise QlikError(
            400,
            "OAUTH-1",
            "Invalid request",
            "client_id and client_secret are required",
            service="oauth",
        )
    config = ctx.store.config
    if basic and (basic[0] != client_id or basic[1] != secret):
        raise QlikError(401, "OAUTH-11", "Invalid client credentials", service="oauth")
    if client_id != config.client_id or secret != config.client_secret:
        raise QlikError(401, "OAUTH-11", "Invalid client credentials", service="oauth")
    scope = str(params.get("scope") or DEFAULT_SCOPE)
    record = issue_token(
        ctx.store, host=ctx.host.name, tenant=ctx.tenant_or_none, client_id=client_id, scope=scope
    )
    body: dict[str, Any] = {
        "access_token": record.token,
        "token_type": "bearer",
        "expires_at": iso(record.expires_at),
        "scope": scope,
    }
    if config.quirks.token_includes_expires_in:
        body["expires_in"] = config.token_ttl_seconds
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@endpoint(service="oauth", hosts="both", auth=False)
async def revoke(ctx: Ctx) -> Response:
    """RFC 7009: 200 whether or not the token existed; 400 without a token."""
    params = await _params(ctx)
    value = params.get("token")
    if not isinstance(value, str) or not value:
        raise QlikError(400, "OAUTH-1", "Invalid request", "token is required", service="oauth")
    record = ctx.store.state.tokens.get(value)
    if record is not None and record.host == ctx.host.name:
        revoke_token(ctx.store, value)
    return Response(status_code=200)


@endpoint(service="oauth", hosts="both", auth=False)
async def metadata(ctx: Ctx) -> Response:
    """RFC 8414 discovery, absolute URLs on the host the client used."""
    base = ctx.base_url()
    return JSONResponse(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "jwks_uri": f"{base}/.well-known/jwks.json",
            # What the emulator implements, not every grant Qlik documents (COVERAGE.md).
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": [],
        }
    )


@endpoint(service="default")
async def csrf_token(ctx: Ctx) -> Response:
    """``GET /api/v1/csrf-token``: 204 with a ``qlik-csrf-token`` header (quirk csrf_token)."""
    value = hashlib.sha256(f"csrf:{ctx.token.token if ctx.token else ''}".encode()).hexdigest()
    return Response(status_code=204, headers={"qlik-csrf-token": value[:32]})


ROUTES = [
    Route("/oauth/token", token, methods=["POST"]),
    Route("/oauth/revoke", revoke, methods=["POST"]),
    Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
    Route("/api/v1/csrf-token", csrf_token, methods=["GET"]),
]
