"""Changes to spaces and their assignments: creation, edits, deletion with its cascade.

Routes (``api/spaces``) validate names, types and roles and ask the rules here (unique names,
one assignment per assignee, only an empty space deleted) before a change, so their errors keep
Qlik's order; these functions own ids, timestamps and what a deletion takes with it.
"""

from __future__ import annotations

from qlikreconcile.emulator.state.records import set_given
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Assignment, Space, SpaceType, Tenant


def name_taken(tenant: Tenant, name: str, exclude: str | None = None) -> bool:
    """Space names are unique in a tenant, ignoring case."""
    return any(s.id != exclude and s.name.lower() == name.lower() for s in tenant.spaces.values())


def holds_content(tenant: Tenant, space_id: str) -> bool:
    """Apps or data connections in the space: it cannot be deleted."""
    return any(a.space_id == space_id for a in tenant.apps.values()) or any(
        c.space_id == space_id for c in tenant.connections.values()
    )


def assigned(tenant: Tenant, space_id: str, assignee_id: str) -> bool:
    """An assignee holds at most one assignment per space."""
    return any(
        a.space_id == space_id and a.assignee_id == assignee_id for a in tenant.assignments.values()
    )


def create_space(
    store: EmulatorStore,
    tenant: Tenant,
    *,
    name: str,
    space_type: SpaceType,
    description: str,
    user_id: str,
) -> Space:
    now = store.now()
    space = Space(
        id=store.new_id("hex24"),
        name=name,
        type=space_type,
        description=description,
        owner_id=user_id,
        created_at=now,
        created_by=user_id,
        updated_at=now,
    )
    tenant.spaces[space.id] = space
    return space


def update_space(
    space: Space,
    now: float,
    *,
    name: str | None = None,
    description: str | None = None,
    owner_id: str | None = None,
) -> None:
    """Set the fields given (None: unchanged) and stamp the change."""
    set_given(space, name=name, description=description, owner_id=owner_id)
    space.updated_at = now


def delete_space(tenant: Tenant, space_id: str) -> None:
    """Remove the space and its assignments (the route refuses a space still holding content)."""
    del tenant.spaces[space_id]
    for key in [k for k, a in tenant.assignments.items() if a.space_id == space_id]:
        del tenant.assignments[key]


def create_assignment(
    store: EmulatorStore,
    tenant: Tenant,
    space_id: str,
    *,
    assignee_type: str,
    assignee_id: str,
    roles: list[str],
    user_id: str,
) -> Assignment:
    now = store.now()
    assignment = Assignment(
        id=store.new_id("hex24"),
        space_id=space_id,
        type=assignee_type,
        assignee_id=assignee_id,
        roles=roles,
        created_at=now,
        created_by=user_id,
        updated_at=now,
        updated_by=user_id,
    )
    tenant.assignments[assignment.id] = assignment
    return assignment


def set_assignment_roles(
    assignment: Assignment, roles: list[str], now: float, user_id: str
) -> None:
    assignment.roles = roles
    assignment.updated_at, assignment.updated_by = now, user_id


def delete_assignment(tenant: Tenant, assignment_id: str) -> None:
    del tenant.assignments[assignment_id]


def delete_assignments_of(tenant: Tenant, assignee_id: str) -> None:
    """Drop every assignment naming ``assignee_id`` (its user or group is gone)."""
    for key in [k for k, a in tenant.assignments.items() if a.assignee_id == assignee_id]:
        del tenant.assignments[key]
