"""Value rules: RRULE lines, durations, host names, space names, roles, targets."""

from __future__ import annotations

import pytest

from qlikreconcile.spec.value_checks import (
    check_hostname,
    check_max_age,
    check_roles,
    check_rrule,
    check_space_name,
    check_target,
    check_timezone,
    duration_seconds,
)


@pytest.mark.parametrize(
    "rule",
    [
        "RRULE:FREQ=DAILY;BYHOUR=2",
        "RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=11;BYMINUTE=18;BYSECOND=0",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU;BYHOUR=13;BYMINUTE=17;BYSECOND=0",
        "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20261231T000000Z",
        "RRULE:FREQ=HOURLY;COUNT=10;WKST=MO",
    ],
)
def test_valid_rrules(rule: str) -> None:
    assert check_rrule(rule) is None


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("FREQ=DAILY", "starting with 'RRULE:'"),
        ("RRULE:BYHOUR=2", "needs FREQ"),
        ("RRULE:FREQ=DAILIES", "FREQ must be one of"),
        ("RRULE:FREQ=DAILY;BYHOUR=24", "BYHOUR value '24'"),
        ("RRULE:FREQ=DAILY;BYMONTHDAY=0", "BYMONTHDAY value '0'"),
        ("RRULE:FREQ=DAILY;FOO=1", "unknown RRULE key 'FOO'"),
        ("RRULE:FREQ=DAILY;FREQ=WEEKLY", "given twice"),
        ("RRULE:FREQ=DAILY;BYHOUR", "not KEY=VALUE"),
        ("RRULE:FREQ=DAILY;COUNT=2;UNTIL=20260101", "not both"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MONDAY", "BYDAY"),
        ("RRULE:FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number from 1"),
        ("RRULE:FREQ=SECONDLY", "FREQ must be one of"),
        ("RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR", "unknown RRULE key 'BYSETPOS'"),
        ("RRULE:FREQ=WEEKLY;WKST=SU", "only WKST=MO"),
        ("RRULE:FREQ=WEEKLY;BYDAY=1MO", "needs FREQ=MONTHLY or FREQ=YEARLY"),
    ],
)
def test_invalid_rrules(rule: str, fragment: str) -> None:
    message = check_rrule(rule)
    assert message is not None
    assert fragment in message


def test_durations() -> None:
    assert duration_seconds("26h") == 26 * 3600
    assert duration_seconds("1d12h") == 36 * 3600
    assert duration_seconds("90m") == 5400
    assert duration_seconds("26 hours") is None
    assert duration_seconds("") is None
    assert check_max_age("0h") == "max_age must be longer than zero"
    assert check_max_age("3d") is None


def test_hostnames() -> None:
    assert check_hostname("acme.eu.qlikcloud.com", "eu") is None
    assert check_hostname("analytics.acme.example", "eu") is None
    assert "in region 'us'" in (check_hostname("acme.us.qlikcloud.com", "eu") or "")
    assert "unknown region 'xx'" in (check_hostname("acme.xx.qlikcloud.com", "eu") or "")
    assert "not a valid host name" in (check_hostname("Acme_EU.example", "eu") or "")


def test_space_names() -> None:
    assert check_space_name("Acme build") is None
    assert check_space_name("Acme: build") is not None
    assert check_space_name(" Acme") is not None
    assert check_space_name("x" * 257) is not None


def test_roles_per_space_type() -> None:
    assert check_roles("shared", ["producer", "codeveloper"]) is None
    assert check_roles("managed", ["basicconsumer", "publisher"]) is None
    assert check_roles("data", ["operator", "datapreview"]) is None
    assert "not valid in a shared space" in (check_roles("shared", ["publisher"]) or "")
    assert "at least one role" in (check_roles("managed", []) or "")
    assert "twice" in (check_roles("managed", ["consumer", "consumer"]) or "")


def test_targets_and_timezones() -> None:
    for good in ("emulator", "qlik-cloud", "http://127.0.0.1:8080", "https://emu.local"):
        assert check_target(good) is None
    assert check_target("cloud") is not None
    assert check_timezone("Europe/Zurich") is None
    assert check_timezone("UTC") is None
    assert check_timezone("Mars/Olympus") is not None
