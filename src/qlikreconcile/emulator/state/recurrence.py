"""Reload-task schedules: RFC 5545 ``RRULE`` lines, IANA time zones and the next run time.

Qlik's ``TaskBase`` (qlik-cloud-api.md §6.2) carries ``recurrence`` (RRULE lines without
DTSTART/DTEND), ``timeZone`` and local ``startDateTime``/``endDateTime``. This module validates
them (a bad rule or zone is a 400 in the route) and computes ``nextExecutionTime``.

Deliberate simplification (quirk ``reload_tasks.next_execution``): the next run is the earliest
occurrence after *now* of any rule, searched day by day over at most :data:`HORIZON_DAYS`;
supported parts are FREQ (MINUTELY..YEARLY), INTERVAL, COUNT, UNTIL, BYDAY (with ordinals for
MONTHLY/YEARLY), BYMONTHDAY, BYMONTH, BYHOUR, BYMINUTE, BYSECOND and WKST=MO. BYSETPOS,
BYYEARDAY, BYWEEKNO and other WKST values are rejected with 400 rather than half-honoured.
Daylight-saving gaps and folds follow :mod:`zoneinfo` defaults (fold=0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FREQS = ("MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
HORIZON_DAYS = 4 * 366 + 1
SUPPORTED_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYHOUR",
        "BYMINUTE",
        "BYSECOND",
        "WKST",
    }
)
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(T(\d{6})(Z)?)?$")


class ScheduleError(ValueError):
    """A recurrence, time zone or date-time Qlik would refuse (the route answers 400)."""


@dataclass(frozen=True)
class Rule:
    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | None = None  # aware
    by_day: tuple[tuple[int | None, int], ...] = ()  # (ordinal, weekday 0=MO)
    by_month_day: tuple[int, ...] = ()
    by_month: tuple[int, ...] = ()
    by_hour: tuple[int, ...] = ()
    by_minute: tuple[int, ...] = ()
    by_second: tuple[int, ...] = ()


def zone(name: str) -> tzinfo:
    """The IANA zone ``name``; ScheduleError when unknown."""
    if name in ("UTC", "Etc/UTC"):  # IANA names only: "Z" is an offset, not a zone
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"Unknown time zone '{name}'") from exc


def _ints(part: str, raw: str, low: int, high: int, *, signed: bool = False) -> tuple[int, ...]:
    values = []
    for text in raw.split(","):
        try:
            value = int(text)
        except ValueError as exc:
            raise ScheduleError(f"{part} has a non-integer value '{text}'") from exc
        magnitude = abs(value) if signed else value
        if not low <= magnitude <= high or (signed and value == 0):
            raise ScheduleError(f"{part} value {value} out of range")
        values.append(value)
    return tuple(values)


def _until(raw: str, tz: tzinfo) -> datetime:
    m = _UNTIL.match(raw)
    if not m:
        raise ScheduleError(f"UNTIL '{raw}' is not YYYYMMDD[THHMMSS[Z]]")
    try:
        day = datetime.strptime(m.group(1), "%Y%m%d")
        clock = datetime.strptime(m.group(3), "%H%M%S").time() if m.group(3) else None
    except ValueError as exc:
        raise ScheduleError(f"UNTIL '{raw}' is not a valid date") from exc
    moment = datetime.combine(day.date(), clock) if clock else day.replace(hour=23, minute=59)
    return moment.replace(tzinfo=UTC if m.group(4) else tz)


def parse_rule(line: str, tz: tzinfo) -> Rule:
    """One ``RRULE:...`` line; ScheduleError names the first problem."""
    head, sep, body = line.strip().partition(":")
    if not sep or head.upper() != "RRULE":
        raise ScheduleError(f"'{line}' is not an RRULE line (DTSTART/DTEND are not allowed)")
    parts: dict[str, str] = {}
    for item in body.split(";"):
        key, eq, value = item.partition("=")
        key = key.strip().upper()
        if not eq or not value:
            raise ScheduleError(f"RRULE part '{item}' is not KEY=VALUE")
        if key not in SUPPORTED_PARTS:
            raise ScheduleError(f"RRULE part {key} is not supported")
        if key in parts:
            raise ScheduleError(f"RRULE part {key} is repeated")
        parts[key] = value.strip().upper()
    freq = parts.get("FREQ")
    if freq not in FREQS:
        raise ScheduleError(f"FREQ must be one of {', '.join(FREQS)}")
    if parts.get("WKST", "MO") != "MO":
        raise ScheduleError("Only WKST=MO is supported")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ScheduleError("COUNT and UNTIL are mutually exclusive")
    by_day = []
    for text in parts["BYDAY"].split(",") if "BYDAY" in parts else []:
        m = _BYDAY.match(text)
        if not m:
            raise ScheduleError(f"BYDAY value '{text}' is invalid")
        ordinal = int(m.group(1)) if m.group(1) else None
        if ordinal is not None and (
            freq not in ("MONTHLY", "YEARLY") or not 1 <= abs(ordinal) <= 5
        ):
            raise ScheduleError(f"BYDAY ordinal '{text}' is invalid for FREQ={freq}")
        by_day.append((ordinal, WEEKDAYS.index(m.group(2))))

    def ints(key: str, low: int, high: int, *, signed: bool = False) -> tuple[int, ...]:
        return _ints(key, parts[key], low, high, signed=signed) if key in parts else ()

    return Rule(
        freq=freq,
        interval=ints("INTERVAL", 1, 1000)[0] if "INTERVAL" in parts else 1,
        count=ints("COUNT", 1, 100_000)[0] if "COUNT" in parts else None,
        until=_until(parts["UNTIL"], tz) if "UNTIL" in parts else None,
        by_day=tuple(by_day),
        by_month_day=ints("BYMONTHDAY", 1, 31, signed=True),
        by_month=ints("BYMONTH", 1, 12),
        by_hour=ints("BYHOUR", 0, 23),
        by_minute=ints("BYMINUTE", 0, 59),
        by_second=ints("BYSECOND", 0, 59),
    )


def parse_local(text: str, tz: tzinfo | None, field: str) -> datetime:
    """``startDateTime``/``endDateTime``: local (no offset) with a zone, else RFC 3339 with one."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ScheduleError(f"{field} '{text}' is not a date-time") from exc
    if tz is not None:
        if moment.tzinfo is not None:
            raise ScheduleError(f"{field} must omit the zone offset when timeZone is set")
        return moment.replace(tzinfo=tz)
    if moment.tzinfo is None:
        raise ScheduleError(f"{field} needs a UTC offset when timeZone is not set")
    return moment


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _nth_weekday(day: date, ordinal: int) -> bool:
    if ordinal > 0:
        return (day.day - 1) // 7 + 1 == ordinal
    last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).day
    return -((last - day.day) // 7 + 1) == ordinal


def _month_day_ok(rule: Rule, day: date) -> bool:
    last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).day
    return any(day.day == (d if d > 0 else last + 1 + d) for d in rule.by_month_day)


