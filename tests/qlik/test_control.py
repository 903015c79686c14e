"""Control records in the source tenant: claim once, lost claims recognised, others refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from qlikreconcile.qlik import QlikClient
from qlikreconcile.qlik.control import MARKER, PREFIX, ControlRecords, RecordHeld
from qlikreconcile.qlik.retry import HostStats

if TYPE_CHECKING:
    from tests.qlik.conftest import Emulator


async def test_claim_update_read_clear(source: QlikClient) -> None:
    records = ControlRecords(source)
    claimed = await records.claim("tenant-create", "acme", {"host": "acme.eu.qlikcloud.com"})
    assert claimed.name == f"{PREFIX} tenant-create acme"
    updated = await records.update(claimed, {"id": "Tq8GPVr8qI7"})
    found = await records.get("tenant-create", "acme")
    assert found is not None
    assert found.ident == claimed.ident
    assert found.data == updated.data
    assert found.data["id"] == "Tq8GPVr8qI7"
    assert found.data["host"] == "acme.eu.qlikcloud.com"
    assert list(await records.all("tenant-create")) == ["acme"]
    assert await records.all("lease") == {}
    await records.clear(found)
    await records.clear(found)  # already gone counts as done
    assert await records.get("tenant-create", "acme") is None


async def test_a_second_claim_is_refused(source: QlikClient) -> None:
    first = ControlRecords(source)
    await first.claim("tenant-create", "acme", {"host": "acme.eu.qlikcloud.com"})
    with pytest.raises(RecordHeld) as held:
        await ControlRecords(source).claim("tenant-create", "acme", {"host": "x"})
    assert held.value.data["host"] == "acme.eu.qlikcloud.com"


@pytest.mark.parametrize("fault", ["drop", "500-after", "500-before", "reset"])
async def test_a_claim_whose_answer_was_lost_is_settled(
    emulator: Emulator, source: QlikClient, fault: str
) -> None:
    await emulator.admin("POST", "/_emulator/faults", json={"once": {"POST /api/v1/spaces": fault}})
    stats = HostStats()
    records = ControlRecords(source, stats=stats)
    claimed = await records.claim("tenant-create", "acme", {"host": "acme.eu.qlikcloud.com"})
    assert stats.adopted == (1 if fault in ("drop", "500-after") else 0)
    assert (await records.get("tenant-create", "acme")) == claimed


async def test_a_space_without_the_marker_is_not_a_record(source: QlikClient) -> None:
    name = f"{PREFIX} tenant-create acme"
    body = {"name": name, "type": "shared", "description": "someone's own space"}
    await source.post_json("/api/v1/spaces", body, expected=(201,))
    records = ControlRecords(source)
    assert await records.get("tenant-create", "acme") is None
    with pytest.raises(RecordHeld):  # and it is never taken over
        await records.claim("tenant-create", "acme", {})
    broken = {"name": f"{PREFIX} tenant-create globex", "type": "shared"}
    await source.post_json("/api/v1/spaces", {**broken, "description": f"{MARKER}\n[1]"})
    assert await records.all("tenant-create") == {}
