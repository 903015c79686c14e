"""Changes to a tenant's identities and settings: users, groups, bots, setting switches.

Routes (``api/users``, ``api/licenses``, ``api/oauth``) validate what clients send and ask the
uniqueness rules here before a change; these functions own ids, timestamps and what a deletion
takes with it.
"""

from __future__ import annotations

from collections.abc import Mapping

from qlikreconcile.emulator.state.spaces import delete_assignments_of
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Group, Tenant, User


def subject_taken(tenant: Tenant, subject: str) -> bool:
    """A subject names one user of the tenant."""
    return any(u.subject == subject for u in tenant.users.values())


def group_name_taken(tenant: Tenant, name: str) -> bool:
    return any(g.name == name for g in tenant.groups.values())


def create_user(
    store: EmulatorStore,
    tenant: Tenant,
    *,
    name: str,
    subject: str,
    email: str,
    status: str,
    roles: list[str],
) -> User:
    user = User(
        id=store.new_id("user"),
        name=name,
        subject=subject,
        email=email,
        status=status,
        roles=roles,
        created_at=store.now(),
    )
    tenant.users[user.id] = user
    return user


def bot_user(store: EmulatorStore, tenant: Tenant, client_id: str) -> User:
    """The TenantAdmin bot acting for an OAuth client, created on its first token."""
    for user in tenant.users.values():
        if user.client_id == client_id:
            return user
    user = User(
        id=store.new_id("user"),
        name=f"{client_id} (bot)",
        subject=f"qlikbot\\{client_id}",
        roles=["TenantAdmin"],
        created_at=store.now(),
        client_id=client_id,
    )
    tenant.users[user.id] = user
    return user


def delete_user(tenant: Tenant, user_id: str) -> None:
    del tenant.users[user_id]


def create_group(
    store: EmulatorStore, tenant: Tenant, *, name: str, status: str, roles: list[str]
) -> Group:
    now = store.now()
    group = Group(
        id=store.new_id("hex24"),
        name=name,
        status=status,
        roles=roles,
        created_at=now,
        updated_at=now,
    )
    tenant.groups[group.id] = group
    return group


def delete_group(tenant: Tenant, group_id: str) -> None:
    """Remove the group and the space assignments that name it."""
    del tenant.groups[group_id]
    delete_assignments_of(tenant, group_id)


def set_settings(tenant: Tenant, values: Mapping[str, bool]) -> None:
    """Store setting switches, keyed ``SERVICE/name`` (``groups/syncIdpGroups``...)."""
    tenant.settings.update(values)
