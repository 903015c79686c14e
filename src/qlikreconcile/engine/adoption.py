"""Adoption: how taking over a resource composes with the rest of a plan.

An ADOPT writes qlikreconcile's ownership marker on a resource that exists without it (the spec
decided so explicitly) and, in the same operation, the spec's fields where they differ. Writing
the marker changes nothing customers see, so an adoption refreshes nothing (no reload, no
republish) unless it also changes content; an adopted resource whose own refresh is due (the
build app it is published from changed in the same plan) carries that refresh as ``then``.
"""

from __future__ import annotations

from collections.abc import Mapping

from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.state import ActualResource, DesiredResource


def adopt_reason(observed: ActualResource) -> str:
    return "; ".join(observed.drift) or "named in the spec"


def changes_content(op: Operation, kinds: Mapping[str, KindSpec]) -> bool:
    """False for an adoption that only writes our marker (and fields only the marker records,
    which the target never returns): it changes nothing a refresh would pick up."""
    if op.action is not Action.ADOPT:
        return True
    marker = kinds[op.key.kind].marker_fields
    return any(c.path.split(".", 1)[0].split("[", 1)[0] not in marker for c in op.changes)


def refresh_triggers(
    resource: DesiredResource,
    planned: Mapping[ResourceKey, Operation],
    kinds: Mapping[str, KindSpec],
) -> list[ResourceKey]:
    """What the resource is refreshed by that this plan changes."""
    return [k for k in resource.refresh_on if k in planned and changes_content(planned[k], kinds)]


def adoption_then(
    resource: DesiredResource,
    kind: KindSpec,
    planned: Mapping[ResourceKey, Operation],
    kinds: Mapping[str, KindSpec],
) -> tuple[Action | None, str]:
    """The refresh an adopted resource is due (and the words for its reason)."""
    triggers = refresh_triggers(resource, planned, kinds)
    if kind.refresh_action is None or not triggers:
        return None, ""
    after = ", ".join(str(k) for k in triggers)
    return kind.refresh_action, f"; then {kind.refresh_action.value} after changes to {after}"
