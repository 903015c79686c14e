"""Changes to tenants on the register host: creation, edits, deactivation, reactivation, purge.

Routes (``api/tenants``) check licence keys, aliases and the confirm header; these functions own
ids, generated host names, timestamps and the status lifecycle (quirk ``tenant.purge``).
"""

from __future__ import annotations

from collections.abc import Mapping

from qlikreconcile.emulator.hosts import tenant_hostname
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Tenant

_LABEL_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
DAY = 86400.0


def _generated_label(store: EmulatorStore) -> str:
    """A display host label like the random ones Qlik generates: 12 of [a-z0-9], seeded."""
    raw = bytes.fromhex(store.new_id("hex24"))
    return "".join(_LABEL_ALPHABET[b % len(_LABEL_ALPHABET)] for b in raw)


def create_tenant(
    store: EmulatorStore,
    *,
    region: str,
    datacenter: str,
    license_number: str,
    user_id: str,
    settings: Mapping[str, bool],
) -> Tenant:
    """A new active tenant named after a generated host label no tenant holds yet."""
    label = _generated_label(store)
    while store.tenant_by_hostname(tenant_hostname(label, region)) is not None:
        label = _generated_label(store)
    now = store.now()
    tenant = Tenant(
        id=store.new_id("tenant"),
        name=label,
        hostnames=[tenant_hostname(label, region)],
        datacenter=datacenter,
        region=region,
        created_at=now,
        updated_at=now,
        status_updated_at=now,
        created_by_user=user_id,
        license_number=license_number,
        settings=dict(settings),
    )
    store.state.tenants[tenant.id] = tenant
    return tenant


def purge_if_due(store: EmulatorStore, tenant: Tenant) -> None:
    """A disabled tenant is deleted once its estimated purge date passes: no way back."""
    purge = tenant.estimated_purge_at
    if tenant.status == "disabled" and purge is not None and store.now() >= purge:
        tenant.status = "deleted"
        tenant.status_updated_at = purge
        store.mark_dirty()


def update_tenant(
    tenant: Tenant,
    now: float,
    *,
    name: str | None = None,
    alias: str | None = None,
    settings: Mapping[str, bool] | None = None,
) -> None:
    """Set what is given (None: unchanged): the name, the alias host name, setting switches."""
    if name is not None:
        tenant.name = name
    if alias is not None:
        tenant.hostnames = [tenant.hostnames[0], alias]
    if settings:
        tenant.settings.update(settings)
    tenant.updated_at = now


def deactivate_tenant(tenant: Tenant, now: float, purge_after_days: int) -> float:
    """Disable the tenant; answers its estimated purge time."""
    purge = now + purge_after_days * DAY
    tenant.status = "disabled"
    tenant.status_updated_at = tenant.updated_at = now
    tenant.estimated_purge_at = purge
    return purge


def reactivate_tenant(tenant: Tenant, now: float) -> None:
    tenant.status = "active"
    tenant.status_updated_at = tenant.updated_at = now
    tenant.estimated_purge_at = None
