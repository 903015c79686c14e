"""The operator's part after a lost tenant create, as the tests and the soak play it.

qlikreconcile blocks a tenant whose create lost its answer (docs/robustness.md, "Tenant creation,
never twice"); an operator settles it by looking at the subscription's tenants in My Qlik. Here
the emulator's state stands in for that list: a tenant a lost create made has only its generated
host name (no alias yet) and is named by no spec entry and by no pending-create record (a record
with an id is taken over by the next run on its own). For each blocked spec tenant the operator
names such a tenant of its region in the spec (``tenant.id``), or, when there is none, forgets
the record (``qlikreconcile tenant forget``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.qlik.control import MARKER, PREFIX
from qlikreconcile.spec.fleet_loader import load_fleet

_HEADER = re.compile(r"^(tenant:\s*\{[^}\n]*)\}", re.MULTILINE)


def _recorded_ids(state: dict[str, Any]) -> set[str]:
    source = next(t for t in state["tenants"].values() if SOURCE_HOST in t["hostnames"])
    ids = set()
    for space in source["spaces"].values():
        text = space.get("description") or ""
        if space["name"].startswith(PREFIX) and text.startswith(MARKER):
            tenant_id = json.loads(text[len(MARKER) :]).get("id")
            if tenant_id:
                ids.add(str(tenant_id))
    return ids


def made_by_lost_creates(state: dict[str, Any], named: Iterable[str] = ()) -> dict[str, str]:
    """Id -> region of every tenant with no alias that nothing names yet."""
    taken = _recorded_ids(state) | set(named)
    return {
        t["id"]: t["region"]
        for t in state["tenants"].values()
        if len(t["hostnames"]) == 1 and SOURCE_HOST not in t["hostnames"] and t["id"] not in taken
    }


def name_tenant(tenant_file: Path, tenant_id: str) -> None:
    """Add ``id: TENANT_ID`` to the ``tenant: {...}`` header of a tenant file."""
    text = tenant_file.read_text()
    changed, count = _HEADER.subn(lambda m: f"{m[1]}, id: {tenant_id}}}", text, count=1)
    assert count == 1, f"no tenant: {{...}} header in {tenant_file}"
    tenant_file.write_text(changed)


def settle_blocked(state: dict[str, Any], desired: Path, blocked: Iterable[str]) -> list[str]:
    """Name a made tenant in the spec for each blocked tenant that has one in its region; return
    the blocked tenants for which nothing was made (their records are to be forgotten)."""
    fleet = load_fleet(desired)
    spare = made_by_lost_creates(state, (t.id for t in fleet.tenants if t.id))
    tenants = {t.name: t for t in fleet.tenants}
    forget = []
    for name in sorted(blocked):
        tenant = tenants[name]
        made = next((i for i, region in spare.items() if region == tenant.region), None)
        if made is None:
            forget.append(name)
            continue
        del spare[made]
        name_tenant(desired.parent / tenant.file, made)
    return forget
