"""The committed JSON Schemas (schemas/) are what `qlikreconcile schema` writes today, and every
example file in desired/ points an editor at the right one."""

from __future__ import annotations

import json
from pathlib import Path

from qlikreconcile.spec.schema import json_schemas

REPO = Path(__file__).resolve().parents[2]
DESIRED = REPO / "desired"


def test_committed_schemas_are_current() -> None:
    for kind, schema in json_schemas().items():
        path = REPO / "schemas" / f"{kind}.schema.json"
        assert path.exists(), f"{path} is missing: run `qlikreconcile schema`"
        committed = json.loads(path.read_text(encoding="utf-8"))
        assert committed == schema, f"{path} is stale: run `qlikreconcile schema`"


def _modeline(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]


def test_example_files_carry_the_schema_modeline() -> None:
    files = {
        DESIRED / "fleet.yaml": "fleet",
        **{p: "tenant" for p in (DESIRED / "tenants").glob("*.yaml")},
        **{p: "template" for p in (DESIRED / "templates").glob("*/template.yaml")},
    }
    for path, kind in files.items():
        depth = len(path.parent.relative_to(REPO).parts)
        target = "../" * depth + f"schemas/{kind}.schema.json"
        assert _modeline(path) == f"# yaml-language-server: $schema={target}", path
        assert (path.parent / target).resolve() == REPO / "schemas" / f"{kind}.schema.json"
