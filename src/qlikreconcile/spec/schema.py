"""JSON Schema of the on-disk spec files, for editors and CI.

The schemas are generated from the file-format models in :mod:`qlikreconcile.spec.file_formats`, so
they cannot drift from what the loader accepts. They check structure (keys, types, enums); rules
that need rendering or other files (roles per space type, known templates, digests) are the
loader's. Point an editor at them with a modeline, e.g.
``# yaml-language-server: $schema=../../schemas/tenant.schema.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from qlikreconcile.spec.file_formats import FleetFile, TemplateFile, TenantFile

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

FILE_MODELS: dict[str, type[BaseModel]] = {
    "fleet": FleetFile,
    "template": TemplateFile,
    "tenant": TenantFile,
}
"""Schema name -> model: fleet.yaml, templates/NAME/template.yaml, tenants/NAME.yaml."""


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one file kind: "fleet", "template" or "tenant"."""
    model = FILE_MODELS[kind]
    schema = model.model_json_schema()
    return {"$schema": SCHEMA_DIALECT, "$id": f"qlikreconcile/{kind}.schema.json", **schema}


def json_schemas() -> dict[str, dict[str, Any]]:
    """Every file kind's schema, by kind."""
    return {kind: json_schema(kind) for kind in FILE_MODELS}


def write_json_schemas(folder: Path) -> list[Path]:
    """Write ``KIND.schema.json`` files into `folder`; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, schema in json_schemas().items():
        path = folder / f"{kind}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
