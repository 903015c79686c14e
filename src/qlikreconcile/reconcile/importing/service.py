"""``qlikreconcile import``: read tenants (GETs only), write one tenant file each, report the rest.

Per tenant: refuse early when its file must not be written (exists without ``overwrite``), read
its inventory (:mod:`qlikreconcile.qlik.inventory`), recognise template apps (:mod:`.apps`),
build the tenant document (:mod:`.document`) and write it (:mod:`.files`). A tenant that cannot
be read gets an error in the report and no file; the others are still imported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

from qlikreconcile.errors import ApiError, TransportError
from qlikreconcile.qlik import quirks
from qlikreconcile.qlik.inventory import read_inventory
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.reconcile.importing.apps import match_apps
from qlikreconcile.reconcile.importing.document import tenant_document
from qlikreconcile.reconcile.importing.files import (
    ImportFileError,
    described_hosts,
    render_tenant_file,
    tenant_path,
    write_tenant_file,
)
from qlikreconcile.reconcile.importing.report import ImportReport, TenantImport
from qlikreconcile.reconcile.importing.targets import ImportTarget
from qlikreconcile.spec.desired_state import Template

READ_PARALLELISM = 8
"""Tenants read at once: an import is a one-off of a handful to hundreds of tenants."""


async def import_tenants(
    session: QlikSession,
    targets: Sequence[ImportTarget],
    *,
    templates: Mapping[str, Template],
    desired: Path,
    overwrite: bool = False,
    target: str = "",
) -> ImportReport:
    slots = asyncio.Semaphore(READ_PARALLELISM)
    described = described_hosts(desired)

    async def one(item: ImportTarget) -> TenantImport:
        other = described.get(item.host)
        if other is not None and other.name != f"{item.name}.yaml":
            why = f"{_shown(other, desired)} describes {item.host} already"
            return TenantImport(item.host, item.name, error=why)
        async with slots:
            return await _import_one(session, item, templates, desired, overwrite)

    found = await asyncio.gather(*(one(t) for t in targets))
    return ImportReport(target, tuple(found))


def _shown(path: Path, desired: Path) -> str:
    try:
        return str(path.resolve().relative_to(desired.resolve().parent))
    except ValueError:
        return str(path)


async def _import_one(
    session: QlikSession,
    item: ImportTarget,
    templates: Mapping[str, Template],
    desired: Path,
    overwrite: bool,
) -> TenantImport:
    try:
        path = tenant_path(desired, item.name, overwrite=overwrite)
    except ImportFileError as exc:
        return TenantImport(item.host, item.name, error=str(exc))
    try:
        inventory = await read_inventory(session.client(item.host))
    except (ApiError, TransportError) as exc:
        why = f"no tenant answers at {item.host}" if quirks.is_absent_host_error(exc) else str(exc)
        return TenantImport(item.host, item.name, error=f"cannot read the tenant: {why}")
    context = {"name": item.name, "region": item.region, "hostname": item.host}
    apps = match_apps(inventory, templates, context)
    hostname = None if item.default_host else item.host
    doc = tenant_document(item.name, item.region, hostname, inventory, apps.matches, templates)
    try:
        write_tenant_file(path, render_tenant_file(doc.data, item.host), overwrite=overwrite)
    except FileExistsError:
        return TenantImport(item.host, item.name, error=f"{path} appeared while reading")
    return TenantImport(
        item.host,
        item.name,
        file=_shown(path, desired),
        written=True,
        apps=tuple(apps.matches),
        notes=(*apps.notes, *doc.notes),
        secrets=tuple(doc.secrets),
    )
