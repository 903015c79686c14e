"""Client-side rate limits per (tenant host, tier), with Qlik's numbers (doc §9.3).

Qlik meters requests per tier, per user, per tenant: tier 1 (most reads) 1,000 a minute, tier 2
(creates, updates, deletes, app import/export, ``/oauth/token``) 100 a minute, and special
budgets stated per endpoint, notably ``POST /reloads`` (and reload cancel) 50 a minute. Each is
evaluated over a 5-minute window so bursts are allowed: at most ``5 x per-minute`` requests in any
300 seconds. :data:`TIERS` maps (method, path) to a tier, in one table.

A 429 that is a real rate limit (not the "reload already pending" answer) blocks every endpoint
of the same tier for ``Retry-After`` seconds on Qlik's side, so :meth:`RateLimiter.pause` holds
back the whole (host, tier) locally too: the other requests of a fleet-wide apply wait instead of
each earning its own 429.

Our budget is per host for the one OAuth client we use, which is what Qlik meters for a
machine-to-machine client. The clock and sleep are injected (the session's).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

Tier = str

TIER_PER_MINUTE: Mapping[Tier, int] = {"1": 1000, "2": 100, "reloads": 50, "filter": 200}
"""Requests per minute of each tier (doc §9.3; ``filter``: users/groups ``actions/filter``)."""

WINDOW_SECONDS = 300.0
"""Qlik evaluates the per-minute limits over five minutes, allowing bursts."""

TIERS: tuple[tuple[str, re.Pattern[str], Tier], ...] = (
    ("POST", re.compile(r"^/api/v1/reloads/?$"), "reloads"),
    ("POST", re.compile(r"^/api/v1/reloads/[^/]+/actions/cancel/?$"), "reloads"),
    ("POST", re.compile(r"^/api/v1/(?:users|groups)/actions/filter/?$"), "filter"),
    ("GET", re.compile(r""), "1"),
    ("HEAD", re.compile(r""), "1"),
    ("*", re.compile(r""), "2"),
)
"""(method or ``*``, path pattern, tier); the first match wins. Every write is tier 2 unless
listed (the spec's ``x-qlik-tier``: app import/export/publish, scripts, spaces, assignments,
connections, tenants, reload tasks, token)."""

_MAX_WAITS = 1000  # a waiter re-checks after each sleep; past this it goes ahead regardless


def tier_for(method: str, path: str) -> Tier:
    """The rate-limit tier of a request to ``path`` (no query) with ``method``."""
    method = method.upper()
    for wanted, pattern, tier in TIERS:
        if wanted in (method, "*") and pattern.match(path):
            return tier
    return "2"


@dataclass(slots=True)
class _Budget:
    # A list, not a deque: a budget for each tenant host and tier lives as long as the session,
    # and a deque's first block (64 slots) made them 3 MiB more at 5,000 tenants; a tenant's plan
    # sends about ten requests, and the expired ones leave from the front in one slice.
    sent: list[float] = field(default_factory=list)
    paused_until: float = 0.0


class RateLimiter:
    """Sliding-window budgets per (host, tier) and tier-wide pauses after a 429.

    ``per_minute`` maps tiers to their limits; a tier missing from it is not limited locally.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        per_minute: Mapping[Tier, int] = TIER_PER_MINUTE,
        window: float = WINDOW_SECONDS,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._capacity = {tier: int(n * window / 60.0) for tier, n in per_minute.items()}
        self._window = window
        self._budgets: dict[tuple[str, Tier], _Budget] = {}

    def _budget(self, host: str, tier: Tier) -> _Budget:
        budget = self._budgets.get((host, tier))
        if budget is None:  # made once per (host, tier), not once per request
            budget = self._budgets[host, tier] = _Budget()
        return budget

    def wait_seconds(self, host: str, tier: Tier) -> float:
        """How long a request of (host, tier) must wait now (0: it may go)."""
        budget = self._budget(host, tier)
        now = self._clock()
        wait = budget.paused_until - now
        capacity = self._capacity.get(tier)
        if capacity is not None:
            sent, expired = budget.sent, 0
            while expired < len(sent) and sent[expired] <= now - self._window:
                expired += 1
            del sent[:expired]
            if len(sent) >= capacity:
                wait = max(wait, sent[0] + self._window - now)
        return max(0.0, wait)

    async def acquire(self, host: str, tier: Tier) -> float:
        """Wait until a request of (host, tier) may be sent and count it; the seconds waited."""
        waited = 0.0
        for _ in range(_MAX_WAITS):
            wait = self.wait_seconds(host, tier)
            if wait <= 0.0:
                break
            await self._sleep(wait)
            waited += wait
        self._budget(host, tier).sent.append(self._clock())
        return waited

    def pause(self, host: str, tier: Tier, seconds: float) -> None:
        """Hold back every request of (host, tier) for ``seconds`` (Qlik's ``Retry-After``)."""
        if seconds <= 0:
            return
        budget = self._budget(host, tier)
        until = self._clock() + seconds
        if until > budget.paused_until:
            budget.paused_until = until
            logger.info("rate limited on %s (tier %s): pausing the tier %.1fs", host, tier, seconds)
