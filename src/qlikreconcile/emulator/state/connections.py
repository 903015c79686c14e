"""Changes to data connections: creation, whole-record updates, deletion.

Routes (``api/connections``) validate fields and spaces, ask :func:`name_taken` before a change
(so their errors keep Qlik's order) and translate Qlik's ``q*`` names into :class:`Connection`
attributes; these functions own ids and timestamps. An update replaces the stored record with a
changed copy, so a change is all or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlikreconcile.emulator.state.records import replace_changed
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Connection, Tenant


def name_taken(tenant: Tenant, name: str, space_id: str | None, exclude: str | None = None) -> bool:
    """Connection names are unique per space (None: personal)."""
    return any(
        c.id != exclude and c.name == name and c.space_id == space_id
        for c in tenant.connections.values()
    )


def create_connection(
    store: EmulatorStore,
    tenant: Tenant,
    ident: str | None,
    fields: Mapping[str, Any],
    *,
    user_id: str,
) -> Connection:
    """A connection with ``fields`` (attribute names); ``ident`` None draws a new UUID."""
    now = store.now()
    connection = Connection(
        id=ident or store.new_id("uuid"),
        **fields,
        user_id=user_id,
        created_at=now,
        updated_at=now,
    )
    tenant.connections[connection.id] = connection
    return connection


def update_connection(
    tenant: Tenant, connection_id: str, changes: Mapping[str, Any], now: float
) -> Connection:
    """Replace the stored connection by a copy carrying ``changes`` (attribute names)."""
    return replace_changed(tenant.connections, connection_id, changes, now)


def delete_connection(tenant: Tenant, connection_id: str) -> None:
    del tenant.connections[connection_id]


def set_data_source_password(tenant: Tenant, connection_name: str, password: str) -> None:
    """The password the emulated database behind connection ``connection_name`` accepts."""
    tenant.data_source_passwords[connection_name] = password
