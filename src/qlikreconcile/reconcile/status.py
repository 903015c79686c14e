"""The fleet at a glance (``qlikreconcile status``): what each customer runs, nothing changed.

Built from one read of the fleet and the plan made from it (the same as ``plan``): per tenant
its wave and holds, per app the release it runs against the newest, the last reload and the age
of the data customers see against ``max_age``, the schedule's state and any drift; per template
how many tenants run each release (version skew).
"""

from __future__ import annotations

from collections import Counter

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.plan import Plan, divergence_tenant
from qlikreconcile.engine.rollout import Rollout
from qlikreconcile.engine.state import ActualResource, ActualState
from qlikreconcile.engine.status import AppStatus, FleetStatus, TenantStatus
from qlikreconcile.qlik import resources
from qlikreconcile.spec.desired_state import App, DesiredFleet, Tenant
from qlikreconcile.spec.value_checks import duration_seconds


def fleet_status(fleet: DesiredFleet, plan: Plan, actual: ActualState, now: float) -> FleetStatus:
    rollout = plan.rollout or Rollout.single(plan.all_tenants())
    tenants = tuple(
        _tenant(t, plan, actual, fleet, now, rollout.wave_of(t.name)) for t in fleet.tenants
    )
    skew: dict[str, Counter[str]] = {}
    for tenant in tenants:
        for app in tenant.apps:
            skew.setdefault(app.template, Counter())[_release_label(app.release)] += 1
    releases = {t: dict(sorted(c.items(), key=_release_order)) for t, c in sorted(skew.items())}
    return FleetStatus(fleet.name, plan.target, tenants, releases)


def _release_label(release: int | None) -> str:
    return str(release) if release is not None else "none"


def _release_order(item: tuple[str, int]) -> tuple[int, str]:
    label = item[0]
    return (int(label), "") if label.isdigit() else (1 << 30, label)


def _tenant(
    tenant: Tenant, plan: Plan, actual: ActualState, fleet: DesiredFleet, now: float, wave: str
) -> TenantStatus:
    name = tenant.name
    if name in actual.unreadable or name in actual.blocked:
        why = actual.unreadable.get(name) or actual.blocked.get(name, "")
        return TenantStatus(name, tenant.hostname, wave, "unreadable", notes=(why,))
    found = {r.key: r for r in actual.by_tenant(name)}
    apps = tuple(_app(name, app, found, fleet, now) for app in tenant.apps)
    pending = len(plan.for_tenant(name))
    diverged = tuple(d for d in plan.divergences if divergence_tenant(d) == name)
    held = tuple(h.reason for h in plan.held if h.tenant == name)
    found_tenant = actual.resources.get(resources.tenant_key(name))
    if found_tenant is not None and found_tenant.observed.get("decommissioned"):
        purge = found_tenant.observed.get("purge_at") or "unknown"
        state = f"deactivated, purge {purge}"
    elif pending:
        state = "changes pending"
    elif diverged:
        state = "diverged"
    elif held:
        state = "held"
    else:
        state = "in sync"
    return TenantStatus(name, tenant.hostname, wave, state, apps, pending, (*held, *diverged))


def _app(
    tenant: str,
    app: App,
    found: dict[ResourceKey, ActualResource],
    fleet: DesiredFleet,
    now: float,
) -> AppStatus:
    template = app.template
    build = found.get(resources.app_key(tenant, template))
    reload = found.get(resources.reload_key(tenant, template))
    task = found.get(resources.reload_task_key(tenant, template))
    releases = fleet.templates[template].releases if template in fleet.templates else ()
    newest = max((r.version for r in releases), default=None)
    data_at = reload.observed.get("data_at") if reload is not None else None
    max_age = duration_seconds(app.reload.max_age) if app.reload.max_age else None
    if task is None:
        schedule = "none" if app.reload.schedule is None else "missing"
    elif task.fields.get("enabled"):
        schedule = "enabled"
    else:
        schedule = "disabled"
    drift = tuple(d for r in (build, reload, task) if r is not None for d in r.drift)
    # An app without our marker runs no release we know of (one to adopt is only taken to be
    # the spec's release once adopted).
    known = build is not None and build.owned and build.fields.get("release") is not None
    return AppStatus(
        template=template,
        release=int(build.fields["release"]) if build is not None and known else None,
        newest=newest,
        pinned=app.pinned,
        reload=str(reload.fields.get("status")) if reload is not None else "NEVER",
        data_age_hours=round((now - data_at) / 3600, 1) if data_at else None,
        max_age_hours=round(max_age / 3600, 1) if max_age else None,
        schedule=schedule,
        drift=drift,
    )
