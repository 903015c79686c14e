"""Settling a tenant create whose answer was lost: forgetting its control record.

The operator runs this only after checking that Qlik created no tenant (see
:mod:`qlikreconcile.qlik.pending`); the next apply then creates the tenant. A record that already
holds the id of the tenant the create made is never forgotten: that tenant exists, and the next
apply takes it over by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlikreconcile.errors import PlanError
from qlikreconcile.qlik import pending
from qlikreconcile.qlik.control import ControlRecords
from qlikreconcile.qlik.session import QlikSession


async def forget_pending_create(
    session: QlikSession, *, source_host: str, tenant: str
) -> Mapping[str, Any] | None:
    """Delete ``tenant``'s pending-create record; what it held (None: there was none)."""
    records = ControlRecords(session.client(source_host))
    record = await records.get(pending.KIND, tenant)
    if record is None:
        return None
    if record.data.get("id"):
        raise PlanError(
            f"the record for {tenant} names tenant {record.data['id']}, which the create made: "
            "it is not forgotten (that would create a second tenant); apply takes it over"
        )
    await records.clear(record)
    return {"record": record.name, **{k: v for k, v in record.data.items() if k != "claim"}}
