"""The tenants an import reads: host names given on the command line or in a file, each with the
tenant name its file gets (``--name``, else the host's first label) and its region (from a
``NAME.REGION.qlikcloud.com`` host name)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qlikreconcile.errors import QlikReconcileError
from qlikreconcile.spec.desired_state import REGIONS
from qlikreconcile.spec.value_checks import check_tenant_name


class ImportInputError(QlikReconcileError):
    """The hosts or names given to ``import`` cannot be used; nothing was read."""


@dataclass(frozen=True, slots=True)
class ImportTarget:
    host: str
    name: str
    region: str

    @property
    def default_host(self) -> bool:
        return self.host == f"{self.name}.{self.region}.qlikcloud.com"


def hosts_from_file(path: Path) -> list[str]:
    """One host name a line; blank lines and ``#`` comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportInputError(f"cannot read {path}: {exc}") from exc
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _host(raw: str) -> str:
    host = raw.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    labels = host.split(".")
    if len(labels) != 4 or labels[2:] != ["qlikcloud", "com"] or labels[1] not in REGIONS:
        raise ImportInputError(
            f"'{raw}' is not a tenant host name NAME.REGION.qlikcloud.com (REGION one of "
            f"{' '.join(REGIONS)})"
        )
    return host


def import_targets(hosts: Sequence[str], names: Sequence[str]) -> list[ImportTarget]:
    """The tenants to import; ``names`` (optional) name them in the order of ``hosts``."""
    if not hosts:
        raise ImportInputError("no tenant host given: name hosts, or --from-file FILE")
    if names and len(names) != len(hosts):
        raise ImportInputError(
            f"{len(names)} --name for {len(hosts)} hosts: give one --name per host, in order, "
            "or none"
        )
    out: list[ImportTarget] = []
    for index, raw in enumerate(hosts):
        host = _host(raw)
        label, region = host.split(".")[:2]
        name = names[index] if names else label
        problem = check_tenant_name(name)
        if problem is not None:
            raise ImportInputError(f"{problem} (host {host}; fix: --name)")
        out.append(ImportTarget(host, name, region))
    for what, values in (("host", [t.host for t in out]), ("name", [t.name for t in out])):
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise ImportInputError(f"{what} given twice: {', '.join(twice)}")
    return out
