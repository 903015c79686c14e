"""Archiving a tenant's published apps before it is deactivated (``decommission.export_to``).

Every app in the tenant's managed spaces (what its customers use, ours or not: reading takes
nothing from anybody) is exported without data (``POST /api/v1/apps/{id}/export?NoData=true``,
the same call a template release makes) and handed to the run's archive writer with a
``manifest.json`` naming each file, app id, space, size and SHA-256. Which of an app's objects
an export holds beyond the vendor's (customers' community or private sheets) is not documented
(qlik-cloud-api.md §4.2 says only "objects only"); docs/spec.md says so. Any failed export fails
the deactivation: the spec asked for the archive first.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from qlikreconcile.qlik import app_items
from qlikreconcile.qlik.client import QlikClient

MANIFEST = "manifest.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True, slots=True)
class Archived:
    """One exported app, as the manifest lists it."""

    file: str
    app_id: str
    name: str
    space: str
    size: int
    sha256: str


def file_name(name: str, app_id: str) -> str:
    """A portable file name: the app's name made safe, then its id (names repeat, ids do not)."""
    safe = _UNSAFE.sub("_", name).strip(" .") or "app"
    return f"{safe[:80]} ({app_id}).qvf"


async def _published(client: QlikClient) -> list[tuple[dict[str, Any], str]]:
    managed = {
        str(s["id"]): str(s.get("name") or "")
        async for s in client.paginate("/api/v1/spaces")
        if s.get("type") == "managed" and s.get("id")
    }
    found = []
    async for item in client.paginate("/api/v1/items", params={"resourceType": "app"}):
        space = str(item.get("spaceId") or app_items.attrs(item).get("spaceId") or "")
        if space in managed:
            found.append((item, managed[space]))
    return found


async def archive_published(
    client: QlikClient, folder: str, write: Callable[[str, bytes], None]
) -> list[Archived]:
    """Export each published app of the tenant behind ``client`` into ``folder`` (through
    ``write(relative_path, data)``), then the manifest; the apps, as listed there."""
    archived: list[Archived] = []
    for item, space in await _published(client):
        ident = app_items.app_id(item)
        name = str(item.get("name") or app_items.attrs(item).get("name") or ident)
        data = await client.fetch_export(f"/api/v1/apps/{ident}/export", params={"NoData": "true"})
        file = file_name(name, ident)
        write(f"{folder}/{file}", data)
        digest = hashlib.sha256(data).hexdigest()
        archived.append(Archived(file, ident, name, space, len(data), digest))
    manifest = {
        "tenant_host": client.host,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "without_data": True,
        "apps": [
            {
                "file": a.file,
                "app_id": a.app_id,
                "name": a.name,
                "space": a.space,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in archived
        ],
    }
    write(f"{folder}/{MANIFEST}", (json.dumps(manifest, indent=2) + "\n").encode())
    return archived
