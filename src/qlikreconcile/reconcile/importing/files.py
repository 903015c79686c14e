"""Writing imported tenant files: only ``desired/tenants/NAME.yaml``, never over an existing file
unless asked, never anywhere else (a symlink that leads out of the folder is refused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from qlikreconcile.errors import QlikReconcileError
from qlikreconcile.reconcile.importing.document import ADOPT_UNMARKED_KEY

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


class _Flow(dict[str, Any]):
    """A mapping written on one line, as the example files write small ones."""


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as the example files write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    scalars = all(not isinstance(v, dict | list) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=scalars)


_Dumper.add_representer(_Flow, _flow)
_Dumper.add_representer(list, _list)


def _styled(data: dict[str, Any]) -> dict[str, Any]:
    """The tenant header, members, password references and reload policies on one line each."""
    out = dict(data, tenant=_Flow(data["tenant"]))
    out["spaces"] = [
        dict(s, members=[_Flow(m) for m in s["members"]]) if "members" in s else s
        for s in data.get("spaces", [])
    ]
    out["connections"] = [
        dict(c, password=_Flow(c["password"])) for c in data.get("connections", [])
    ]
    out["apps"] = [dict(a, reload=_Flow(a["reload"])) for a in data.get("apps", [])]
    return {k: v for k, v in out.items() if k in data}


def described_hosts(desired: Path) -> dict[str, Path]:
    """Host name -> the tenant file that already describes it (files that do not parse are
    skipped: validate reports them)."""
    found: dict[str, Path] = {}
    for path in sorted((desired / "tenants").glob("*.yaml")):
        try:
            header = yaml.safe_load(path.read_text(encoding="utf-8")).get("tenant")
            host = header.get("hostname") or f"{header['name']}.{header['region']}.qlikcloud.com"
        except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError, KeyError, TypeError):
            continue
        found[str(host).lower()] = path
    return found


def render_tenant_file(data: dict[str, Any], host: str) -> str:
    """The file's text: the editor modeline, a header comment, then the document."""
    body = yaml.dump(
        _styled(data),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
    # A blank line before each section after the header, as the example files are laid out.
    sections = [k for k in data if k not in ("tenant", ADOPT_UNMARKED_KEY)]
    body = "".join(
        f"\n{line}" if any(line.startswith(f"{k}:") for k in sections) else line
        for line in body.splitlines(keepends=True)
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
