"""Client-side quirks: Qlik Cloud behaviours the public sources leave uncertain.

Each uncertain behaviour is one named constant or function here, with the source that makes it
uncertain (tags refer to ``shared/docs/qlik-cloud-api.md``). A check against a real tenant corrects
the client in one edit. The emulator keeps its own, independent list; the two must not share code.

Nothing here performs I/O; the functions are pure readings of bodies, headers and exceptions.

The uncertainties that matter most, and their counterparts in the emulator's own list
(``qlikreconcile.emulator.quirks``, also served at ``GET /_emulator/quirks``)::

    client (this module)              emulator quirk              what a real tenant would settle
    token_expiry                      token.expires_in            expires_at and/or expires_in
    EXPORT_LOCATION_STATUSES          apps.export                 201 + Location, or a redirect
    republish_check_origin            apps.republish.origin       how an upgrade re-links a copy
    REPUBLISH_KEEPS_USER_SHEETS       apps.republish.sheets       community/private sheets kept
    (engine.py: SheetCounts)          engine.sheets               wss bearer; private sheets hidden
    is_pending_reload                 (reloads 429 pending)       429 body of a pending reload
    is_transient_reload_failure       reloads.transient_failure   errorCode of engine failures
    DISABLED_TENANT_CODE              tenant.disabled             what a disabled tenant answers
    TENANT_PATCH_ON_OWN_HOST          tenant.alias                where the alias PATCH goes
    is_migrated_legacy_task_error     reload_tasks.removed        400 TASKS-001 on a migrated task
    (schedules.py: migratedFrom)      reload_tasks.migration      how Qlik's migrated copy shows
    PUBLISHED_ATTRIBUTES_BY_PUT       (apps PUT, any app)         a published copy's description

``tests/conformance`` runs the same scripted flow against the emulator and, with
``QLIKRECONCILE_LIVE_*`` set, against a real tenant (README, "Checking against a real tenant");
a difference it finds is corrected here and in the emulator's list, one edit each.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from qlikreconcile.errors import ApiError, NotFoundError, TransportError

DEFAULT_TOKEN_LIFETIME_SECONDS: float = 6 * 3600.0
"""Access token lifetime assumed when the token response states none.

[SPEC ``oauth-token-response``] documents ``expires_at`` (ISO date-time) and no ``expires_in``;
whether the live service also sends ``expires_in`` is unverified (doc §1.1, §13). The documented
default lifetime of an M2M access token is 360 min [DOC oauth-token-duration.htm].
"""


def token_expiry(body: Mapping[str, Any], *, now: float) -> float:
    """Absolute expiry (epoch seconds) of a token response.

    Precedence: ``expires_at`` (ISO 8601, the documented field), else ``expires_in`` (seconds,
    the OAuth 2 convention), else :data:`DEFAULT_TOKEN_LIFETIME_SECONDS` from ``now``.
    """
    expires_at = body.get("expires_at")
    if isinstance(expires_at, str) and expires_at:
        try:
            parsed = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.timestamp()
    expires_in = body.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
        return now + float(expires_in)
    return now + DEFAULT_TOKEN_LIFETIME_SECONDS


USERS_ME_REDIRECT_STATUS: int = 301
"""``GET /api/v1/users/me`` answers 301 + ``Location: /api/v1/users/{id}`` [SPEC; TS:users.d.ts]."""

TENANTS_ME_REDIRECT_STATUS: int = 302
"""``GET /api/v1/tenants/me`` answers 302 + ``Location`` [SPEC /v1/tenants/me]."""

REDIRECT_STATUSES: frozenset[int] = frozenset({301, 302, 303, 307, 308})
"""Every redirect status the client follows by hand (httpx does not follow by default)."""

EXPORT_LOCATION_STATUSES: frozenset[int] = frozenset({201}) | REDIRECT_STATUSES
"""App export answers with a ``Location`` to download.

