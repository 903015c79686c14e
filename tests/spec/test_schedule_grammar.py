"""The spec's schedule check and the emulator's scheduler accept and refuse the same rules.

They share no code on purpose (the emulator is independent of the client); this table is what
keeps them in step, so `validate` refuses exactly what an apply would have failed on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import pytest

from qlikreconcile.emulator.state.recurrence import ScheduleError, parse_rule, zone
from qlikreconcile.spec.value_checks import check_rrule, check_timezone

RULES = [
    "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0",
    "RRULE:FREQ=HOURLY;INTERVAL=6",
    "RRULE:FREQ=MINUTELY;INTERVAL=30",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU;BYHOUR=13;BYMINUTE=17;BYSECOND=0",
    "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
    "RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20261231T000000Z",
    "RRULE:FREQ=HOURLY;COUNT=10;WKST=MO",
    "RRULE:FREQ=SECONDLY",
    "RRULE:FREQ=SECONDLY;INTERVAL=10",
    "RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR",
    "RRULE:FREQ=YEARLY;BYYEARDAY=100",
    "RRULE:FREQ=YEARLY;BYWEEKNO=20",
    "RRULE:FREQ=WEEKLY;WKST=SU",
    "RRULE:FREQ=WEEKLY;BYDAY=1MO",
    "RRULE:FREQ=MONTHLY;BYDAY=6MO",
    "RRULE:FREQ=DAILY;BYSECOND=60",
    "RRULE:FREQ=DAILY;INTERVAL=1001",
    "RRULE:FREQ=DAILY;COUNT=2;UNTIL=20260101",
    "RRULE:FREQ=DAILY;BYHOUR=24",
    "RRULE:FREQ=DAILY;BYMONTHDAY=0",
    "RRULE:FREQ=DAILY;FREQ=WEEKLY",
    "RRULE:BYHOUR=2",
    "FREQ=DAILY",
]


def _emulator_accepts(check: Callable[[], object]) -> bool:
    try:
        check()
    except ScheduleError:
        return False
    return True


@pytest.mark.parametrize("rule", RULES)
def test_validate_and_the_scheduler_agree(rule: str) -> None:
    accepted = _emulator_accepts(lambda: parse_rule(rule, UTC))
    assert (check_rrule(rule) is None) == accepted, check_rrule(rule)


def test_the_table_holds_both_verdicts() -> None:
    verdicts = {check_rrule(rule) is None for rule in RULES}
    assert verdicts == {True, False}


ZONES = [
    "UTC",
    "Etc/UTC",
    "Europe/Zurich",
    "America/Argentina/Buenos_Aires",
    "Asia/Kolkata",
    "Z",
    "",
    "Mars/Olympus",
    "europe/zurich",
    "UTC+2",
    "../etc/passwd",
]


@pytest.mark.parametrize("name", ZONES)
def test_validate_and_the_scheduler_agree_on_time_zones(name: str) -> None:
    accepted = _emulator_accepts(lambda: zone(name))
    assert (check_timezone(name) is None) == accepted, check_timezone(name)
