"""The spec as the qlik layer takes it: each kind's desired resources, and what discovery reads.

Each kind builds its own desired resources from a tenant's spec (``want`` in
``qlik/kinds/<kind>.py``); the OEM lifecycle is their dependencies: tenant -> spaces -> data
connections -> build app (imported release) -> its load script -> a reload that SUCCEEDED -> the
published app in the managed space. A change to the script or to a connection re-runs the
reload; a new build app or a new reload re-runs the republish (customers get the fresh data); a
publish depends on the reload, so a failed reload never reaches customers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlikreconcile.engine.state import DesiredResource
from qlikreconcile.qlik import ownership
from qlikreconcile.qlik.kinds.kind import Wants
from qlikreconcile.qlik.kinds.registry import PRUNE_KINDS, wanted
from qlikreconcile.qlik.kinds.reload import check_inputs
from qlikreconcile.qlik.refs import AppRef, TenantRef
from qlikreconcile.spec.desired_state import App, DesiredFleet, Tenant
from qlikreconcile.spec.value_checks import duration_seconds


def tenant_refs(fleet: DesiredFleet) -> list[TenantRef]:
    """What discovery reads per tenant, with what the spec expects of each app."""
    return [
        TenantRef(
            t.name,
            t.hostname,
            tuple(
                AppRef(
                    template=a.template,
                    name=a.name,
                    space=a.space,
                    publish_to=a.publish_to,
                    max_age_seconds=duration_seconds(a.reload.max_age)
                    if a.reload.max_age
                    else None,
                    scheduled=a.reload.schedule is not None,
                    delete_duplicates=fleet.delete_duplicate_published,
                    checks=check_inputs(fleet, a),
                    script=a.text,
                    **(_adopted_identity(fleet, a) if t.adopt_unmarked else {}),
                )
                for a in t.apps
            ),
            {s.name: tuple(m.group for m in s.members) for s in t.spaces if s.members},
            region=t.region,
            file=t.file,
            adopt_id=t.id,
            prune_published=_prune_published(fleet, t),
            adopt_unmarked=t.adopt_unmarked,
        )
        for t in fleet.tenants
    ]


def _adopted_identity(fleet: DesiredFleet, app: App) -> dict[str, Any]:
    """What an unmarked app of a tenant that adopts is taken to be: the spec's release."""
    release = fleet.templates[app.template].release(app.release)
    assert release is not None, "the spec loader guarantees pinned releases exist"
    return {
        "release": app.release,
        "digest": release.sha256,
        "content": ownership.content_digest(release.sha256, app.text),
    }


def _prune_published(fleet: DesiredFleet, tenant: Tenant) -> str | None:
    if "published_apps" not in fleet.prune:
        return None
    return "with_sheets" if tenant.prune_published_with_sheets else "keep_sheets"


def prune_kinds(fleet: DesiredFleet) -> frozenset[str]:
    """The kinds fleet.yaml's ``prune:`` lets be deleted (each kind names its key)."""
    return frozenset(PRUNE_KINDS[key] for key in fleet.prune)


def desired_resources(
    fleet: DesiredFleet, fingerprints: Mapping[str, str] | None = None
) -> list[DesiredResource]:
    """Every resource of every tenant, with its dependencies (each kind builds its own:
    :func:`qlikreconcile.qlik.kinds.registry.wanted`).

    ``fingerprints`` holds each connection's password fingerprint (by connection key, see
    :mod:`qlikreconcile.reconcile.credentials`).
    """
    out: list[DesiredResource] = []
    for tenant in fleet.tenants:
        out += wanted(Wants(fleet, tenant, fingerprints or {}))
    return out
