"""The Plan: immutable, deterministically ordered, versioned and checksummed.

A plan is data. Renderers read it, the executor runs it, and a plan saved to a file and loaded
again is the same plan (same canonical JSON, same checksum). Secrets never reach a plan: fields
the provider marks sensitive hold :data:`SENSITIVE` instead of a value.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qlikreconcile.engine.graph import topological
from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.rollout import Rollout

FORMAT_VERSION = 2
SENSITIVE = "(sensitive)"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs: its path, the observed value and the desired one."""

    path: str
    before: Any
    after: Any
    sensitive: bool = False
    text: bool = False
    """True for long text (load scripts) that renderers show as a unified diff."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "before": self.before, "after": self.after}
        if self.sensitive:
            data["sensitive"] = True
        if self.text:
            data["text"] = True
        return data


@dataclass(frozen=True, slots=True)
class Operation:
    """One step of a plan. ``id`` is stable: the key and the action, so plans diff cleanly."""

    key: ResourceKey
    action: Action
    reason: str
    changes: tuple[FieldChange, ...] = ()
    depends_on: tuple[str, ...] = ()
    desired: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    ident: str | None = None
    drift: bool = False
    gates: tuple[str, ...] = ()
    """The checks of the health gate this operation must pass, one line each (for people)."""
    then: Action | None = None
    """What an ADOPT also does once the resource is ours: the kind's refresh (a republish after
    the build app it comes from changed in the same plan). None for every other action."""

    @property
    def id(self) -> str:
        return f"{self.key}:{self.action.value}"

    @property
    def effects(self) -> frozenset[Action]:
        """Every action this operation performs: its own, and what an adoption also does."""
        return frozenset({self.action} if self.then is None else {self.action, self.then})

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "key": str(self.key),
            "kind": self.key.kind,
            "name": self.key.name,
            "action": self.action.value,
            "reason": self.reason,
            "changes": [c.to_dict() for c in self.changes],
            "depends_on": list(self.depends_on),
            "desired": dict(self.desired),
            "inputs": dict(self.inputs),
        }
        if self.ident is not None:
            data["ident"] = self.ident
        if self.drift:
            data["drift"] = True
        if self.gates:
            data["gates"] = list(self.gates)
        if self.then is not None:
            data["then"] = self.then.value
        return data


def divergence_tenant(text: str) -> str:
    """The tenant a divergence line is about (lines start ``TENANT/kind/name:`` or ``TENANT:``)."""
    return text.split("/", 1)[0].split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Held:
    """A tenant whose changes the spec holds back, and why: a freeze (its operations are left
    out of the plan and counted here) or a template pinned below the newest release."""

    tenant: str
    reason: str
    operations: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "reason": self.reason, "operations": self.operations}


@dataclass(frozen=True, slots=True)
class Plan:
    """Ordered operations for a fleet, with warnings and where they were planned against."""

    target: str
    operations: tuple[Operation, ...]
    warnings: tuple[str, ...] = ()
    tenants: tuple[str, ...] = ()
    """Every tenant that was planned, including those with nothing to do."""
    revision: str | None = None
    """The spec's git revision when known."""
    observed: Mapping[str, str] = field(default_factory=dict)
    """Fingerprint of each resource an operation touches, as observed when planning."""
    context: Mapping[str, Any] = field(default_factory=dict)
    """What the provider needs to apply the plan later (host names); never secrets."""
    divergences: tuple[str, ...] = ()
    """Where the fleet differs from the spec and this run will not repair it (left-behind owned
    objects, unreadable or blocked tenants): the fleet does not match even with no operation."""
    unread: tuple[str, ...] = ()
    """Planned tenants that could not be read (or are blocked): nothing is known about them."""
    rollout: Rollout | None = None
    """The waves, failure budget and guard thresholds apply uses (None: one wave, defaults)."""
    held: tuple[Held, ...] = ()
    """Tenants whose changes the spec holds back (freezes, pins below the newest release)."""

    @property
    def matches(self) -> bool:
        """True only when the fleet matches the spec: nothing to do and nothing left diverging."""
        return self.empty and not self.divergences and not self.unread

    @property
    def nothing_read(self) -> bool:
        return bool(self.tenants) and set(self.tenants) <= set(self.unread)

    @property
    def empty(self) -> bool:
        return not self.operations

    def summary(self) -> dict[str, int]:
        """How many operations of each action, every action listed (zeros included)."""
        counts = Counter(op.action for op in self.operations)
        return {action.value: counts.get(action, 0) for action in Action}

    def all_tenants(self) -> list[str]:
        """Planned tenants, and any tenant an operation names, sorted."""
        return sorted(set(self.tenants) | {op.key.tenant for op in self.operations})

    def for_tenant(self, tenant: str) -> list[Operation]:
        return [op for op in self.operations if op.key.tenant == tenant]

    def canonical(self) -> dict[str, Any]:
        """The content the checksum covers: everything but the checksum itself."""
        return {
            "format_version": FORMAT_VERSION,
            "target": self.target,
            "revision": self.revision,
            "tenants": [
                {"name": t, "operations": [op.to_dict() for op in self.for_tenant(t)]}
                for t in self.all_tenants()
            ],
            "context": dict(self.context),
            "observed": dict(sorted(self.observed.items())),
            "warnings": list(self.warnings),
            "summary": self.summary(),
            # Only when present, so plans without any keep the checksum they always had.
            **({"divergences": list(self.divergences)} if self.divergences else {}),
            **({"unread": list(self.unread)} if self.unread else {}),
            **({"rollout": self.rollout.to_dict()} if self.rollout else {}),
            **({"held": [h.to_dict() for h in self.held]} if self.held else {}),
        }

    @property
    def checksum(self) -> str:
        body = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), default=str)
        return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


def sorted_operations(ops: list[Operation], kind_order: Mapping[str, int]) -> tuple[Operation, ...]:
    """Deterministic order that is also a valid execution order (dependencies first)."""
    by_id = {op.id: op for op in ops}
    pending = sorted(
        ops, key=lambda o: (o.key.tenant, kind_order.get(o.key.kind, 99), o.key.name, o.id)
    )
    edges = {op.id: sorted(op.depends_on) for op in ops}
    return tuple(by_id[i] for i in topological([op.id for op in pending], edges))
