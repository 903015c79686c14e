"""Qlik's rate-limit tiers and an opt-in limiter (qlik-cloud-api.md §9.3).

The numbers are the spec's ``x-qlik-tier`` values, kept here as a small table (the emulator never
reads the OpenAPI file; ``tests/conformance`` checks this table against it for every served
endpoint): GET/HEAD are tier 1 (1000 a minute), other methods tier 2 (100 a minute), and the
``special`` endpoints in :data:`SPECIAL_LIMITS` have their own budget each.

Counted per (host, user, tier) over a sliding 60-second window (quirk ``rate_limits.window``);
unauthenticated calls (``/oauth/token``) count as user ``""``. Enforced only when
``EmulatorConfig.rate_limits`` is set. Over the limit: 429 ``HTTP-429`` with ``Retry-After`` in
whole seconds until the oldest counted request leaves the window.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

Tier = str

TIER_LIMITS: dict[Tier, int] = {"1": 1000, "2": 100}
WINDOW_SECONDS = 60.0

# (method, route template) -> requests per minute, for endpoints whose x-qlik-tier is "special".
SPECIAL_LIMITS: dict[tuple[str, str], int] = {
    ("POST", "/api/v1/reloads"): 50,
    ("POST", "/api/v1/reloads/{reloadId}/actions/cancel"): 50,
    ("POST", "/api/v1/users/actions/filter"): 200,
}


def tier_for(method: str, route: str) -> Tier:
    """``"1"``, ``"2"`` or ``"special:METHOD route"`` (each special endpoint its own budget)."""
    method = method.upper()
    if (method, route) in SPECIAL_LIMITS:
        return f"special:{method} {route}"
    return "1" if method in ("GET", "HEAD") else "2"


def limit_for(tier: Tier) -> int:
    """Requests per minute allowed in ``tier``."""
    if tier.startswith("special:"):
        method, _, route = tier.removeprefix("special:").partition(" ")
        return SPECIAL_LIMITS[(method, route)]
    return TIER_LIMITS[tier]


@dataclass
class RateLimiter:
    """Sliding-window counters. State is in memory only (not persisted)."""

    hits: dict[tuple[str, str, Tier], deque[float]] = field(default_factory=dict)

    def check(self, host: str, user: str, tier: Tier, now: float) -> int | None:
        """Record a request; return Retry-After seconds when over the limit, else None."""
        window = self.hits.setdefault((host, user, tier), deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) >= limit_for(tier):
            return max(1, math.ceil(window[0] + WINDOW_SECONDS - now))
        window.append(now)
        return None

    def clear(self) -> None:
        self.hits.clear()
