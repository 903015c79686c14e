"""What ``qlikreconcile status`` reports: the fleet at a glance, per tenant and per template.

Plain data, built by :mod:`qlikreconcile.reconcile.status` and rendered by
:mod:`qlikreconcile.render.status`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AppStatus:
    template: str
    release: int | None
    """The release the tenant's build copy was made from; None when it does not exist yet."""
    newest: int | None
    pinned: bool
    reload: str
    data_age_hours: float | None
    max_age_hours: float | None
    schedule: str
    drift: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TenantStatus:
    name: str
    host: str
    wave: str
    state: str
    """``in sync``, ``changes pending``, ``diverged``, ``held`` or ``unreadable``."""
    apps: tuple[AppStatus, ...] = ()
    pending: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FleetStatus:
    fleet: str
    target: str
    tenants: tuple[TenantStatus, ...]
    releases: dict[str, dict[str, int]] = field(default_factory=dict)
    """Template -> release ("1", "2", ... or "none") -> number of tenants running it."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
