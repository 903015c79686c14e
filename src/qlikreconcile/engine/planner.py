"""The planner: desired resources + actual state + kind capabilities -> a Plan.

For each desired resource, in dependency order:

* absent (or its parent is being created or replaced) -> the kind's create action;
* present but not carrying our ownership marker -> left alone, with a warning, and everything
  that depends on it is not planned; unless the provider reports it for adoption (an explicit
  spec decision), then ADOPT (below);
* present and owned -> field diff; a difference in an immutable field plans a replace,
  any other difference the kind's update action;
* otherwise, when something it is refreshed by has an operation that changes content -> the
  kind's refresh action (reload after a script change, republish after the build app changed).

ADOPT takes a resource over: one operation that writes our marker and, when the fields differ,
the spec's fields with it (never a replace: a difference in an immutable field leaves it alone).
An adoption that changes no field is no content change, so it refreshes nothing; an adopted
resource whose refresh is due carries it as ``then`` (adopt, then republish).

Operations depend on the operations of the resources they depend on, so the executor can run
independent work concurrently and skip only what depends on a failure. The planner decides;
``reason`` only explains.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from qlikreconcile.engine.adoption import adopt_reason, adoption_then, refresh_triggers
from qlikreconcile.engine.diff import create_changes, diff_fields
from qlikreconcile.engine.graph import CycleError, topological
from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import SENSITIVE, Operation, Plan, sorted_operations
from qlikreconcile.engine.state import ActualResource, ActualState, DesiredResource, fields_digest
from qlikreconcile.errors import PlanError


class PlanningError(PlanError):
    """The desired resources are inconsistent (unknown kind, dependency cycle): a bug in how
    the spec became resources, shown as one message, never a traceback."""


def make_plan(
    desired: Sequence[DesiredResource],
    actual: ActualState,
    kinds: Mapping[str, KindSpec],
    *,
    target: str,
    tenants: Sequence[str],
    revision: str | None = None,
    context: Mapping[str, Any] | None = None,
    prune: Collection[str] = (),
) -> Plan:
    """Plan the operations that make ``actual`` match ``desired``.

    ``prune``: kinds whose owned resources no longer in the spec are deleted (an explicit spec
    decision); other such resources, and protected ones, are listed as left behind.
    """
    by_key = {r.key: r for r in desired}
    for resource in desired:
        if resource.key.kind not in kinds:
            raise PlanningError(f"no kind {resource.key.kind!r} for {resource.key}")
    edges = _Prerequisites(by_key)
    try:
        order = topological([r.key for r in desired], edges)
    except CycleError as exc:
        raise PlanningError(
            f"the desired resources depend on each other in a cycle: {exc}"
        ) from None

    planned: dict[ResourceKey, Operation] = {}
    blocked: dict[ResourceKey, str] = {}
    warnings: list[str] = []
    divergences: list[str] = [
        f"{t}: not planned, it could not be read: {why}"
        for t, why in sorted(actual.unreadable.items())
    ]
    divergences += [
        f"{t}: blocked, nothing planned: {why}" for t, why in sorted(actual.blocked.items())
    ]

    for key in order:
        resource = by_key[key]
        if key.tenant in actual.unreadable or key.tenant in actual.blocked:
            continue
        waiting = next((k for k in edges[key] if k in blocked), None)
        if waiting is not None:
            blocked[key] = f"waits for {waiting}"
            continue
        op, block = _plan_one(resource, kinds[key.kind], actual, planned, kinds)
        if block:
            blocked[key] = block
            divergences.append(f"{key}: {block}")
        if op is not None:
            deps = sorted({planned[k].id for k in edges[key] if k in planned})
            planned[key] = replace(op, depends_on=tuple(deps), gates=resource.gates)

    retire = _retire_replaced(planned, edges, kinds)
    collect = _collect_garbage(by_key, actual, kinds, planned)
    left = _left_behind(by_key, actual, kinds)
    pruned = _prune(left, kinds, frozenset(prune))
    divergences.extend(_unmanaged_leftovers(left, frozenset(prune)))
    divergences.extend(_duplicates(by_key, actual))  # reported, never deleted implicitly
    operations = [*planned.values(), *retire, *collect, *pruned]
    kind_order = {name: spec.order for name, spec in kinds.items()}
    ordered = sorted_operations(operations, kind_order)
    return Plan(
        target=target,
        operations=ordered,
        observed={str(op.key): actual.fingerprint(op.key) for op in ordered},
        warnings=tuple(warnings),
        divergences=tuple(divergences),
        unread=tuple(sorted(set(actual.unreadable) | set(actual.blocked))),
        tenants=tuple(sorted(set(tenants))),
        revision=revision,
        context=dict(context or {}),
    )


class _Prerequisites(Mapping[ResourceKey, tuple[ResourceKey, ...]]):
    """Each desired resource's prerequisites, worked out when asked: a tuple of them for each
    of a 5,000-tenant plan's 70,000 resources held while planning was, with the membership set
    :func:`~qlikreconcile.engine.graph.topological` no longer builds, 6.5 MiB of its peak."""

    def __init__(self, by_key: Mapping[ResourceKey, DesiredResource]) -> None:
        self._by_key = by_key

    def __getitem__(self, key: ResourceKey) -> tuple[ResourceKey, ...]:
        return _prerequisites(self._by_key[key])

    def __iter__(self) -> Iterator[ResourceKey]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)


def _prerequisites(resource: DesiredResource) -> tuple[ResourceKey, ...]:
    keys = list(resource.depends_on) + list(resource.refresh_on)
    if resource.parent is not None:
        keys.append(resource.parent)
    return tuple(dict.fromkeys(keys))


def _plan_one(
    resource: DesiredResource,
    kind: KindSpec,
    actual: ActualState,
    planned: Mapping[ResourceKey, Operation],
    kinds: Mapping[str, KindSpec],
) -> tuple[Operation | None, str | None]:
    key = resource.key
    parent_op = planned.get(resource.parent) if resource.parent else None
    parent_new = parent_op is not None and parent_op.action in (Action.CREATE, Action.REPLACE)
    observed = None if parent_new else actual.resources.get(key)

    if observed is None:
        missing = None if parent_new else actual.missing.get(key)
        reason = f"{resource.parent} is new" if parent_new else missing or "does not exist"
        changes = create_changes(
            resource.fields, sensitive=kind.sensitive_fields, text=kind.text_fields
        )
        return Operation(
            key,
            kind.create_action,
            reason,
            changes,
            desired=_masked(resource.fields, kind),
            inputs=dict(resource.inputs),
            drift=missing is not None,
        ), None
    if not observed.owned and not observed.adopt:
        why = f" ({'; '.join(observed.drift)})" if observed.drift else ""
        return None, (
            f"exists without qlikreconcile's ownership marker{why}, so it is left alone; "
            "rename it in the spec, or adopt it explicitly (adopt_unmarked: true in the tenant "
            "file)"
        )

    changes = diff_fields(
        observed.fields, resource.fields, sensitive=kind.sensitive_fields, text=kind.text_fields
    )
    drift_reasons = list(observed.drift)
    managed = {k: v for k, v in resource.fields.items() if k not in kind.marker_fields}
    if changes and _changed_outside(observed.fields, managed, observed.applied):
        drift_reasons.append("changed outside qlikreconcile")
    drift = bool(drift_reasons)
    if changes:
        roots = {c.path.split(".", 1)[0].split("[", 1)[0] for c in changes}
        fixed = sorted(roots & kind.fixed_fields)
        if fixed:
            shown = ", ".join(
                f"{c.path} ({c.before!r} -> {c.after!r})" for c in changes if c.path in fixed
            )
            hint = f"; {kind.fixed_hint}" if kind.fixed_hint else ""
            return None, f"cannot change {shown} on an existing {kind.name}; left alone{hint}"
        immutable = sorted(roots & kind.immutable_fields)
        if observed.adopt and immutable:
            return None, (
                f"cannot be taken over: it differs in {', '.join(immutable)}, which only a "
                "new copy could change; left alone"
            )
        action = Action.REPLACE if immutable else kind.update_action
        if action is None:
            return None, f"differs in {', '.join(sorted(roots))} but cannot be updated in place"
        reason = f"differs in {', '.join(sorted(roots))}"
        then = None
        if observed.adopt:
            action, drift = Action.ADOPT, False
            then, after = adoption_then(resource, kind, planned, kinds)
            reason = f"takes over {observed.ident} ({adopt_reason(observed)}): {reason}{after}"
        elif drift:
            reason = "; ".join(drift_reasons) + f": {reason}"
        return Operation(
            key,
            action,
            reason,
            changes,
            ident=observed.ident,
            drift=drift,
            desired=_masked(resource.fields, kind),
            inputs=dict(resource.inputs),
            then=then,
        ), None

    if observed.adopt:
        # Nothing to change, but it still has to be marked as ours.
        then, after = adoption_then(resource, kind, planned, kinds)
        return Operation(
            key,
            Action.ADOPT,
            f"takes over {observed.ident} ({adopt_reason(observed)}){after}",
            ident=observed.ident,
            desired=_masked(resource.fields, kind),
            inputs=dict(resource.inputs),
            then=then,
        ), None
    triggers = refresh_triggers(resource, planned, kinds)
    if kind.refresh_action is not None and triggers:
        reason = "after changes to " + ", ".join(str(k) for k in triggers)
        return Operation(
            key,
            kind.refresh_action,
            reason,
            ident=observed.ident,
            desired=_masked(resource.fields, kind),
            inputs=dict(resource.inputs),
        ), None
    return None, None


def _changed_outside(
    observed: Mapping[str, Any], desired: Mapping[str, Any], applied: str | None
) -> bool:
    """True when the resource no longer holds what qlikreconcile last wrote to it."""
    if applied is None:
        return False
    return fields_digest({k: observed.get(k) for k in desired}) != applied


def _masked(fields: Mapping[str, Any], kind: KindSpec) -> dict[str, Any]:
    return {k: SENSITIVE if k in kind.sensitive_fields else v for k, v in fields.items()}


def superseded_key(key: ResourceKey, ident: str) -> ResourceKey:
    """Key of a copy of ``key`` that a replacement superseded: ``NAME~IDENT``."""
    return ResourceKey(key.tenant, key.kind, f"{key.name}~{ident}")


def _retire_replaced(
    planned: Mapping[ResourceKey, Operation],
    edges: Mapping[ResourceKey, tuple[ResourceKey, ...]],
    kinds: Mapping[str, KindSpec],
) -> list[Operation]:
    """Create-before-destroy: delete a replaced copy once everything built on it has moved."""
    out = []
    for key, op in planned.items():
        if op.action is not Action.REPLACE or not op.ident:
            continue
        if not kinds[key.kind].create_before_destroy:
            continue
        followers = sorted(
            planned[k].id for k, deps in edges.items() if key in deps and k in planned
        )
        out.append(
            Operation(
                superseded_key(key, op.ident),
                Action.DELETE,
                f"replaced by a new copy of {key}; removed once its dependents moved",
                depends_on=(op.id, *followers),
                ident=op.ident,
            )
        )
    return out


def _collect_garbage(
    desired: Mapping[ResourceKey, DesiredResource],
    actual: ActualState,
    kinds: Mapping[str, KindSpec],
    planned: Mapping[ResourceKey, Operation],
) -> list[Operation]:
    """Copies qlikreconcile itself superseded and nothing uses any more: deleted."""
    out = []
    tenants = {k.tenant for k in desired}
    for key, resource in _by_key(actual, lambda r: r.owned and r.garbage):
        if key in desired:
            continue
        if key.tenant not in tenants or key.kind not in kinds:
            continue
        reason = "; ".join(resource.drift) or "superseded copy no longer in use"
        out.append(Operation(key, Action.DELETE, reason, ident=resource.ident))
    return out


def _left_behind(
    desired: Mapping[ResourceKey, DesiredResource],
    actual: ActualState,
    kinds: Mapping[str, KindSpec],
) -> list[tuple[ResourceKey, ActualResource, KindSpec]]:
    """Owned resources of planned tenants that the spec no longer names."""
    found = []
    planned_tenants = {k.tenant for k in desired}
    for key, resource in _by_key(actual, lambda r: r.owned):
        kind = kinds.get(key.kind)
        if key in desired or kind is None or kind.left_behind is None:
            continue
        if resource.garbage or resource.superseded or resource.duplicate:
            continue
        if key.tenant in planned_tenants:
            found.append((key, resource, kind))
    return found


def _pruned(
    key: ResourceKey, resource: ActualResource, kind: KindSpec, prune: frozenset[str]
) -> bool:
    """Deleted rather than listed: its kind is pruned and may be, and nothing protects it."""
    return key.kind in prune and kind.deletable and not resource.protected


def _unmanaged_leftovers(
    left: Sequence[tuple[ResourceKey, ActualResource, KindSpec]], prune: frozenset[str]
) -> list[str]:
    """Owned resources the spec no longer names and that are not pruned: reported."""
    notes = []
    for key, resource, kind in left:
        if _pruned(key, resource, kind, prune):
            continue
        why = (
            f"not pruned: {resource.protected}"
            if resource.protected and key.kind in prune
            else "deletion is opt-in"
        )
        notes.append(
            f"{key}: owned by qlikreconcile but no longer in the spec; left in place "
            f"({why}): {kind.left_behind}"
        )
    return notes


def _prune(
    left: Sequence[tuple[ResourceKey, ActualResource, KindSpec]],
    kinds: Mapping[str, KindSpec],
    prune: frozenset[str],
) -> list[Operation]:
    """Deletes of owned resources the spec no longer names, for the kinds it prunes.

    Within a tenant, what depends on others goes first (a schedule before its app, a
    published copy before the build app it came from): each delete waits for the deletes of
    kinds that come later in the kinds' order.
    """
    chosen = [
        (key, resource) for key, resource, kind in left if _pruned(key, resource, kind, prune)
    ]
    out = []
    for key, resource in chosen:
        order = kinds[key.kind].order
        after = sorted(
            f"{k}:{Action.DELETE.value}"
            for k, _ in chosen
            if k.tenant == key.tenant and kinds[k.kind].order > order
        )
        out.append(
            Operation(
                key,
                Action.DELETE,
                "no longer in the spec; pruned (prune in fleet.yaml)",
                depends_on=tuple(after),
                ident=resource.ident,
                inputs=dict(resource.delete_inputs),
            )
        )
    return out


def _duplicates(desired: Mapping[ResourceKey, DesiredResource], actual: ActualState) -> list[str]:
    """Second owned copies of one spec entry: shown with the reason, left for a person."""
    tenants = {k.tenant for k in desired}
    return [
        f"{key}: duplicate, left in place: {'; '.join(resource.drift) or 'second owned copy'}"
        for key, resource in _by_key(actual, lambda r: r.duplicate and r.owned)
        if key.tenant in tenants
    ]


def _by_key(
    actual: ActualState, wanted: Callable[[ActualResource], bool]
) -> list[tuple[ResourceKey, ActualResource]]:
    """The ``wanted`` resources in key order: picked first, then sorted (a fleet holds tens of
    thousands of resources, and sorting them all by key once per question was a hot spot)."""
    found = [(k, r) for k, r in actual.resources.items() if wanted(r)]
    return sorted(found, key=lambda item: item[0])