def _day_matches(rule: Rule, anchor: date, day: date) -> bool:
    if rule.by_month and day.month not in rule.by_month:
        return False
    if rule.by_month_day and not _month_day_ok(rule, day):
        return False
    if rule.by_day and not any(
        wd == day.weekday() and (o is None or _nth_weekday(day, o)) for o, wd in rule.by_day
    ):
        return False
    if rule.freq in ("MINUTELY", "HOURLY"):
        return True
    if rule.freq == "DAILY":
        return (day - anchor).days % rule.interval == 0
    if rule.freq == "WEEKLY":
        if _week_offset(anchor, day) % rule.interval:
            return False
        return bool(rule.by_day) or day.weekday() == anchor.weekday()
    if rule.freq == "MONTHLY":
        if (_month_index(day) - _month_index(anchor)) % rule.interval:
            return False
        return bool(rule.by_month_day or rule.by_day) or day.day == anchor.day
    # YEARLY
    if (day.year - anchor.year) % rule.interval:
        return False
    if not rule.by_month and day.month != anchor.month:
        return False
    return bool(rule.by_month_day or rule.by_day) or day.day == anchor.day


def _week_offset(anchor: date, day: date) -> int:
    start = anchor - timedelta(days=anchor.weekday())
    return (day - start).days // 7


def _times(rule: Rule, anchor: datetime, day: date) -> list[tuple[int, int, int]]:
    seconds = rule.by_second or (anchor.second,)
    if rule.freq == "MINUTELY":
        minutes = [
            (h, m)
            for h in (rule.by_hour or range(24))
            for m in (rule.by_minute or range(60))
            if ((day - anchor.date()).days * 1440 + h * 60 + m - anchor.hour * 60 - anchor.minute)
            % rule.interval
            == 0
        ]
    elif rule.freq == "HOURLY":
        hours = [
            h
            for h in (rule.by_hour or range(24))
            if ((day - anchor.date()).days * 24 + h - anchor.hour) % rule.interval == 0
        ]
        minutes = [(h, m) for h in hours for m in (rule.by_minute or (anchor.minute,))]
    else:
        minutes = [
            (h, m)
            for h in (rule.by_hour or (anchor.hour,))
            for m in (rule.by_minute or (anchor.minute,))
        ]
    return sorted((h, m, s) for h, m in minutes for s in seconds)


def next_occurrence(
    rule: Rule, anchor: datetime, after: datetime, end: datetime | None
) -> tuple[datetime | None, bool]:
    """First occurrence of ``rule`` (started at aware ``anchor``) strictly after ``after``.

    Returns ``(moment, exhausted)``: ``(None, True)`` when COUNT, UNTIL or ``end`` has run out,
    ``(None, False)`` when nothing falls within the search horizon.
    """
    tz = anchor.tzinfo
    assert tz is not None
    limits = [x for x in (rule.until, end) if x is not None]
    limit = min(limits) if limits else None
    # COUNT needs every occurrence from the anchor; otherwise start searching at `after`.
    first_day = anchor.date()
    if rule.count is None:
        first_day = max(first_day, after.astimezone(tz).date())
    last_day = max(first_day, after.astimezone(tz).date()) + timedelta(days=HORIZON_DAYS)
    seen = 0
    day = first_day
    while day <= last_day:
        if _day_matches(rule, anchor.date(), day):
            for h, m, s in _times(rule, anchor, day):
                moment = datetime(day.year, day.month, day.day, h, m, s, tzinfo=tz)
                if moment < anchor:
                    continue
                if limit is not None and moment > limit:
                    return None, True
                seen += 1
                if rule.count is not None and seen > rule.count:
                    return None, True
                if moment > after:
                    return moment, False
        day += timedelta(days=1)
    return None, False


def next_execution(
    rules: list[Rule],
    *,
    start: datetime | None,
    end: datetime | None,
    created: datetime,
    now: datetime,
) -> tuple[datetime | None, bool]:
    """``(next run, completed)`` for a task's rules anchored at ``start`` (else ``created``).

    No rules and no start: not scheduled, ``(None, False)``. No rules with a start: one run at
    ``start``. Completed only when every rule is exhausted.
    """
    if not rules:
        if start is None:
            return None, False
        return (start, False) if start > now else (None, True)
    anchor = start or created
    results = [next_occurrence(r, anchor, now, end) for r in rules]
    found = [moment for moment, _ in results if moment is not None]
    if found:
        return min(found), False
    return None, all(exhausted for _, exhausted in results)
