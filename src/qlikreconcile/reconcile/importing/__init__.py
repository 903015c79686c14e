"""``qlikreconcile import``: onboarding tenants that exist already into the spec (docs/import.md).

Reads each tenant without changing it, writes ``desired/tenants/NAME.yaml`` describing what the
spec format can express, and reports everything else.
"""

from __future__ import annotations

from qlikreconcile.reconcile.importing.document import ADOPT_UNMARKED_KEY
from qlikreconcile.reconcile.importing.report import AppMatch, ImportReport, TenantImport
from qlikreconcile.reconcile.importing.service import import_tenants
from qlikreconcile.reconcile.importing.targets import (
    ImportInputError,
    ImportTarget,
    hosts_from_file,
    import_targets,
)

__all__ = [
    "ADOPT_UNMARKED_KEY",
    "AppMatch",
    "ImportInputError",
    "ImportReport",
    "ImportTarget",
    "TenantImport",
    "hosts_from_file",
    "import_targets",
    "import_tenants",
]