[SPEC] says 201 + ``Location`` and no body; ``@qlik/api`` (2024-12 on) types it as 200 with a blob
and relies on ``fetch`` following redirects, so newer servers may answer 3xx (doc §4.2, §13).
A 200 carries the file itself.
"""

EXPORT_BODY_STATUS: int = 200
"""An export answered 200 carries the ``.qvf`` bytes in the body (the ``@qlik/api`` reading)."""


def resolve_export_location(location: str) -> str:
    """Turn an export ``Location`` into a path (or absolute URL) the client can GET.

    [SPEC] gives a tenant-relative path ``/api/v1/temp-contents/{id}``; a community client strips
    the leading ``/api/v1/`` before use [github Informatiqal/qlik-saas-api ``App.ts``], so a bare
    ``temp-contents/{id}`` is read as relative to ``/api/v1/``.
    """
    location = location.strip()
    if location.startswith(("https://", "http://", "/")):
        return location
    return "/api/v1/" + location


PUBLISHED_ATTRIBUTES_BY_PUT: bool = True
"""Adopting a published copy writes our marker with ``PUT /api/v1/apps/{id}`` (attributes
``name`` and ``description``), as on any app the caller may edit [SPEC /v1/apps/{appId} PUT].
Whether Qlik lets a tenant admin bot edit the attributes of an app in a managed space without
republishing is unverified; ``False`` makes adoption republish the copy instead (the republish
body carries the same attributes; customers' sheets are kept, quirk REPUBLISH_KEEPS_USER_SHEETS).
"""


PENDING_RELOAD_STATUS: int = 429
"""``POST /api/v1/reloads`` answers 429 when a reload for the app is already pending [SPEC].

That 429 is not a rate limit: Qlik did not queue the new reload and retrying will not help until
the pending one ends. The client never retries it; callers find the pending reload instead.
"""

RATE_LIMIT_CODE: str = "HTTP-429"
"""Error code of a genuine rate-limit body [AE: ``{"errors":[{"code":"HTTP-429",...}]}``]."""


def is_pending_reload(exc: BaseException) -> bool:
    """True when ``exc`` is the "a pending reload request already exists" answer to POST /reloads.

    Recognised as a 429 on ``POST .../api/v1/reloads`` that is not a genuine rate limit: its code
    is not ``HTTP-429`` and it carries no ``Retry-After`` (rate limits always do [AE]).
    """
    if not isinstance(exc, ApiError) or exc.status != PENDING_RELOAD_STATUS:
        return False
    if exc.method.upper() != "POST" or not httpx.URL(exc.url).path.rstrip("/").endswith(
        "/api/v1/reloads"
    ):
        return False
    return exc.code != RATE_LIMIT_CODE and exc.retry_after is None


TRANSIENT_RELOAD_ERROR_CODES: frozenset[str] = frozenset({"EngineConnectionError"})
"""``errorCode`` of a FAILED reload that failed outside its script.

[SPEC ``Reload.errorCode``] gives one example, ``EngineConnectionError`` with the message
"failed to complete reload: unexpected EOF": the engine was lost, the script never judged. The
codes of other failures are not documented (qlik-cloud-api.md §6.1).
"""

SCRIPT_ERROR_LINE = "The following error occurred"
"""How Qlik's reload log states a script error (a statement, a connector, a missing field)."""


def is_transient_reload_failure(reload: Mapping[str, Any]) -> bool:
    """True when a FAILED reload failed for a reason that is not its script (worth a retry).

    Assumed (no source lists the codes): a failure is transient when its ``errorCode`` is in
    :data:`TRANSIENT_RELOAD_ERROR_CODES`, or when its log states no script error (no
    :data:`SCRIPT_ERROR_LINE`) although it has one: the engine or the queue failed before or
    around the script. Without a log nothing says the script was not at fault: not retried.
    A script error (including a connection the script cannot use) is not transient; nor are
    CANCELED (someone meant it) and EXCEEDED_LIMIT (the same reload would exceed it again).
    Emulator counterpart: quirk ``reloads.transient_failure``.
    """
    if reload.get("status") != "FAILED":
        return False
    if reload.get("errorCode") in TRANSIENT_RELOAD_ERROR_CODES:
        return True
    log = str(reload.get("log") or "")
    return bool(log.strip()) and SCRIPT_ERROR_LINE not in log


def is_rate_limit(exc: BaseException) -> bool:
    """True for a genuine 429 rate limit (worth waiting ``Retry-After`` and trying again)."""
    return isinstance(exc, ApiError) and exc.status == 429 and not is_pending_reload(exc)


TENANT_PATCH_ON_OWN_HOST: bool = True
"""Where ``PATCH /api/v1/tenants/{id}`` (alias ``/hostnames/1``, ``/name``) is sent after a create.

[SPEC] and [TS:tenants.d.ts] name the register host only for create, deactivate and reactivate;
PATCH is an ordinary tenant call (tier 2) and Qlik's tutorials configure a new tenant with a token
issued by its own host (doc §10.A-B). So we send it to the tenant's generated display host
(``hostnames[0]`` of the 201 answer) with a token from that host; False sends it to the register
host instead (unverified against a live register host). After the PATCH, ``users/me`` on the
alias must answer with the new id (how fast a new alias answers on Qlik Cloud is not stated; the
client reads it once).
"""

TOKEN_PATH: str = "/oauth/token"
"""Token endpoint at the host root [SPEC ``/oauth/token``]."""


DISABLED_TENANT_CODE: str = "TENANTS-DISABLED"
"""Code the emulator answers (403, token endpoint and every call) for a deactivated tenant.

No source states what a disabled tenant's own host answers (doc §2); this is the emulator's
assumption and the client's reading of it.
"""


def is_disabled_tenant_error(exc: BaseException) -> bool:
    """True when an error means "the tenant exists but is deactivated"."""
    return isinstance(exc, ApiError) and exc.status == 403 and exc.code == DISABLED_TENANT_CODE


def is_absent_host_error(exc: BaseException) -> bool:
    """True when an error means "no tenant answers at this host".

    Real Qlik Cloud may fail DNS resolution for a hostname no tenant has, or answer 404 (unverified:
    no source states it). The emulator answers 404 for an unknown host on every path, including the
    token endpoint. Both readings mean "tenant absent":

    * a :class:`NotFoundError` from the token endpoint (a tenant host always has one);
    * a :class:`TransportError` caused by a name-resolution failure.

    Use it on errors of a host-level probe (``QlikClient.host_exists`` does); a 404 on an ordinary
    API path means a missing object, not a missing tenant.
    """
    if isinstance(exc, NotFoundError):
        return httpx.URL(exc.url).path == TOKEN_PATH
    if isinstance(exc, TransportError):
        cause: BaseException | None = exc.__cause__
        while cause is not None:
            if isinstance(cause, socket.gaierror):
                return True
            text = str(cause).lower()
            if isinstance(cause, httpx.ConnectError) and (
                "name or service not known" in text
                or "nodename nor servname" in text
                or "name resolution" in text
                or "getaddrinfo" in text
            ):
                return True
            cause = cause.__cause__ or cause.__context__
    return False


REPUBLISH_KEEPS_USER_SHEETS: bool = True
"""What upgrades assume a republish (``PUT /apps/{id}/publish``) does to users' own sheets.

No Qlik Cloud source states what happens to community and private sheets (and bookmarks) of the
published copy on republish (doc §4.3, §13). Engine ``autoreplace`` keeps non-approved objects and
client-managed "replace app" replaces only the originally published sheets, so the reconciler
assumes they are kept: an upgrade republishes instead of deleting and re-publishing, which would
lose them for certain. Documentation of the assumption; verify against a real tenant.
"""


def republish_check_origin(*, linked: bool) -> bool:
    """``checkOriginAppId`` to send on republish (``PUT /apps/{id}/publish``).

    [SPEC ``RepublishApp``] defaults it to true ("validate that source app is same as originally
    published"). When a new template release was imported as a new build app, the published app's
    ``originAppId`` still names the previous build copy; we then send false and assume Qlik
    re-links the published app to the new source (doc §4.3, §13: how an upgrade re-links a
    published app is not stated by any source — verify against a real tenant).
    """
    return linked


MIGRATED_LEGACY_TASK_CODE = "TASKS-001"
"""What ``PUT``/``DELETE /api/v1/reload-tasks/{id}`` answer (400) for a task Qlik migrated to the
scheduling service [CL 271, 2026-11-20]. Such a task is Qlik's to retire: Qlik turns an app's
legacy tasks off once the app has a scheduling task [CL 135]."""


def is_migrated_legacy_task_error(exc: BaseException) -> bool:
    """True when a legacy reload task cannot be changed because Qlik migrated it."""
    return isinstance(exc, ApiError) and exc.status == 400 and exc.code == MIGRATED_LEGACY_TASK_CODE


CONNECTION_TAG_MAX_LENGTH: int = 255
"""Longest connection tag qlikreconcile writes (our username tag holds the username).

[SPEC ``ConnectionCreate``] says ``tags`` is an array of at most 32 strings and names no length
or character limit; Qlik never returns ``qUsername`` (§7), so the username qlikreconcile last
wrote is kept in a tag. A username that would make a longer tag is refused at plan time.
Unverified: a real tenant may restrict tag length or characters further.
"""


PUBLISHED_ACCESS_WAIT_SECONDS: float = 150.0
"""How long apply keeps reading a freshly (re)published app that answers 403 [EX §14.4].

Qlik's deploy example retries ``GET /apps/{id}`` for about 120 s after publishing before users
can open the app; 150 s leaves a margin. Unverified: the status (403) and the delay are observed
behaviour, not documented."""

PUBLISHED_ACCESS_BACKOFF: tuple[float, float, float] = (1.0, 2.0, 15.0)
"""First wait, growth factor and longest single wait while that access arrives."""


def is_access_pending(exc: BaseException) -> bool:
    """True for the 403 a freshly published app answers until access to it has arrived."""
    return isinstance(exc, ApiError) and exc.status == 403


MOVE_PUBLISHED_HINT: str = (
    "Qlik cannot move a published app to another managed space, and publishing a new copy there "
    "would leave customers' community and private sheets behind in the old one; to rename a "
    "managed space, rename the space itself in Qlik (PATCH /api/v1/spaces/{id} name) and then in "
    "the spec, or keep the old name in publish_to"
)
"""Why a published app whose ``publish_to`` changed is left where it is, and what to do instead.

A managed-space app cannot be moved (``PUT /apps/{id}/space`` answers 403 for managed apps);
no source says a publish or republish into another space carries community or private sheets
along (doc §14.4), so qlikreconcile never plans that move. Unverified: that renaming a managed
space in place keeps everything (it keeps the space id, so apps and sheets stay attached)."""
