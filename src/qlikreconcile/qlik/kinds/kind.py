"""What a resource kind is to the rest of qlikreconcile: one module and one registry entry.

A kind module (``qlik/kinds/<kind>.py``) holds everything about one Qlik resource kind, the way
an octoDNS provider owns populate and apply for its record types, and ends with its
:class:`Kind`, which :mod:`.registry` lists:

* ``spec``: its capabilities (:class:`~qlikreconcile.engine.kinds.KindSpec`), all the engine
  knows of it;
* ``want``: its desired resources in one tenant, built from the tenant's spec (:class:`Wants`);
* ``read``: its actual resources in one tenant (:class:`Reading`); the app kind's reader returns
  its whole family (:mod:`qlikreconcile.qlik.discover_apps`: build copies, scripts, reloads,
  published copies and schedules come from one items list and one read per app), so the other
  four have None, and so has ``pending_create`` (read from the source tenant's control records);
* ``run``: its operations against Qlik, with its typed inputs beside it;
* ``secrets``: the environment variables an operation of the kind reads a secret from;
* ``prune_key``: the fleet.yaml ``prune:`` key that lets it be deleted, if any.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.state import ActualResource, DesiredResource
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.kinds.base import Handler
from qlikreconcile.qlik.refs import TenantRef
from qlikreconcile.spec.desired_state import DesiredFleet, Tenant


@dataclass(frozen=True, slots=True)
class Wants:
    """One tenant's spec, as every kind's ``want`` gets it."""

    fleet: DesiredFleet
    tenant: Tenant
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    """Each connection's password fingerprint, by connection key (never a password)."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One tenant being read: its client, what the spec expects, and its spaces (read first:
    they prove the host is a tenant and name its id)."""

    client: QlikClient
    ref: TenantRef
    now: float
    spaces: tuple[dict[str, Any], ...]

    @property
    def tenant_id(self) -> str | None:
        return next((str(s["tenantId"]) for s in self.spaces if s.get("tenantId")), None)

    @property
    def space_names(self) -> dict[str, str]:
        """Space id -> name."""
        return {s["id"]: s["name"] for s in self.spaces if s.get("name")}


@dataclass(slots=True)
class Found:
    """What a reading found: resources, and expected ones known to be missing (drift)."""

    resources: list[ActualResource]
    missing: dict[ResourceKey, str] = field(default_factory=dict)


Reader = Callable[[Reading], Awaitable[Found]]
Wanter = Callable[[Wants], list[DesiredResource]]


def no_secrets(op: Operation) -> Iterable[str]:
    return ()


@dataclass(frozen=True, slots=True)
class Kind:
    """One resource kind: its capabilities, how it is wanted, read and changed."""

    spec: KindSpec
    run: Handler
    want: Wanter | None
    """None: never in the spec (an obsolete control record, only ever deleted)."""
    read: Reader | None
    """None: read by another reader (the app family's, or the source tenant's records)."""
    secrets: Callable[[Operation], Iterable[str]] = no_secrets
    prune_key: str | None = None
    """The fleet.yaml ``prune:`` key that lets owned resources of this kind no longer in the
    spec be deleted (None: never pruned)."""

    @property
    def name(self) -> str:
        return self.spec.name


class UnreadableTenant(Exception):
    """A tenant whose state cannot be planned; the message says why and what to do."""
