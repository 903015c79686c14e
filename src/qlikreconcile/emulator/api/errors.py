"""Qlik-shaped error bodies, which differ slightly per service (qlik-cloud-api.md §9.1).

Handlers raise :class:`QlikError`; the endpoint wrapper renders it with :func:`error_body`.
Shapes: ``{"errors":[{"code","title","detail"?}],"traceId"}`` everywhere; spaces also repeat
``code/title/detail`` at top level; data-connections add a numeric ``status`` per error;
tenants a string ``status``. The scheduler ("choreographer", ``/api/scheduling/tasks``) differs
most: its generic operations declare ``{"errors":[{"code":<HTTP status as integer>,"title",
"context"}],"traceId"}``, and its reload convenience endpoints answer the flat CHO envelope
``{"status_code","code":"CHO-nnn","message","context","timestamp","value"}`` (quirk
``scheduling.error_envelope``).
"""

from __future__ import annotations

from typing import Any, Literal

Service = Literal[
    "default",
    "oauth",
    "tenants",
    "spaces",
    "items",
    "apps",
    "reloads",
    "reload-tasks",
    "scheduling",
    "scheduling-cho",
    "data-connections",
    "users",
    "licenses",
    "temp-contents",
    "emulator",
]


class QlikError(Exception):
    """An HTTP error answered with a Qlik error body."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        service: Service = "default",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {title}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.service = service
        self.headers = headers or {}


def error_body(err: QlikError, trace_id: str) -> dict[str, Any]:
    if err.service == "scheduling-cho":
        return {
            "status_code": err.status,
            "code": err.code,
            "message": err.detail or err.title,
            "context": err.title,
            "value": None,
        }
    if err.service == "scheduling":
        title = f"{err.title}: {err.detail}" if err.detail else err.title
        scheduled = {"code": err.status, "title": title, "context": err.code}
        return {"errors": [scheduled], "traceId": trace_id}
    item: dict[str, Any] = {"code": err.code, "title": err.title}
    if err.detail is not None:
        item["detail"] = err.detail
    if err.service == "data-connections":
        item["status"] = err.status
    elif err.service == "tenants":
        item["status"] = str(err.status)
    body: dict[str, Any] = {"errors": [item], "traceId": trace_id}
    if err.service == "spaces":
        # Deprecated top-level mirror of the first error; Qlik's curl tutorial reads `.code`.
        body.update({k: v for k, v in item.items() if k in ("code", "title", "detail")})
    return body


def not_found(service: Service, what: str, ident: str, code: str | None = None) -> QlikError:
    return QlikError(
        404, code or "HTTP-404", "Not found", f"{what} '{ident}' not found", service=service
    )


def bad_request(service: Service, detail: str, code: str = "HTTP-400") -> QlikError:
    return QlikError(400, code, "Bad request", detail, service=service)


def forbidden(service: Service, detail: str, code: str = "HTTP-403") -> QlikError:
    return QlikError(403, code, "Forbidden", detail, service=service)


def conflict(service: Service, detail: str, code: str = "HTTP-409") -> QlikError:
    return QlikError(409, code, "Conflict", detail, service=service)


def unauthorized(service: Service = "default", detail: str | None = None) -> QlikError:
    return QlikError(401, "HTTP-401", "Unauthorized", detail, service=service)


def rate_limited(retry_after: int) -> QlikError:
    return QlikError(
        429,
        "HTTP-429",
        "API rate limit reached.",
        f"You need to wait {retry_after} seconds until limit is lifted.",
        headers={"Retry-After": str(retry_after)},
    )
