"""Qlik's rate-limit tiers and an opt-in limiter (qlik-cloud-api.md §9.3).

Tiers come from the spec's ``x-qlik-tier``: GETs tier 1 (1000/min), writes tier 2 (100/min),
``POST /reloads`` and reload cancel a special 50/min budget. Counted per (host, user, tier) over
a sliding 60-second window; only enforced when ``EmulatorConfig.rate_limits`` is set.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

Tier = str

TIER_LIMITS: dict[Tier, int] = {"1": 1000, "2": 100, "reloads": 50}
WINDOW_SECONDS = 60.0

# (method, route template) -> tier, for the routes that differ from "GET = 1, other = 2".
ROUTE_TIERS: dict[tuple[str, str], Tier] = {
    ("POST", "/api/v1/reloads"): "reloads",
    ("POST", "/api/v1/reloads/{reloadId}/actions/cancel"): "reloads",
    ("POST", "/oauth/token"): "2",
}


def tier_for(method: str, route: str) -> Tier:
    explicit = ROUTE_TIERS.get((method.upper(), route))
    if explicit is not None:
        return explicit
    return "1" if method.upper() in ("GET", "HEAD") else "2"


@dataclass
class RateLimiter:
    """Sliding-window counters. State is in memory only (not persisted)."""

    hits: dict[tuple[str, str, Tier], deque[float]] = field(default_factory=dict)

    def check(self, host: str, user: str, tier: Tier, now: float) -> int | None:
        """Record a request; return Retry-After seconds when over the limit, else None."""
        window = self.hits.setdefault((host, user, tier), deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) >= TIER_LIMITS[tier]:
            return max(1, math.ceil(window[0] + WINDOW_SECONDS - now))
        window.append(now)
        return None

    def clear(self) -> None:
        self.hits.clear()
