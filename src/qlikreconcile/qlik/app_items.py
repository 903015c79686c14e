"""Reading app items (``GET /api/v1/items?resourceType=app``): ids, ages, our markers.

Shared by the discovery of build copies (:mod:`.discover_apps`) and of published copies
(:mod:`.published_copies`).
"""

from __future__ import annotations

from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import ActualResource
from qlikreconcile.qlik import ownership


def attrs(item: dict[str, Any]) -> dict[str, Any]:
    return dict(item.get("resourceAttributes") or {})


def app_id(item: dict[str, Any]) -> str:
    return str(item.get("resourceId") or attrs(item).get("id"))


def created(item: dict[str, Any]) -> str:
    return str(item.get("createdAt") or attrs(item).get("createdAt") or "")


def description(item: dict[str, Any]) -> str | None:
    text = attrs(item).get("description") or item.get("description")
    return str(text) if text else None


def marker(item: dict[str, Any]) -> ownership.AppMarker | None:
    return ownership.parse_app_marker(description(item))


def extra_copy(
    tenant: str,
    kind: str,
    template: str,
    app_id: str,
    why: str,
    *,
    superseded: bool = False,
    garbage: bool = False,
    duplicate: bool = False,
) -> ActualResource:
    """A copy beside the one managed for ``template``, keyed ``TEMPLATE~ID``."""
    key = ResourceKey(tenant, kind, f"{template}~{app_id}")
    return ActualResource(
        key,
        {"template": template},
        ident=app_id,
        drift=(why,),
        superseded=superseded,
        garbage=garbage,
        duplicate=duplicate,
    )
