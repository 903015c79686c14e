"""Helpers that write desired/ trees into tmp dirs: a minimal valid fleet, the example fleet with
fake release artifacts, and releases whose recorded sha256 is the artifact's true digest."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import yaml

from qlikreconcile.errors import SpecError
from qlikreconcile.spec import load_fleet

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "desired"

FLEET_YAML = """\
fleet: test-fleet
source:
  hostname: source.eu.qlikcloud.com
  region: eu
regions: [eu, us]
defaults:
  variables:
    where: ""
  connections:
    - name: dw
      space: "{{ tenant.name | capitalize }} build"
      type: postgres
      connect: "host=dw.example;database=analytics"
      username: reader
      password: {env: DW_PASSWORD}
"""

TEMPLATE_YAML = """\
display_name: Sales Analytics
source:
  space: Templates
  app: Sales Analytics
script: sales.qvs.j2
variables:
  required: [customer_id]
releases:
  - version: 1
    artifact: releases/1.qvf
    sha256: {sha}
    created: 2024-05-01T10:00:00Z
    source_app_id: 0b4d6f3c-1f1e-4c55-9a57-2a3c1b7d9e01
"""

SCRIPT = """\
LIB CONNECT TO '{{ tenant.name | capitalize }} build:dw';
Orders:
LOAD order_id AS OrderID, amount AS Amount;
SQL SELECT order_id, amount FROM sales.orders WHERE customer_id = {{ customer_id }} {{ where }};
"""

TENANT_YAML = """\
tenant: {name: acme, region: eu}
variables:
  customer_id: 4711
spaces:
  - name: Acme build
    type: shared
  - name: Acme analytics
    type: managed
    members:
      - {group: acme-viewers, roles: [consumer]}
apps:
  - template: sales@1
    space: Acme build
    publish_to: Acme analytics
"""

ARTIFACT = b"QVF\x00fake exported app without data\x00"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def problems_of(desired: Path) -> list[str]:
    """Every problem load_fleet reports for `desired`, as text; each must name a fix."""
    with pytest.raises(SpecError) as caught:
        load_fleet(desired)
    for problem in caught.value.problems:
        assert problem.fix, problem
    return [str(p) for p in caught.value.problems]


def write_tree(root: Path, files: Mapping[str, str | bytes | None]) -> None:
    """Write (or with None delete) files below `root`, creating folders."""
    for relative, content in files.items():
        path = root / relative
        if content is None:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def write_fleet(root: Path, files: Mapping[str, str | bytes | None] | None = None) -> Path:
    """A minimal valid desired/ tree under `root`; `files` (relative to desired/) override it."""
    desired = root / "desired"
    base: dict[str, str | bytes | None] = {
        "fleet.yaml": FLEET_YAML,
        "templates/sales/template.yaml": TEMPLATE_YAML.format(sha=sha256(ARTIFACT)),
        "templates/sales/sales.qvs.j2": SCRIPT,
        "templates/sales/releases/1.qvf": ARTIFACT,
        "tenants/acme.yaml": TENANT_YAML,
    }
    base.update(files or {})
    write_tree(desired, base)
    return desired


def add_release(template_dir: Path, version: int, content: bytes) -> None:
    """What `qlikreconcile template release` does to git, with a fake artifact."""
    artifact = f"releases/{version}.qvf"
    write_tree(template_dir, {artifact: content})
    spec_path = template_dir / "template.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["releases"] = [
        *(spec.get("releases") or []),
        {"version": version, "artifact": artifact, "sha256": sha256(content)},
    ]
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


@pytest.fixture
def fleet_dir(tmp_path: Path) -> Callable[..., Path]:
    """`fleet_dir({"tenants/acme.yaml": "..."})` -> a desired/ folder in a tmp dir."""

    def make(files: Mapping[str, str | bytes | None] | None = None) -> Path:
        return write_fleet(tmp_path, files)

    return make


@pytest.fixture
def example_fleet(tmp_path: Path) -> Path:
    """A copy of the repository's example desired/ where every template has a release 1.

    Real releases come from `qlikreconcile template release`; a template without one yet gets a
    fake artifact here, so these tests do not depend on the state of desired/ in git.
    """
    desired = tmp_path / "desired"
    shutil.copytree(EXAMPLE, desired)
    for template in sorted((desired / "templates").iterdir()):
        spec = yaml.safe_load((template / "template.yaml").read_text(encoding="utf-8"))
        if not spec.get("releases"):
            add_release(template, 1, ARTIFACT + template.name.encode())
    return desired
