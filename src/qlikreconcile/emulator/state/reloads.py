"""Changes to reloads: queueing one (its outcome decided now) and cancelling it.

Routes (``api/reloads``) check the app and pending reloads; task runs (:mod:`.scheduling_tasks`)
start their reloads here too; :mod:`.reload_lifecycle` computes statuses from the clock and
settles finished reloads.
"""

from __future__ import annotations

from qlikreconcile.emulator.state.apps import App, Reload, ReloadStatus
from qlikreconcile.emulator.state.reload_lifecycle import new_reload, status_of
from qlikreconcile.emulator.state.reload_queue import subscription_reloads
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Tenant

CANCELLABLE: frozenset[str] = frozenset({"QUEUED", "RELOADING"})


def start_reload(
    store: EmulatorStore, tenant: Tenant, app: App, *, user_id: str, partial: bool
) -> Reload:
    """Queue a reload of ``app`` in the tenant's subscription queue."""
    config = store.config
    reload = new_reload(
        reload_id=store.new_id("hex24"),
        tenant=tenant,
        app=app,
        user_id=user_id,
        partial=partial,
        now=store.now(),
        queue_seconds=config.reload_queue_seconds,
        run_seconds=config.reload_run_seconds,
        faults=store.state.faults,
        seed=config.seed,
        queue=subscription_reloads(store.state, tenant),
        slots=config.reload_slots,
    )
    tenant.reloads[reload.id] = reload
    return reload


def cancel_reload(reload: Reload, now: float) -> ReloadStatus:
    """Cancel a reload whose status is in :data:`CANCELLABLE`; answers that status. A queued
    reload is cancelled at once, a running one is CANCELING for a while."""
    status = status_of(reload, now)
    if status not in CANCELLABLE:
        raise ValueError(f"a {status} reload cannot be cancelled")
    reload.canceled_at = now
    if status == "QUEUED":
        reload.final_status = "CANCELED"
        reload.final_end_at = now
    return status
