"""What discovery is told to read per tenant: the spec's expectations, as plain values.

Built from the spec (:mod:`qlikreconcile.reconcile.desired`) and kept in a saved plan's context
(:mod:`qlikreconcile.reconcile.plan_context`), so a plan can be checked against Qlik again
without the spec files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AppRef:
    """What the spec expects of one app, so discovery can recognise it and judge its data."""

    template: str
    name: str
    space: str
    publish_to: str | None = None
    max_age_seconds: int | None = None
    scheduled: bool = False
    delete_duplicates: bool = False
    """fleet.yaml ``duplicates.published_apps: delete_without_sheets``."""
    checks: tuple[dict[str, Any], ...] = ()
    """The template's data checks (:mod:`.data_checks`): a build app whose data fails them is
    not healthy, however its last reload ended."""
    script: str | None = None
    """The load script the spec sets (None: unknown, e.g. a saved plan): when the app's newest
    script version is ours with this script's hash, its text is not read again."""
    release: int | None = None
    """Set only where the tenant adopts unmarked resources: the release, artifact digest and
    published content the spec names, which an adopted app is taken to be (:mod:`.adopt_apps`)."""
    digest: str | None = None
    content: str | None = None


@dataclass(frozen=True, slots=True)
class TenantRef:
    """The tenant to read: its name in the spec, its host name, and the apps the spec expects."""

    name: str
    host: str
    apps: tuple[AppRef, ...] = ()
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Space name -> the groups the spec assigns roles on it."""
    region: str = ""
    file: str = ""
    """The spec file of the tenant (named in recovery steps)."""
    adopt_id: str | None = None
    """The spec's ``tenant.id``: the existing tenant to take over when the host does not answer."""
    prune_published: str | None = None
    """Published copies no longer in the spec are pruned: ``keep_sheets`` (never one customers'
    sheets live in) or ``with_sheets`` (the tenant file allows it); None: not pruned."""
    adopt_unmarked: bool = False
    """The tenant file's ``adopt_unmarked``: what the spec describes but lacks our marker is
    reported for adoption (and unmarked apps are read as fully as ours)."""
