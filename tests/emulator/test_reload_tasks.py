"""Reload tasks: CRUD, validation of RRULE/time zone, computed state and next run, cascades."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from qlikreconcile.emulator.recurrence import (
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


async def test_crud_and_fields(emu: Emu, source: httpx.AsyncClient) -> None:
    app_id = await _app_id(source)
    body = {
        "appId": app_id,
        "recurrence": [DAILY],
        "timeZone": "Europe/Zurich",
        "startDateTime": "2025-06-01T00:00:00",
        "type": "scheduled_reload",
    }
    r = await source.post("/api/v1/reload-tasks", json=body)
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["state"] == "Enabled"
    assert task["appId"] == app_id
    assert task["spaceId"]
    assert task["tenantId"]
    assert task["userId"]
    assert task["links"]["self"]["href"].endswith(f"/api/v1/reload-tasks/{task['id']}")
    # Clock is 2025-06-15T15:06:40Z; 11:18 Zurich (CEST) = 09:18Z on the next day.
    assert task["nextExecutionTime"] == "2025-06-16T09:18:00Z"
    got = await source.get(f"/api/v1/reload-tasks/{task['id']}")
    assert got.status_code == 200
    assert got.json() == task

    put = await source.put(f"/api/v1/reload-tasks/{task['id']}", json={"state": "Disabled"})
    assert put.status_code == 200
    assert put.json()["state"] == "Disabled"
    assert put.json()["disabledCode"] == "MANUALLY"
    assert "nextExecutionTime" not in put.json()
    assert put.json()["recurrence"] == [DAILY]  # absent fields are kept

    listed = (await source.get("/api/v1/reload-tasks", params={"appId": app_id})).json()
    assert [t["id"] for t in listed["data"]] == [task["id"]]
    assert (await source.get("/api/v1/reload-tasks", params={"appId": "x"})).json()["data"] == []
    assert (await source.delete(f"/api/v1/reload-tasks/{task['id']}")).status_code == 204
    assert (await source.get(f"/api/v1/reload-tasks/{task['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"recurrence": ["RRULE:FREQ=SOMETIMES"]}, 400),
        ({"recurrence": ["DTSTART:20250101T000000"]}, 400),
        ({"recurrence": ["RRULE:FREQ=DAILY;BYHOUR=25"]}, 400),
        ({"recurrence": "RRULE:FREQ=DAILY"}, 400),
        ({"timeZone": "Mars/Olympus"}, 400),
        ({"startDateTime": "2025-06-01T00:00:00+02:00"}, 400),
        ({"startDateTime": "yesterday"}, 400),
        ({"partial": "yes"}, 400),
        ({"appId": "no-such-app"}, 404),
    ],
)
async def test_create_validation(
    source: httpx.AsyncClient, change: dict[str, object], status: int
) -> None:
    body: dict[str, object] = {
        "appId": await _app_id(source),
        "recurrence": [DAILY],
        "timeZone": "UTC",
        **change,
    }
    r = await source.post("/api/v1/reload-tasks", json=body)
    assert r.status_code == status, r.text
    assert r.json()["errors"][0]["code"]
    assert "traceId" in r.json()


async def test_missing_time_zone_and_unknown_id(source: httpx.AsyncClient) -> None:
    app_id = await _app_id(source)
    assert (await source.post("/api/v1/reload-tasks", json={"appId": app_id})).status_code == 400
    assert (await source.put("/api/v1/reload-tasks/nope", json={})).status_code == 404
    assert (await source.delete("/api/v1/reload-tasks/nope")).status_code == 404


async def test_pagination_partial_filter_and_app_cascade(source: httpx.AsyncClient) -> None:
    app = (await source.post("/api/v1/apps", json={"attributes": {"name": "T"}})).json()
    app_id = app["attributes"]["id"]
    for partial in (False, True, False):
        body = {"appId": app_id, "timeZone": "UTC", "recurrence": [DAILY], "partial": partial}
        assert (await source.post("/api/v1/reload-tasks", json=body)).status_code == 201
    page = (await source.get("/api/v1/reload-tasks", params={"appId": app_id, "limit": 2})).json()
    assert len(page["data"]) == 2
    assert page["links"]["next"]["href"].startswith("https://")
    rest = (await source.get(page["links"]["next"]["href"])).json()
    assert len(rest["data"]) == 1
    assert "prev" in rest["links"]
    partial = await source.get("/api/v1/reload-tasks", params={"appId": app_id, "partial": "true"})
    assert len(partial.json()["data"]) == 1
    assert (await source.get("/api/v1/reload-tasks", params={"limit": 101})).status_code == 400
    assert (await source.delete(f"/api/v1/apps/{app_id}")).status_code == 200
    left = await source.get("/api/v1/reload-tasks", params={"appId": app_id})
    assert left.json()["data"] == []


async def test_completed_when_schedule_has_ended(source: httpx.AsyncClient) -> None:
    body = {
        "appId": await _app_id(source),
        "timeZone": "UTC",
        "recurrence": ["RRULE:FREQ=DAILY;UNTIL=20240101T000000Z"],
        "startDateTime": "2023-12-01T08:00:00",
    }
    task = (await source.post("/api/v1/reload-tasks", json=body)).json()
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
