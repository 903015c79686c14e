"""Qlik's OpenAPI data as a validator of recorded responses (caveats: qlik-openapi/SOURCE.md).

* Located by ``QLIKRECONCILE_OPENAPI`` (the JSON file or its folder), else
  ``<repo>/../shared/qlik-openapi/SaaS_Swagger_Data.json``; never copied into the project.
* The Scheduling Tasks API (2026) is not in that January-2025 snapshot: the reconstructed
  ``scheduling-tasks.reconstructed.yaml`` beside it is merged in (:func:`_scheduling`), its
  component names prefixed ``Scheduling`` (its ``Task`` is not the legacy reload task's) and
  its shared error responses inlined.
* Path keys lack ``/api`` (caveat 3): ``/api/v1/x`` is matched against ``/v1/x``; literal segments
  beat parameters (``/v1/users/me`` over ``/v1/users/{userId}``).
* Qlik writes enums as ``oneOf: [{title, x-qlik-const}]`` and OpenAPI 3.0 ``nullable``; both are
  rewritten into JSON Schema before validating with ``jsonschema`` (Draft 2020-12).
* Generic component names collided in the merge (caveat 1). A schema is *ambiguous* when
  operations of more than one API (the operation's first tag) reference it: the merged file kept
  only one API's version. Each response is validated against its own path's schema; the few
  ambiguous schemas proven wrong for a given API are replaced for that API
  (:mod:`tests.conformance.differences`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ENV_OPENAPI = "QLIKRECONCILE_OPENAPI"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO.parent / "shared" / "qlik-openapi" / "SaaS_Swagger_Data.json"
METHODS = ("get", "post", "put", "patch", "delete")


def spec_file() -> Path:
    raw = os.environ.get(ENV_OPENAPI)
    if not raw:
        return DEFAULT_SPEC
    path = Path(raw)
    return path / "SaaS_Swagger_Data.json" if path.is_dir() else path


SCHEDULING_SPEC = "scheduling-tasks.reconstructed.yaml"
SCHEDULING_PREFIX = "Scheduling"
CONVENIENCE_TIER = {"tier": "2", "limit": 100, "x-inferred": True}
"""The reload convenience endpoints have no documented tier; they are "convenience wrappers over
``POST /scheduling/tasks``" (changelog 262), which is tier 2."""


def scheduling_file() -> Path:
    return spec_file().parent / SCHEDULING_SPEC


def skip_reason() -> str | None:
    """Why the suite cannot run, or None."""
    for path in (spec_file(), scheduling_file()):
        if not path.is_file():
            return (
                f"Qlik's OpenAPI data not found at {path} (set {ENV_OPENAPI} to the "
                "SaaS_Swagger_Data.json file or its folder, or lay out shared/ beside the "
                "repository)"
            )
    return None


