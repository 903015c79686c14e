"""What ``qlikreconcile import`` found, wrote and could not express, per tenant.

Nothing a tenant holds is dropped silently: every object that did not become part of a tenant
file, and every guess (a release chosen by date, an app matched by name only), is a note. The
report never holds a secret: Qlik does not return connection passwords, and only the names of
the environment variables the written files reference are listed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AppMatch:
    """One app of the tenant recognised as a template's, with the evidence for each part."""

    app: str
    template: str
    release: int | None
    space: str
    evidence: tuple[str, ...]
    variables: dict[str, str] = field(default_factory=dict)
    publish_to: str | None = None
    schedule: str | None = None
    timezone: str = "UTC"
    script_matches: bool = True


@dataclass(frozen=True, slots=True)
class TenantImport:
    host: str
    name: str
    file: str | None = None
    """The tenant file, relative to the folder holding ``desired/`` (None: not written)."""
    written: bool = False
    apps: tuple[AppMatch, ...] = ()
    notes: tuple[str, ...] = ()
    """What the tenant file does not express, and every guess made."""
    secrets: tuple[str, ...] = ()
    """Environment variables the file references (set them before plan)."""
    error: str | None = None
    """Why nothing was written for this tenant."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    target: str
    tenants: tuple[TenantImport, ...]

    @property
    def ok(self) -> bool:
        return all(t.error is None for t in self.tenants)

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of ``import -o json``."""
        return {
            "format_version": 1,
            "target": self.target,
            "ok": self.ok,
            "tenants": [asdict(t) for t in self.tenants],
        }
