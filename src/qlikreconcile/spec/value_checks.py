"""Value rules of the spec that a type alone cannot express, as data and small pure checks.

Each check takes a value and returns ``None`` when it is fine or a message saying what is wrong;
the loaders attach positions and fixes. Keeping the rules here, apart from file handling, makes
them easy to test and to find: roles per space type, RRULE lines, durations, host names, time
zones, template references and targets.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

from qlikreconcile.spec.desired_state import HOSTNAME_RE, REGIONS, SPACE_NAME_RE, TENANT_NAME_RE

ROLES_BY_SPACE_TYPE: dict[str, frozenset[str]] = {
    "shared": frozenset({"codeveloper", "consumer", "dataconsumer", "facilitator", "producer"}),
    "managed": frozenset(
        {"consumer", "contributor", "dataconsumer", "facilitator", "publisher", "basicconsumer"}
    ),
    "data": frozenset(
        {
            "consumer",
            "dataconsumer",
            "datapreview",
            "facilitator",
            "operator",
            "producer",
            "publisher",
        }
    ),
}
"""Roles Qlik accepts on a space assignment, per space type (qlik-cloud-api.md §3)."""

COMMUNITY_SHEET_ROLES = frozenset({"contributor"})
"""Managed-space roles whose members may make their own sheets public (community sheets);
``consumer`` may not (qlik-cloud-api.md §14.4, Qlik's managed-space permission help)."""

RRULE_FREQS = ("MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
"""What Qlik's scheduler runs: the Scheduling Tasks API takes one RRULE string (§14.1). SECONDLY
is refused, as are BYSETPOS, BYYEARDAY, BYWEEKNO and a week start other than MO: the grammar
below is the one the emulator declares as Qlik's (emulator quirk ``scheduling.grammar``); a test
checks that both accept and refuse the same rules, without sharing code."""
_INT_LISTS: dict[str, tuple[int, int]] = {
    "BYSECOND": (0, 59),
    "BYMINUTE": (0, 59),
    "BYHOUR": (0, 23),
    "BYMONTHDAY": (-31, 31),
    "BYMONTH": (1, 12),
}
_LIMITS = {"INTERVAL": 1000, "COUNT": 100_000}
RRULE_KEYS = ("FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "WKST", *_INT_LISTS)
_BYDAY_RE = re.compile(r"^(?P<ordinal>[+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL_RE = re.compile(r"^\d{8}(T\d{6}Z?)?$")
DURATION_RE = re.compile(r"^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
SHORT_DURATION_RE = re.compile(r"^(?=\d)(?:(\d+)m)?(?:(\d+)s)?$")
RETRY_DELAY_MAX = 600
TEMPLATE_REF_RE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_-]*)(?:@(?P<version>[1-9][0-9]*))?$")
TEMPLATE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TARGET_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$")


def _int_list(key: str, value: str, low: int, high: int) -> str | None:
    for part in value.split(","):
        number = int(part) if re.fullmatch(r"[+-]?\d+", part) else None
        # signed ranges (BYMONTHDAY=-1 is the last day) have no zero
        if number is None or not low <= number <= high or (number == 0 and low < 0):
            return f"{key} value '{part}' is not a number from {low} to {high}"
    return None


def check_rrule(rule: str) -> str | None:
    """A minimal RFC 5545 check of one ``RRULE:`` line (no DTSTART, as Qlik's reload tasks)."""
    if not rule.startswith("RRULE:"):
        return "a schedule must be one RRULE line starting with 'RRULE:'"
    seen: dict[str, str] = {}
    for part in rule[len("RRULE:") :].split(";"):
        key, sep, value = part.partition("=")
        if not sep or not key or not value:
            return f"'{part}' is not KEY=VALUE"
        if key not in RRULE_KEYS:
            return f"unknown RRULE key '{key}' (known: {', '.join(RRULE_KEYS)})"
        if key in seen:
            return f"RRULE key '{key}' given twice"
        seen[key] = value
        if key == "FREQ" and value not in RRULE_FREQS:
            return f"FREQ must be one of {', '.join(RRULE_FREQS)}, not '{value}'"
        if key in _LIMITS and not (value.isdigit() and 1 <= int(value) <= _LIMITS[key]):
            return f"{key} must be a whole number from 1 to {_LIMITS[key]}"
        if key == "WKST" and value != "MO":
            return "Qlik's scheduler supports only WKST=MO (the default); remove WKST"
        if key == "BYDAY" and not all(_BYDAY_RE.match(d) for d in value.split(",")):
            return f"BYDAY '{value}' must list weekdays like MO,TU or 1MO,-1FR (ordinals 1 to 5)"
        if key == "UNTIL" and not _UNTIL_RE.match(value):
            return "UNTIL must be a date like 20251231 or 20251231T235959Z"
        if key in _INT_LISTS:
            found = _int_list(key, value, *_INT_LISTS[key])
            if found:
                return found
    if "FREQ" not in seen:
        return "an RRULE needs FREQ, e.g. RRULE:FREQ=DAILY;BYHOUR=2"
    if "COUNT" in seen and "UNTIL" in seen:
        return "an RRULE may have COUNT or UNTIL, not both"
    ordinals = any(
        (m := _BYDAY_RE.match(d)) and m["ordinal"] for d in seen.get("BYDAY", "").split(",")
    )
    if ordinals and seen["FREQ"] not in ("MONTHLY", "YEARLY"):
        return "BYDAY with an ordinal (1MO, -1FR) needs FREQ=MONTHLY or FREQ=YEARLY"
    return None


def duration_seconds(text: str) -> int | None:
    """``"1d12h"`` -> 129600; None when `text` is not a duration of days, hours and minutes."""
    match = DURATION_RE.match(text)
    if not match:
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60


def check_max_age(text: str) -> str | None:
    seconds = duration_seconds(text)
    if seconds is None:
        return f"max_age '{text}' is not a duration like 90m, 26h, 3d or 1d12h"
    if seconds == 0:
        return "max_age must be longer than zero"
    return None


def short_duration_seconds(text: str) -> int | None:
    """``"1m30s"`` -> 90; None when `text` is not a duration of minutes and seconds."""
    match = SHORT_DURATION_RE.match(text)
    if not match:
        return None
    minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return minutes * 60 + seconds


def check_retry_delay(text: str | None) -> str | None:
    if text is None:
        return None
    seconds = short_duration_seconds(text)
    if seconds is None:
        return f"retry_delay '{text}' is not a duration like 30s, 2m or 1m30s"
    if not 1 <= seconds <= RETRY_DELAY_MAX:
        return f"retry_delay '{text}' must be from 1s to {RETRY_DELAY_MAX // 60}m"
    return None


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(name: str) -> str | None:
    """IANA zone names; skipped when this machine has no time zone database at all."""
    zones = _known_zones()
    if name == "UTC" or not zones or name in zones:
        return None
    return f"unknown time zone '{name}'; use an IANA name like Europe/Zurich or UTC"


TENANT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
"""A Qlik tenant id as the spec may name one (e.g. TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69)."""


def check_hostname(hostname: str, region: str | None) -> str | None:
    """A valid lower-case DNS name; a ``*.qlikcloud.com`` name must carry the tenant's region."""
    if not HOSTNAME_RE.match(hostname):
        return f"'{hostname}' is not a valid host name (lower-case letters, digits, - and dots)"
    labels = hostname.split(".")
    if region and hostname.endswith(".qlikcloud.com") and len(labels) == 4:
        if labels[1] not in REGIONS:
            return f"host name '{hostname}' has unknown region '{labels[1]}'"
        if labels[1] != region:
            return f"host name '{hostname}' is in region '{labels[1]}', the tenant in '{region}'"
    return None


def check_tenant_name(name: str) -> str | None:
    if TENANT_NAME_RE.match(name):
        return None
    return (
        f"tenant name '{name}' must be 1-63 lower-case letters, digits or '-',"
        " starting and ending with a letter or digit"
    )


def check_space_name(name: str) -> str | None:
    if SPACE_NAME_RE.match(name) and name.strip() == name:
        return None
    if not name:
        return "space name is empty"
    if len(name) > 256:
        return "space name is longer than 256 characters"
    if name.strip() != name:
        return f"space name '{name}' starts or ends with spaces"
    return f"space name '{name}' contains one of \" * ? < > / | \\ :"


def check_roles(space_type: str, roles: list[str]) -> str | None:
    allowed = ROLES_BY_SPACE_TYPE[space_type]
    bad = [r for r in roles if r not in allowed]
    if bad:
        return (
            f"role{'s' if len(bad) > 1 else ''} {', '.join(repr(r) for r in bad)} not valid in a"
            f" {space_type} space (valid: {', '.join(sorted(allowed))})"
        )
    if not roles:
        return "a member needs at least one role"
    if len(set(roles)) != len(roles):
        return "a role is listed twice"
    return None


API_VERSION_RE = re.compile(r"^(latest|20[0-9]{2}-(02|05|08|11))$")
"""Qlik's quarterly releases (YYYY-MM in February, May, August, November) or ``latest``."""


def check_api_version(version: str | None) -> str | None:
    if version is None or API_VERSION_RE.match(version):
        return None
    return (
        f"api_version '{version}' is not a Qlik API release: releases are quarterly, "
        "YYYY-02, YYYY-05, YYYY-08 or YYYY-11 (qlik-api-version header), or latest"
    )


def check_target(target: str) -> str | None:
    if target in ("emulator", "qlik-cloud") or TARGET_URL_RE.match(target):
        return None
    return f"target '{target}' must be emulator, qlik-cloud or a URL like http://127.0.0.1:8080"


def archive_folder_ok(path: str) -> bool:
    """``decommission.export_to``: a relative folder that stays inside the repository (the
    writer refuses to leave it as well; this names the line before any API call)."""
    text = path.strip().replace("\\", "/")
    parts = text.split("/")
    return bool(text) and not text.startswith("/") and ":" not in text and ".." not in parts
