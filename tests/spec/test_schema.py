"""The JSON Schemas of the on-disk files are valid and accept the example fleet's files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from qlikreconcile.spec import json_schema, json_schemas, write_json_schemas
from qlikreconcile.spec.positioned_yaml import load_yaml_file, plain

from .conftest import EXAMPLE


def _files() -> list[tuple[str, Path]]:
    files = [("fleet", EXAMPLE / "fleet.yaml")]
    files += [("template", p) for p in sorted(EXAMPLE.glob("templates/*/template.yaml"))]
    files += [("tenant", p) for p in sorted(EXAMPLE.glob("tenants/*.yaml"))]
    return files


def _document(path: Path) -> object:
    doc, problems = load_yaml_file(path, path.name)
    assert problems == []
    return plain(doc)


def test_schemas_are_valid_json_schema() -> None:
    schemas = json_schemas()
    assert set(schemas) == {"fleet", "template", "tenant"}
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False


@pytest.mark.parametrize(("kind", "path"), _files(), ids=lambda v: getattr(v, "name", v))
def test_example_files_validate(kind: str, path: Path) -> None:
    jsonschema.validate(_document(path), json_schema(kind))


def test_example_tmp_copy_with_releases_validates(example_fleet: Path) -> None:
    for path in example_fleet.glob("templates/*/template.yaml"):
        jsonschema.validate(_document(path), json_schema("template"))


def test_schema_rejects_unknown_keys_and_literal_passwords() -> None:
    schema = json_schema("tenant")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tenant": {"name": "a", "region": "eu"}, "spaec": []}, schema)
    bad_password = {
        "tenant": {"name": "a", "region": "eu"},
        "connections": [
            {"name": "c", "space": "s", "type": "postgres", "connect": "h", "password": "x"}
        ],
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad_password, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tenant": {"name": "a", "region": "xx"}}, schema)


def test_write_json_schemas(tmp_path: Path) -> None:
    written = write_json_schemas(tmp_path / "schemas")
    assert sorted(p.name for p in written) == [
        "fleet.schema.json",
        "template.schema.json",
        "tenant.schema.json",
    ]
    assert json.loads(written[0].read_text())["$schema"].endswith("2020-12/schema")
