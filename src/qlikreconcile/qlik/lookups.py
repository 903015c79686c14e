"""Finding Qlik objects by name: the SCIM ``name eq "..."`` filter, then an exact match.

Qlik's name filters match case-insensitively (spaces) or loosely (items), so every lookup
checks the exact name itself before trusting a result.
"""

from __future__ import annotations

import json
from typing import Any

from qlikreconcile.qlik.client import QlikClient


def name_filter(name: str) -> dict[str, str]:
    return {"filter": f"name eq {json.dumps(name)}"}


async def find_named(client: QlikClient, path: str, name: str) -> list[dict[str, Any]]:
    """Every object of the list at ``path`` whose name is exactly ``name``."""
    return [
        o async for o in client.paginate(path, params=name_filter(name)) if o.get("name") == name
    ]


async def find_group(client: QlikClient, name: str) -> str | None:
    """The id of the group called ``name``, if there is one."""
    found = await find_named(client, "/api/v1/groups", name)
    return str(found[0]["id"]) if found else None
