"""Writing imported tenant files: only ``desired/tenants/NAME.yaml``, never over an existing file
unless asked, never anywhere else (a symlink that leads out of the folder is refused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from qlikreconcile.errors import QlikReconcileError

MODELINE = "# yaml-language-server: $schema=../../schemas/tenant.schema.json"


class ImportFileError(QlikReconcileError):
    """A tenant file that must not be written (it exists, or it would land outside desired/)."""


def tenant_path(desired: Path, name: str, *, overwrite: bool) -> Path:
    """Where the tenant file of ``name`` goes; raises when it must not be written."""
    folder = desired / "tenants"
    path = folder / f"{name}.yaml"
    root = desired.resolve()
    if folder.exists() and not folder.resolve().is_relative_to(root):
        raise ImportFileError(f"{folder} leads outside {desired}: refusing to write there")
    if path.is_symlink() or (path.exists() and path.resolve().parent != folder.resolve()):
        raise ImportFileError(f"{path} is a link: refusing to write through it")
    if path.exists() and not overwrite:
        raise ImportFileError(f"{path} exists: not overwritten (use --overwrite to replace it)")
    return path


def render_tenant_file(data: dict[str, Any], host: str) -> str:
    """The file's text: the editor modeline, a header comment, then the document."""
    body = yaml.safe_dump(
        data, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100
    )
    return (
        f"{MODELINE}\n"
        f"# Imported from {host} by `qlikreconcile import`: review it (docs/import.md), then\n"
        "# commit it. What the tenant holds that this file cannot express is in the import "
        "report.\n"
        f"{body}"
    )


def write_tenant_file(path: Path, text: str, *, overwrite: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w" if overwrite else "x", encoding="utf-8") as handle:
        handle.write(text)
