"""Legacy reload tasks (the removed API: 410 on create, TASKS-001 on migrated ones), RRULEs."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.emulator.state.recurrence import (
    ScheduleError,
    next_execution,
    parse_local,
    parse_rule,
    zone,
)
from tests.emulator.conftest import Emu

DAILY = "RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=11;BYMINUTE=18;BYSECOND=0"


async def _app_id(source: httpx.AsyncClient) -> str:
    items = (await source.get("/api/v1/items", params={"resourceType": "app"})).json()
    return str(items["data"][0]["resourceId"])


async def _seed(
    emu: Emu, app_id: str, *, migrate: bool = False, recurrence: str = DAILY, tz: str = "UTC"
) -> dict[str, str]:
    """A reload task as the removed POST made it (admin seeding), optionally migrated."""
    body = {"appId": app_id, "recurrence": [recurrence], "timeZone": tz, "migrate": migrate}
    async with emu.client() as admin:
        r = await admin.post(f"/_emulator/tenants/{SOURCE_HOST}/legacy-reload-tasks", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_create_is_gone(source: httpx.AsyncClient) -> None:
    body = {"appId": await _app_id(source), "recurrence": [DAILY], "timeZone": "UTC"}
    r = await source.post("/api/v1/reload-tasks", json=body)
    assert r.status_code == 410
    assert r.json()["errors"][0]["code"] == "TASKS-011"
    assert "traceId" in r.json()


async def test_tasks_made_before_the_removal_still_read_and_change(
    emu: Emu, source: httpx.AsyncClient
) -> None:
    app_id = await _app_id(source)
    seeded = await _seed(emu, app_id, tz="Europe/Zurich")
    ident = seeded["legacyTaskId"]
    task = (await source.get(f"/api/v1/reload-tasks/{ident}")).json()
    assert task["state"] == "Enabled"
    assert task["migrated"] is False
    assert task["appId"] == app_id
    assert task["spaceId"]
    assert task["links"]["self"]["href"].endswith(f"/api/v1/reload-tasks/{ident}")
    # Clock is 2025-06-15T15:06:40Z; 11:18 Zurich (CEST) = 09:18Z on the next day.
    assert task["nextExecutionTime"] == "2025-06-16T09:18:00Z"
    put = await source.put(f"/api/v1/reload-tasks/{ident}", json={"state": "Disabled"})
    assert put.status_code == 200
    assert put.json()["disabledCode"] == "MANUALLY"
    assert put.json()["recurrence"] == [DAILY]  # absent fields are kept
    bad = await source.put(f"/api/v1/reload-tasks/{ident}", json={"timeZone": "Mars/Olympus"})
    assert bad.status_code == 400
    listed = (await source.get("/api/v1/reload-tasks", params={"appId": app_id})).json()
    assert [t["id"] for t in listed["data"]] == [ident]
    assert (await source.delete(f"/api/v1/reload-tasks/{ident}")).status_code == 204
    assert (await source.get(f"/api/v1/reload-tasks/{ident}")).status_code == 404
    assert (await source.put("/api/v1/reload-tasks/nope", json={})).status_code == 404


async def test_migrated_tasks_answer_tasks_001(emu: Emu, source: httpx.AsyncClient) -> None:
    app_id = await _app_id(source)
    seeded = await _seed(emu, app_id, migrate=True)
    ident = seeded["legacyTaskId"]
    task = (await source.get(f"/api/v1/reload-tasks/{ident}")).json()
    assert task["migrated"] is True
    assert task["state"] == "Disabled"
    for call in (
        source.put(f"/api/v1/reload-tasks/{ident}", json={"state": "Enabled"}),
        source.delete(f"/api/v1/reload-tasks/{ident}"),
    ):
        r = await call
        assert r.status_code == 400
        assert r.json()["errors"][0]["code"] == "TASKS-001"
    copy = (await source.get(f"/api/scheduling/tasks/{seeded['taskId']}")).json()
    assert copy["metadata"]["migratedFrom"] == ident
    assert copy["resourceId"] == app_id
    assert copy["enabled"] is True
    assert copy["start"]["schedule"]["recurrence"] == DAILY


async def test_pagination_partial_filter_and_app_cascade(
    emu: Emu, source: httpx.AsyncClient
) -> None:
    app = (await source.post("/api/v1/apps", json={"attributes": {"name": "T"}})).json()
    app_id = app["attributes"]["id"]
    for _ in range(3):
        await _seed(emu, app_id)
    page = (await source.get("/api/v1/reload-tasks", params={"appId": app_id, "limit": 2})).json()
    assert len(page["data"]) == 2
    assert page["links"]["next"]["href"].startswith("https://")
    rest = (await source.get(page["links"]["next"]["href"])).json()
    assert len(rest["data"]) == 1
    assert "prev" in rest["links"]
    partial = await source.get("/api/v1/reload-tasks", params={"appId": app_id, "partial": "true"})
    assert partial.json()["data"] == []
    assert (await source.get("/api/v1/reload-tasks", params={"limit": 101})).status_code == 400
    assert (await source.delete(f"/api/v1/apps/{app_id}")).status_code == 200
    left = await source.get("/api/v1/reload-tasks", params={"appId": app_id})
    assert left.json()["data"] == []


async def test_completed_when_schedule_has_ended(emu: Emu, source: httpx.AsyncClient) -> None:
    seeded = await _seed(emu, await _app_id(source), recurrence="RRULE:FREQ=DAILY;COUNT=1")
    ident = seeded["legacyTaskId"]
    # Seeded on the emulator's clock; one occurrence, then a year later the schedule is over.
    emu.clock.advance(366 * 86400)
    async with await emu.authed() as later:  # the first token has long expired
        task = (await later.get(f"/api/v1/reload-tasks/{ident}")).json()
    assert task["state"] == "Completed"
    assert "nextExecutionTime" not in task


def _next(rule: str, start: str, now: str, tz: str = "UTC") -> str | None:
    zone_ = zone(tz)
    moment, _ = next_execution(
        [parse_rule(rule, zone_)],
        start=parse_local(start, zone_, "startDateTime"),
        end=None,
        created=parse_local(start, zone_, "startDateTime"),
        now=datetime.fromisoformat(now).replace(tzinfo=UTC),
    )
    return None if moment is None else moment.astimezone(UTC).isoformat()


def test_rrule_frequencies() -> None:
    weekly = "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU;BYHOUR=13;BYMINUTE=17;BYSECOND=0"
    # 2025-01-06 is a Monday; every other week: 06/07, 20/21 January.
    assert (
        _next(weekly, "2025-01-06T00:00:00", "2025-01-08T00:00:00") == "2025-01-20T13:17:00+00:00"
    )
    monthly = "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=6;BYMINUTE=0;BYSECOND=0"
    assert (
        _next(monthly, "2025-01-01T00:00:00", "2025-02-01T00:00:00") == "2025-02-28T06:00:00+00:00"
    )
    first_friday = "RRULE:FREQ=MONTHLY;BYDAY=1FR;BYHOUR=6;BYMINUTE=0;BYSECOND=0"
    assert (
        _next(first_friday, "2025-01-01T00:00:00", "2025-01-04T00:00:00")
        == "2025-02-07T06:00:00+00:00"
    )
    hourly = "RRULE:FREQ=HOURLY;INTERVAL=6;BYMINUTE=30;BYSECOND=0"
    assert (
        _next(hourly, "2025-01-01T00:00:00", "2025-01-01T07:00:00") == "2025-01-01T12:30:00+00:00"
    )
    counted = "RRULE:FREQ=DAILY;COUNT=2"
    assert _next(counted, "2025-01-01T08:00:00", "2025-01-05T00:00:00") is None
    assert _next(DAILY, "2025-03-29T00:00:00", "2025-03-30T00:00:00", "Europe/Zurich") == (
        "2025-03-30T09:18:00+00:00"  # 11:18 CEST, the day DST starts
    )


@pytest.mark.parametrize(
    "line",
    [
        "FREQ=DAILY",
        "RRULE:FREQ=DAILY;BYSETPOS=1",
        "RRULE:FREQ=DAILY;COUNT=2;UNTIL=20250101",
        "RRULE:FREQ=WEEKLY;BYDAY=1MO",
        "RRULE:FREQ=DAILY;INTERVAL=0",
        "RRULE:FREQ=DAILY;;",
    ],
)
def test_rrule_rejections(line: str) -> None:
    with pytest.raises(ScheduleError):
        parse_rule(line, UTC)
