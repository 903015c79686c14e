"""The desired state: loading, templating and validating `desired/` into a DesiredFleet.

Public entry points: :func:`load_fleet` (everything, or one SpecError with every problem),
:func:`resolve_secrets` (secret references -> values from an injected environment) and
:func:`json_schemas` (editor schemas of the on-disk files). The models live in `.desired_state`.
"""

from __future__ import annotations

from qlikreconcile.spec.fleet_loader import load_fleet
from qlikreconcile.spec.schema import json_schema, json_schemas, write_json_schemas
from qlikreconcile.spec.secrets import resolve_secret, resolve_secrets, secret_references

__all__ = [
    "json_schema",
    "json_schemas",
    "load_fleet",
    "resolve_secret",
    "resolve_secrets",
    "secret_references",
    "write_json_schemas",
]
