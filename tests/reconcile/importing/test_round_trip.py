"""A fleet qlikreconcile deployed, imported again, describes the same tenants as its spec."""

from __future__ import annotations

import shutil
from pathlib import Path

from qlikreconcile.reconcile.fleet import load_sources
from qlikreconcile.reconcile.importing import import_targets, import_tenants
from qlikreconcile.spec.desired_state import Tenant
from qlikreconcile.spec.fleet_loader import load_fleet
from tests.e2e.harness import Harness, copy_desired


def _described(tenant: Tenant) -> dict[str, object]:
    """What a tenant file says about the tenant, rendered (how it is written may differ)."""
    return {
        "spaces": {
            (s.name, s.type, s.description, frozenset((m.group, m.roles) for m in s.members))
            for s in tenant.spaces
        },
        "connections": {(c.name, c.space, c.type, c.connect) for c in tenant.connections},
        "apps": {
            (a.template, a.release, a.name, a.space, a.publish_to, a.reload.schedule,
             a.reload.timezone, a.script)
            for a in tenant.apps
        },
    }  # fmt: skip


async def test_an_applied_fleet_imports_as_its_own_spec(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply(force=True)).ok
    spec = {t.name: t for t in load_fleet(desired).tenants}
    shutil.rmtree(desired / "tenants")

    targets = import_targets([t.hostname for t in spec.values()], list(spec))
    async with harness.session() as session:
        report = await import_tenants(
            session, targets, templates=load_sources(desired)[2], desired=desired
        )

    assert report.ok, report
    for tenant in report.tenants:
        assert all("marker" in " ".join(app.evidence) for app in tenant.apps)
    imported = {t.name: t for t in load_fleet(desired).tenants}
    assert set(imported) == set(spec)
    for name, tenant in spec.items():
        assert _described(imported[name]) == _described(tenant), name
