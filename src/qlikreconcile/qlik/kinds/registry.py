"""Every resource kind qlikreconcile manages, in the order their resources are created.

Adding a kind is its module (:mod:`.kind` says what it holds) and one line in :data:`REGISTRY`;
tests/qlik/test_kind_registry.py fails until the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping

from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.state import DesiredResource
from qlikreconcile.errors import PlanError
from qlikreconcile.qlik.kinds import (
    app,
    assignment,
    connection,
    pending_create,
    published_app,
    reload,
    reload_task,
    script,
    space,
    tenant,
)
from qlikreconcile.qlik.kinds.kind import Kind, Reader, Wants

REGISTRY: tuple[Kind, ...] = (
    tenant.KIND,
    space.KIND,
    assignment.KIND,
    connection.KIND,
    app.KIND,
    script.KIND,
    reload.KIND,
    published_app.KIND,
    reload_task.KIND,
    pending_create.KIND,
)

BY_NAME: Mapping[str, Kind] = {kind.name: kind for kind in REGISTRY}

KINDS: Mapping[str, KindSpec] = {kind.name: kind.spec for kind in REGISTRY}
"""The capabilities of every kind, by name: what the engine is given."""

PRUNE_KINDS: Mapping[str, str] = {k.prune_key: k.name for k in REGISTRY if k.prune_key}
"""fleet.yaml ``prune`` keys -> the kinds whose owned resources they let be deleted."""

READERS: tuple[Reader, ...] = tuple(kind.read for kind in REGISTRY if kind.read is not None)
"""Run at once for every tenant, after its spaces have been read."""


def wanted(wants: Wants) -> list[DesiredResource]:
    """Every resource one tenant's spec wants, kind by kind.

    A tenant being offboarded wants only itself, deactivated: nothing is built in it, and Qlik
    purges what it holds.
    """
    if wants.tenant.decommission_purge_days is not None:
        return tenant.want(wants)
    return [r for kind in REGISTRY if kind.want is not None for r in kind.want(wants)]


def kind_of(op: Operation) -> Kind:
    """The kind of a (saved) plan's operation; PlanError for a kind this version lacks."""
    kind = BY_NAME.get(op.key.kind)
    if kind is None:
        raise PlanError(
            f"{op.id}: kind {op.key.kind!r} is not known to this qlikreconcile; "
            "make the plan again with this version"
        )
    return kind


def secret_names(operations: list[Operation]) -> list[str]:
    """Every environment variable the operations read a secret from, sorted (checked before
    the first API call, so an unknown kind is refused there too)."""
    return sorted({name for op in operations for name in kind_of(op).secrets(op)})
