"""Qlik's quarterly API versions, and the deprecations Qlik announces in response headers.

Every request carries ``qlik-api-version`` (qlik-cloud-api.md §14.3): without it Qlik applies
the **oldest** supported release, and the acknowledged release decides which deprecation
warnings come back. The version is pinned (:data:`DEFAULT_API_VERSION`, the one the project is
tested against) and a fleet may override it in ``fleet.yaml`` (``api_version``).

Deprecations arrive as ``Deprecation`` (``true``, or an RFC 8941 date ``@<unix seconds>``),
``Sunset`` (an HTTP date) and ``Link`` headers. :class:`DeprecationLog` keeps one entry per
(method, endpoint) for the whole run, so plan and apply can show each one once; reading them
costs a header lookup per response and nothing more unless one is present.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

logger = logging.getLogger(__name__)

HEADER = "qlik-api-version"
DEFAULT_API_VERSION = "2026-11"
"""The release qlikreconcile is tested against (qlik-cli 4.0.0 sends it too). Qlik supports
2026-05, 2026-08 and 2026-11 as of November 2026; ``target.api_version`` is checked by the spec."""

_ID_SEGMENT = re.compile(r"^(?=.*\d)[A-Za-z0-9_.:-]{16,}$")


def endpoint(method: str, path: str) -> str:
    """``GET /api/v1/reload-tasks/{id}``: the path with id-like segments generalised."""
    parts = ["{id}" if _ID_SEGMENT.match(p) else p for p in path.split("/")]
    return f"{method.upper()} {'/'.join(parts)}"


@dataclass(frozen=True, slots=True)
class Deprecation:
    endpoint: str
    since: str | None
    sunset: str | None
    link: str | None

    def message(self) -> str:
        text = f"Qlik deprecates {self.endpoint}"
        if self.since:
            text += f" (since {self.since})"
        if self.sunset:
            text += f"; it is removed on or after {self.sunset}"
        if self.link:
            text += f"; see {self.link}"
        return text


def _since(value: str) -> str | None:
    value = value.strip()
    if value.startswith("@") and value[1:].isdigit():
        return datetime.fromtimestamp(int(value[1:]), UTC).strftime("%Y-%m-%d")
    return None if value.lower() == "true" else value


def _link(value: str | None) -> str | None:
    if not value:
        return None
    match = re.search(r"<([^>]+)>", value)
    return match.group(1) if match else value.strip()


class DeprecationLog:
    """The deprecations seen during one session, one per endpoint, in the order first seen."""

    def __init__(self) -> None:
        self._seen: dict[str, Deprecation] = {}

    def note(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        """Record the response's deprecation headers, if any (the caller checked one is set)."""
        where = endpoint(method, path)
        if where in self._seen:
            return
        found = Deprecation(
            where,
            _since(headers.get("deprecation", "")),
            headers.get("sunset"),
            _link(headers.get("link")),
        )
        self._seen[where] = found
        logger.warning("%s", found.message())

    def adopt(self, seen: Iterable[Deprecation]) -> None:
        """Take in what another session saw (one of a fleet read's worker processes, which
        logged it already)."""
        for found in seen:
            self._seen.setdefault(found.endpoint, found)

    def all(self) -> tuple[Deprecation, ...]:
        return tuple(self._seen.values())

    def warnings(self) -> tuple[str, ...]:
        return tuple(d.message() for d in self._seen.values())
