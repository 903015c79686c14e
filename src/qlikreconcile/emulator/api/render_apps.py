"""Apps as Qlik renders them: NxApp, Items, DataModelMetadata, sheets."""

from __future__ import annotations

import hashlib
from typing import Any

from qlikreconcile.emulator.api.endpoint import Ctx
from qlikreconcile.emulator.state.apps import App, DataModel, Sheet
from qlikreconcile.emulator.state.reload_lifecycle import last_terminal
from qlikreconcile.emulator.state.tenant import Tenant
from qlikreconcile.emulator.timefmt import iso

PRIVILEGES = [
    "read",
    "create",
    "update",
    "delete",
    "reload",
    "import",
    "publish",
    "duplicate",
    "export",
    "exportdata",
    "change_owner",
    "change_space",
]
CREATE = [
    {"resource": "sheet", "canCreate": True},
    {"resource": "bookmark", "canCreate": True},
    {"resource": "story", "canCreate": True},
]


def attributes(app: App) -> dict[str, Any]:
    """NxAttributes. Optional keys are omitted when unset (quirk apps.optional_attributes)."""
    attrs: dict[str, Any] = {
        "id": app.id,
        "name": app.name,
        "description": app.description,
        "thumbnail": "",
        "createdDate": iso(app.created_at),
        "modifiedDate": iso(app.modified_at),
        "owner": app.owner_id,
        "ownerId": app.owner_id,
        "dynamicColor": "",
        "published": False,
        "custom": {},
        "hasSectionAccess": False,
        "encrypted": False,
        "isDirectQueryMode": False,
        "usage": app.usage,
        "_resourcetype": "app",
    }
    if app.space_id is not None:
        attrs["spaceId"] = app.space_id
    if app.last_reload_at is not None:
        attrs["lastReloadTime"] = iso(app.last_reload_at)
    if app.origin_app_id is not None:
        attrs["originAppId"] = app.origin_app_id
    if app.publish_time is not None:
        attrs["publishTime"] = iso(app.publish_time)
    return attrs


def nx_app(app: App) -> dict[str, Any]:
    return {"attributes": attributes(app), "privileges": list(PRIVILEGES), "create": list(CREATE)}


def render_item(ctx: Ctx, tenant: Tenant, app: App) -> dict[str, Any]:
    base = ctx.base_url()
    item: dict[str, Any] = {
        "id": app.item_id,
        "name": app.name,
        "description": app.description,
        "resourceType": "app",
        "resourceSubType": "",
        "resourceId": app.id,
        "resourceAttributes": attributes(app),
        "resourceCustomAttributes": {},
        "resourceCreatedAt": iso(app.created_at),
        "resourceUpdatedAt": iso(app.modified_at),
        "resourceSize": {"appFile": _size(app), "appMemory": _size(app) * 3},
        "spaceId": app.space_id or "",
        "ownerId": app.owner_id,
        "creatorId": app.owner_id,
        "updaterId": app.owner_id,
        "tenantId": tenant.id,
        "createdAt": iso(app.created_at),
        "updatedAt": iso(app.modified_at),
        "isFavorited": False,
        "collectionIds": [],
        "actions": ["read", "update", "delete", "reload", "publish", "duplicate", "export"],
        "meta": {"actions": [], "collections": [], "tags": [], "isFavorited": False},
        "links": {
            "self": {"href": f"{base}/api/v1/items/{app.item_id}"},
            "open": {"href": f"{base}/sense/app/{app.id}"},
        },
    }
    last = last_terminal(tenant, app.id)
    if last is not None and last.final_status in ("SUCCEEDED", "FAILED"):
        item["resourceReloadStatus"] = "ok" if last.final_status == "SUCCEEDED" else "failed"
        if last.final_end_at is not None:
            item["resourceReloadEndTime"] = iso(last.final_end_at)
    return item


def _size(app: App) -> int:
    rows = sum(t.rows * len(t.fields) for t in app.data_model.tables) if app.data_model else 0
    return 40_000 + len(app.current_script()) + rows * 8


def render_sheet(sheet: Sheet) -> dict[str, Any]:
    return {
        "id": sheet.id,
        "title": sheet.title,
        "type": sheet.type,
        "ownerId": sheet.owner_id,
        "approved": sheet.approved,
        "publishedAt": iso(sheet.published_at) if sheet.published_at is not None else None,
        "createdAt": iso(sheet.created_at),
    }


def data_model_metadata(app: App) -> dict[str, Any]:
    """DataModelMetadata; the empty structure when the app holds no data."""
    model = app.data_model or DataModel()
    owners: dict[str, list[str]] = {}
    for table in model.tables:
        for field in table.fields:
            owners.setdefault(field, []).append(table.name)
    fields = []
    for name, sources in owners.items():
        digest = hashlib.sha256(f"{app.id}:{name}".encode()).hexdigest()
        rows = max(t.rows for t in model.tables if t.name in sources)
        fields.append(
            {
                "name": name,
                "src_tables": sources,
                "is_system": False,
                "is_hidden": False,
                "is_semantic": False,
                "distinct_only": False,
                "cardinal": max(1, rows // 3),
                "total_count": rows,
                "is_locked": False,
                "always_one_selected": False,
                "is_numeric": name.lower().endswith(("id", "qty", "amount", "value")),
                "comment": "",
                "tags": ["$key"] if len(sources) > 1 else [],
                "byte_size": rows * 8,
                "hash": digest[:22],
            }
        )
    tables: list[dict[str, Any]] = [
        {
            "name": t.name,
            "is_system": False,
            "is_semantic": False,
            "is_loose": False,
            "no_of_rows": t.rows,
            "no_of_fields": len(t.fields),
            "no_of_key_fields": sum(1 for f in t.fields if len(owners[f]) > 1),
            "comment": "",
            "byte_size": t.rows * len(t.fields) * 8,
        }
        for t in model.tables
    ]
    static = sum(t.rows * len(t.fields) * 8 for t in model.tables)
    reload_meta: dict[str, Any] = {
        "cpu_time_spent_ms": 40 * len(tables),
        "hardware": {"logical_cores": 8, "total_memory": 34_359_738_368},
        "peak_memory_bytes": static * 2,
        "fullReloadPeakMemoryBytes": static * 2,
        "partialReloadPeakMemoryBytes": 0,
    }
    return {
        "fields": fields,
        "tables": tables,
        "tables_profiling_data": [],
        "has_section_access": False,
        "is_direct_query_mode": False,
        "static_byte_size": static,
        "usage": app.usage,
        "reload_meta": reload_meta if app.data_model else {},
    }
