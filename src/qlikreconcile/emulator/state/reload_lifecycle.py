"""Reloads without background tasks: status is a function of the injected clock.

A reload is QUEUED until ``created + queue``, RELOADING until ``+ run``, then its outcome
(decided at creation from the app's script and the tenant's connections) is terminal. The first
request that observes a terminal status *settles* it: applies the data model and
``lastReloadTime`` to the app and freezes the status, so persistence and in-process ASGI
transports behave the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from qlikreconcile.emulator.state.apps import App, Reload, ReloadStatus
from qlikreconcile.emulator.state.fault_config import FaultConfig
from qlikreconcile.emulator.state.reload_queue import start_time
from qlikreconcile.emulator.state.script_analysis import (
    ConnectionRef,
    build_data_model,
    connection_refs,
)
from qlikreconcile.emulator.state.tenant import Tenant
from qlikreconcile.emulator.timefmt import iso

TERMINAL: frozenset[str] = frozenset({"SUCCEEDED", "FAILED", "CANCELED", "EXCEEDED_LIMIT"})


def status_of(reload: Reload, now: float) -> ReloadStatus:
    if reload.final_status is not None:
        return reload.final_status
    if reload.canceled_at is not None:
        return "CANCELING" if now < reload.canceled_at + reload.cancel_seconds else "CANCELED"
    if now < reload.start_at:
        return "QUEUED"
    if now < reload.end_at:
        return "RELOADING"
    return reload.outcome


def end_time(reload: Reload) -> float | None:
    if reload.final_end_at is not None:
        return reload.final_end_at
    return None


def connection_exists(tenant: Tenant, app: App, ref: ConnectionRef) -> bool:
    if ref.space is not None:
        space = tenant.space_by_name(ref.space)
        if space is None:
            return False
        space_id: str | None = space.id
    else:
        space_id = app.space_id
    return any(c.name == ref.name and c.space_id == space_id for c in tenant.connections.values())


def refused_login(tenant: Tenant, app: App, refs: list[ConnectionRef]) -> ConnectionRef | None:
    """The first connection whose emulated database refuses the stored password."""
    for ref in refs:
        wanted = tenant.data_source_passwords.get(ref.name)
        if wanted is None:
            continue
        held = [c.password for c in tenant.connections.values() if c.name == ref.name]
        if connection_exists(tenant, app, ref) and wanted not in held:
            return ref
    return None


def _fault_fails(faults: FaultConfig, seed: int, app_id: str, reload_id: str) -> bool:
    if app_id in faults.reload_fail_apps:
        return True
    left = faults.reload_fail_times.get(app_id, 0)
    if left > 0:
        faults.reload_fail_times[app_id] = left - 1
        return True
    if faults.reload_fail_rate <= 0:
        return False
    draw = hashlib.sha256(f"fault:{seed}:{faults.seed}:{reload_id}".encode()).digest()
    return int.from_bytes(draw[:4], "big") / 2**32 < faults.reload_fail_rate


def _success_log(
    reload_id: str, app: App, start: float, model_rows: list[tuple[str, int, int]]
) -> str:
    lines = [f"ReloadID: {reload_id}", f"Started loading data at {iso(start)}", ""]
    for ref in connection_refs(app.current_script()):
        lines += [f"LIB CONNECT TO '{ref.display()}'", "Connected."]
    for name, rows, fields in model_rows:
        lines += [f"{name} << {name}", f"Lines fetched: {rows:,}", f"({fields} fields)"]
    lines += [
        "",
        "Creating search index",
        "Search index creation completed successfully",
        "",
        "App saved",
        "",
        "Finished successfully",
        f"{len(model_rows)} tables, 0 forced error(s), 0 synthetic key(s)",
        "",
    ]
    return "\n".join(lines)


TRANSIENT_ERROR_CODE = "EngineConnectionError"
TRANSIENT_ERROR_MESSAGE = "failed to complete reload: unexpected EOF"
"""An injected reload failure, as the Reload schema's own example of errorCode/errorMessage."""


def _engine_failure_log(reload_id: str, start: float) -> str:
    return "\n".join(
        [
            f"ReloadID: {reload_id}",
            f"Started loading data at {iso(start)}",
            "",
            f"Reload aborted: {TRANSIENT_ERROR_MESSAGE} (injected fault)",
            "Execution Failed",
            "",
        ]
    )