def _renamed(node: Any, responses: dict[str, Any]) -> Any:
    """Prefix schema and parameter refs; inline response refs; read ``oneOf`` as ``anyOf``."""
    if isinstance(node, list):
        return [_renamed(v, responses) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/responses/"):
        return _renamed(responses[ref.rsplit("/", 1)[1]], responses)
    for kind in ("schemas", "parameters"):
        if isinstance(ref, str) and ref.startswith(f"#/components/{kind}/"):
            return {"$ref": f"#/components/{kind}/{SCHEDULING_PREFIX}{ref.rsplit('/', 1)[1]}"}
    # The reconstructed unions (AnyError, the start answer) join objects with no required
    # field, which every body matches twice: as ``oneOf`` nothing could ever validate.
    return {("anyOf" if k == "oneOf" else k): _renamed(v, responses) for k, v in node.items()}


def _scheduling() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(paths without ``/api``, prefixed components by kind) of the reconstructed scheduling API."""
    doc = yaml.safe_load(scheduling_file().read_text(encoding="utf-8"))
    responses = doc["components"].get("responses", {})
    paths: dict[str, Any] = {}
    for key, item in doc["paths"].items():
        ops = _renamed(item, responses)
        for op in ops.values():
            if isinstance(op, dict) and "x-qlik-tier" not in op:
                op["x-qlik-tier"] = dict(CONVENIENCE_TIER)
        paths[key.removeprefix("/api")] = ops
    components = {
        kind: {
            f"{SCHEDULING_PREFIX}{name}": _renamed(item, responses)
            for name, item in doc["components"].get(kind, {}).items()
        }
        for kind in ("schemas", "parameters")
    }
    return paths, components


def _rewrite(node: Any) -> Any:
    """Title enums to ``enum``; ``nullable: true`` to a null-accepting type."""
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    if not isinstance(node, dict):
        return node
    options = node.get("oneOf")
    if (
        isinstance(options, list)
        and options
        and all(
            isinstance(o, dict)
            and "title" in o
            and set(o) <= {"title", "x-qlik-const", "description", "x-qlik-deprecated"}
            for o in options
        )
    ):
        node = {k: v for k, v in node.items() if k != "oneOf"} | {
            "enum": [o["title"] for o in options]
        }
    out = {k: _rewrite(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@cache
def spec() -> dict[str, Any]:
    raw = json.loads(spec_file().read_text())
    paths, components = _scheduling()
    raw["paths"].update(paths)
    for kind, items in components.items():
        raw["components"].setdefault(kind, {}).update(items)
    loaded: dict[str, Any] = _rewrite(raw)
    return loaded


def _pattern(key: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(key)) + "$")


@cache
def _patterns() -> list[tuple[int, str, re.Pattern[str]]]:
    out = []
    for key in spec()["paths"]:
        literal = sum(1 for seg in key.split("/") if seg and not seg.startswith("{"))
        out.append((literal, key, _pattern(key)))
    return sorted(out, key=lambda t: -t[0])


def spec_path(path: str) -> str | None:
    """The spec path key for a concrete request path (``/api`` stripped)."""
    concrete = path.removeprefix("/api") if path.startswith("/api/") else path
    for _, key, pattern in _patterns():
        if pattern.match(concrete):
            return key
    return None


def route_key(route_path: str) -> str:
    """The spec key for an emulator route template (parameter names may differ)."""
    generic = re.sub(r"\{[^}]+\}", "{x}", route_path.removeprefix("/api"))
    for key in spec()["paths"]:
        if re.sub(r"\{[^}]+\}", "{x}", key) == generic:
            return key
    return generic


def operation(key: str, method: str) -> dict[str, Any] | None:
    op = spec()["paths"].get(key, {}).get(method.lower())
    return op if isinstance(op, dict) else None


def api_of(key: str, method: str) -> str:
    op = operation(key, method) or {}
    tags = op.get("tags") or ["?"]
    return str(tags[0])


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in found:
                found.add(name)
                _refs(spec()["components"]["schemas"].get(name), found)
        for v in node.values():
            _refs(v, found)
    elif isinstance(node, list):
        for v in node:
            _refs(v, found)


def response_schema_names(key: str, method: str, status: str | None = None) -> set[str]:
    """Component schemas (transitively) used by an operation's responses."""
    op = operation(key, method) or {}
    found: set[str] = set()
    for code, response in op.get("responses", {}).items():
        if status is None or code == status:
            _refs(response, found)
    return found


@cache
def schema_apis() -> dict[str, frozenset[str]]:
    """Schema name -> the APIs (first tags) whose operations reference it."""
    users: dict[str, set[str]] = {}
    for key, ops in spec()["paths"].items():
        for method in METHODS:
            op = ops.get(method)
            if not isinstance(op, dict):
                continue
            found: set[str] = set()
            _refs(op, found)
            for name in found:
                users.setdefault(name, set()).add(api_of(key, method))
    return {k: frozenset(v) for k, v in users.items()}


def ambiguous(names: set[str]) -> set[str]:
    apis = schema_apis()
    return {n for n in names if len(apis.get(n, ())) > 1}


_COMPONENTS: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}


def _components(replace: dict[str, dict[str, Any]]) -> dict[str, Any]:
    marker = tuple(
        sorted((name, json.dumps(schema, sort_keys=True)) for name, schema in replace.items())
    )
    if marker not in _COMPONENTS:
        components = dict(spec()["components"])
        components["schemas"] = {**components["schemas"], **_rewrite(replace)}
        _COMPONENTS[marker] = components
    return _COMPONENTS[marker]


@dataclass(frozen=True)
class Recorded:
    """One HTTP exchange of the scripted run."""

    method: str
    path: str
    status: int
    content_type: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or None
    size: int = 0

    @property
    def key(self) -> str | None:
        return spec_path(self.path)


def validate(
    rec: Recorded,
    *,
    replace: dict[str, dict[str, Any]] | None = None,
    schema_ref: str | None = None,
) -> list[str]:
    """Problems of one response against the spec (empty when it conforms).

    ``replace`` swaps component schemas by name (per-API corrections of ambiguous names);
    ``schema_ref`` validates the JSON body against another component instead of the declared one.
    """
    key = rec.key
    where = f"{rec.method} {rec.path} -> {rec.status}"
    if key is None:
        return [f"{where}: path not in the OpenAPI data"]
    op = operation(key, rec.method)
    if op is None:
        return [f"{where}: method not in the OpenAPI data for {key}"]
    response = op["responses"].get(str(rec.status))
    if response is None and rec.status >= 400:
        response = op["responses"].get("default")
    if response is None:
        return [f"{where}: status not declared (declared: {sorted(op['responses'])})"]
    problems = []
    for header in response.get("headers", {}):
        if header.lower() not in rec.headers:
            problems.append(f"{where}: declared header {header} missing")
    content = response.get("content", {})
    media = rec.content_type.split(";", 1)[0].strip().lower()
    if rec.size and content and media not in content and "*/*" not in content:
        problems.append(f"{where}: content-type {media!r} not declared ({sorted(content)})")
    schema = content.get("application/json", {}).get("schema")
    if schema is not None and schema_ref is not None:
        schema = {"$ref": f"#/components/schemas/{schema_ref}"}
    if schema is None:
        if rec.body is not None and content:
            problems.append(f"{where}: JSON body where the spec declares {sorted(content)}")
        return problems
    if rec.body is None:
        if rec.status != 204:
            problems.append(f"{where}: no JSON body (content-type {rec.content_type!r})")
        return problems
    wrapped = {"components": _components(replace or {}), "allOf": [schema]}
    validator = jsonschema.Draft202012Validator(wrapped)
    for error in sorted(validator.iter_errors(rec.body), key=lambda e: list(e.absolute_path)):
        problems.append(f"{where}: {error.message} at {list(error.absolute_path)}")
    return problems
