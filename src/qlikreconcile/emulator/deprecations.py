"""Quarterly API versions and the deprecation headers Qlik answers (qlik-cloud-api.md §14.3).

Every request may carry ``qlik-api-version``: a supported release (``YYYY-MM``) or ``latest``.
A missing or unsupported value gets the **oldest** supported release (quirk
``api_version.fallback``). The version never changes a payload; it decides which deprecation
warnings come back: every release but ``latest`` gets the headers of :data:`DEPRECATED`
(quirk ``api_version.deprecations``), as ``Deprecation: @<unix seconds>`` (RFC 9745),
``Sunset: <HTTP date>`` and ``Link: <url>; rel="deprecation"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

HEADER = "qlik-api-version"
SUPPORTED = ("2026-05", "2026-08", "2026-11")
LATEST = "latest"


@dataclass(frozen=True)
class Deprecated:
    """One deprecated API: which requests, since when, until when, and where it is explained."""

    methods: frozenset[str]
    path: re.Pattern[str]
    since: datetime
    sunset: datetime
    link: str

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"deprecation", f"@{int(self.since.timestamp())}".encode()),
            (b"sunset", format_datetime(self.sunset, usegmt=True).encode()),
            (b"link", f'<{self.link}>; rel="deprecation"'.encode()),
        ]


DEPRECATED: tuple[Deprecated, ...] = (
    Deprecated(
        # Changelog 231 (2026-06-26): replaced by the Scheduling Tasks API; removal on or after
        # 2026-09-29. What still answers (the reads) keeps warning.
        frozenset({"GET", "PUT", "DELETE", "POST"}),
        re.compile(r"^/api/v1/reload-tasks(/[^/]+)?/?$"),
        datetime(2026, 6, 26, tzinfo=UTC),
        datetime(2026, 9, 29, tzinfo=UTC),
        "https://qlik.dev/changelog/231-scheduling-tasks-api-and-reload-tasks-deprecation/",
    ),
)


def effective_version(sent: str | None) -> str:
    """The release a request is served as: what it sent when supported, else the oldest."""
    if sent == LATEST or sent in SUPPORTED:
        return sent
    return SUPPORTED[0]


def deprecation_headers(method: str, path: str, version: str) -> list[tuple[bytes, bytes]]:
    if version == LATEST:
        return []
    for entry in DEPRECATED:
        if method in entry.methods and entry.path.match(path):
            return entry.headers()
    return []
