"""Desired and actual state, as the engine sees them: keyed resources with JSON-like fields.

The provider layer translates Qlik payloads into :class:`ActualResource` and the spec into
:class:`DesiredResource`; the engine diffs and plans over these alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from qlikreconcile.engine.keys import ResourceKey


def fields_digest(fields: Mapping[str, Any]) -> str:
    """A short, stable digest of field values: what a provider records as "last applied".

    Stored on the resource itself (an ownership marker), it lets the planner tell a change made
    outside qlikreconcile (drift) from a change in the spec, with no state file.
    """
    body = json.dumps(dict(fields), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:12]


class _Nothing(Mapping[str, Any]):
    """A read-only empty mapping that pickles as the one shared instance: resources travel
    between processes (a fleet read on several cores, qlik/read_processes.py)."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"

    def __reduce__(self) -> str:
        return "_NOTHING"


_NOTHING: Mapping[str, Any] = _Nothing()


def _nothing() -> Mapping[str, Any]:
    """The default of a resource's mappings: one shared read-only empty mapping, since a new
    ``{}`` for each (two per actual resource) held 9 MiB in a 5,000-tenant plan."""
    return _NOTHING


@dataclass(frozen=True, slots=True)
class DesiredResource:
    """One resource as the spec wants it.

    ``fields`` are compared with the actual resource; ``inputs`` are carried to the operation
    for the provider but never diffed (a secret reference, an artifact path). ``parent`` is the
    container the resource lives in: when the parent is created or replaced, this resource is
    planned as if absent. ``refresh_on`` lists resources whose planned change re-runs this one.
    ``gates`` describes, one line per check, the health gate its operations must pass (see
    :mod:`~qlikreconcile.engine.gates`); the provider evaluates it.
    """

    key: ResourceKey
    fields: Mapping[str, Any]
    depends_on: tuple[ResourceKey, ...] = ()
    parent: ResourceKey | None = None
    refresh_on: tuple[ResourceKey, ...] = ()
    inputs: Mapping[str, Any] = field(default_factory=_nothing)
    gates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActualResource:
    """One resource as read from the target.

    ``owned`` is True when it carries qlikreconcile's ownership marker; unowned resources are
    never changed. ``ident`` is the target's id for it (never shown in diffs). ``drift`` holds
    human reasons why the observed state is off in a way the fields alone do not say (for a
    garbage copy: why it is garbage).
    """

    key: ResourceKey
    fields: Mapping[str, Any]
    owned: bool = True
    ident: str | None = None
    drift: tuple[str, ...] = ()
    applied: str | None = None
    """The :func:`fields_digest` qlikreconcile recorded when it last wrote the resource."""
    superseded: bool = False
    """A copy qlikreconcile replaced by a newer one but that something still uses."""
    garbage: bool = False
    """A copy qlikreconcile replaced and nothing uses any more: deleted without a spec decision."""
    duplicate: bool = False
    """A second owned copy for one spec entry (two runs raced before the apply lease): never
    deleted by the planner, since customers' sheets may live in it; reported with ``drift``."""
    adopt: bool = False
    """Found only through an explicit adoption (the spec names its id): its differences are
    planned as ADOPT, which takes it over, instead of an update."""
    observed: Mapping[str, Any] = field(default_factory=_nothing)
    """Facts read for reports (``status``), never diffed: when the data was last reloaded."""
    delete_inputs: Mapping[str, Any] = field(default_factory=_nothing)
    """What deleting it needs besides its id, set by the provider and passed on as the inputs of
    its DELETE (the engine does not read them)."""
    protected: str = ""
    """Why it is never pruned even where the spec prunes its kind (customers' sheets live in
    it); it is listed as left behind with this reason instead."""


@dataclass(frozen=True, slots=True)
class ActualState:
    """Everything read from the target for a set of tenants."""

    resources: Mapping[ResourceKey, ActualResource]
    unreadable: Mapping[str, str] = field(default_factory=dict)
    """Tenants that could not be read, with the reason; the planner plans nothing for them."""
    missing: Mapping[ResourceKey, str] = field(default_factory=dict)
    """Resources that are absent although their surroundings say they existed (drift), why."""
    blocked: Mapping[str, str] = field(default_factory=dict)
    """Tenants that must not be planned until an operator settles something (the steps, as
    text): like unreadable ones, nothing is planned for them and the run fails."""

    def fingerprint(self, key: ResourceKey) -> str:
        """What a saved plan remembers of one resource, to notice later changes (stale plans)."""
        found = self.resources.get(key)
        if found is None:
            return "absent"
        return fields_digest({"fields": found.fields, "ident": found.ident, "owned": found.owned})

    def by_tenant(self, tenant: str) -> list[ActualResource]:
        return [r for k, r in self.resources.items() if k.tenant == tenant]