def _failure_log(reload_id: str, start: float, cause: str, statement: str) -> str:
    return "\n".join(
        [
            f"ReloadID: {reload_id}",
            f"Started loading data at {iso(start)}",
            "",
            f"The following error occurred: {cause}",
            "",
            "The error occurred here:",
            statement,
            "",
            "Data has not been loaded. Please correct the error and try loading again.",
            "Execution Failed",
            "",
        ]
    )


def new_reload(
    *,
    reload_id: str,
    tenant: Tenant,
    app: App,
    user_id: str,
    partial: bool,
    now: float,
    queue_seconds: float,
    run_seconds: float,
    faults: FaultConfig,
    seed: int,
    queue: Iterable[Reload] = (),
    slots: int = 0,
) -> Reload:
    """Create a reload and decide its outcome from the app's script as it is right now.

    ``queue`` is the subscription's reloads; with ``slots`` >= 1 the new one waits behind
    them (see :mod:`.reload_queue`). ``faults.slow_reload_seconds`` stretches the run;
    ``faults.reload_fail_rate`` fails it.
    """
    run_seconds = max(run_seconds, faults.slow_reload_seconds)
    cancel_seconds = queue_seconds
    start = now + queue_seconds
    if slots >= 1:
        start = start_time(queue, start, slots)
    script = app.current_script()
    missing = [ref for ref in connection_refs(script) if not connection_exists(tenant, app, ref)]
    base = Reload(
        id=reload_id,
        app_id=app.id,
        tenant_id=tenant.id,
        user_id=user_id,
        partial=partial,
        created_at=now,
        queue_seconds=start - now,
        run_seconds=run_seconds,
        cancel_seconds=cancel_seconds,
        outcome="SUCCEEDED",
        log="",
    )
    refused = refused_login(tenant, app, connection_refs(script))
    failure: tuple[str, str] | None = None
    if missing:
        ref = missing[0]
        failure = (f"Connection not found: '{ref.display()}'", f"LIB CONNECT TO '{ref.display()}'")
    elif refused is not None:
        failure = (
            f"Connector error: login failed for '{refused.display()}' (wrong password)",
            f"LIB CONNECT TO '{refused.display()}'",
        )
    elif _fault_fails(faults, seed, app.id, reload_id):
        # Not the script's fault: the engine was lost (quirk reloads.transient_failure).
        base.outcome = "FAILED"
        base.error_code = TRANSIENT_ERROR_CODE
        base.error_message = TRANSIENT_ERROR_MESSAGE
        base.log = _engine_failure_log(reload_id, start)
        return base
    if failure is not None:
        cause, line = failure
        base.outcome = "FAILED"
        base.error_code = "EngineReloadError"
        base.error_message = cause
        base.log = _failure_log(reload_id, start, cause, line)
        return base
    model = build_data_model(app.id, script)
    base.data_model = model
    rows = [(t.name, t.rows, len(t.fields)) for t in model.tables]
    base.log = _success_log(reload_id, app, start, rows)
    return base


def settle(tenant: Tenant, now: float) -> bool:
    """Apply every reload that has reached a terminal status; True when state changed."""
    changed = False
    for reload in tenant.reloads.values():
        if reload.final_status is not None:
            continue
        status = status_of(reload, now)
        if status not in TERMINAL:
            continue
        if status == "CANCELED":
            assert reload.canceled_at is not None
            reload.final_end_at = reload.canceled_at + reload.cancel_seconds
        else:
            reload.final_end_at = reload.end_at
            app = tenant.apps.get(reload.app_id)
            if app is not None and status == "SUCCEEDED":
                app.data_model = reload.data_model
                app.last_reload_at = reload.final_end_at
        reload.final_status = status
        changed = True
    return changed


def pending_for(tenant: Tenant, app_id: str, now: float) -> Reload | None:
    for reload in tenant.reloads.values():
        if reload.app_id == app_id and status_of(reload, now) not in TERMINAL:
            return reload
    return None


def last_terminal(tenant: Tenant, app_id: str) -> Reload | None:
    done = [r for r in tenant.reloads.values() if r.app_id == app_id and r.final_status]
    return done[-1] if done else None
