"""Loading the desired state and its secrets for a command, before any API call is made."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from qlikreconcile.qlik.credentials import FINGERPRINT_KEY_ENV
from qlikreconcile.qlik.redact import install_redaction, register_secret
from qlikreconcile.reconcile.credentials import fingerprint_key, password_fingerprints
from qlikreconcile.spec.desired_state import DesiredFleet, SourceTenant, TargetSettings, Template
from qlikreconcile.spec.fleet_loader import load_fleet, load_sources
from qlikreconcile.spec.schema import write_json_schemas
from qlikreconcile.spec.secrets import resolve_secrets

__all__ = [
    "DesiredFleet",
    "SourceTenant",
    "TargetSettings",
    "Template",
    "check_credentials",
    "load",
    "load_sources",
    "protect_logs",
    "secrets",
]


def load(desired: Path) -> DesiredFleet:
    """The validated fleet; raises SpecError listing every problem in every file."""
    return load_fleet(desired)


def secrets(fleet: DesiredFleet, environ: Mapping[str, str]) -> dict[str, SecretStr]:
    """Every secret the fleet references, resolved now and registered for log redaction."""
    resolved = resolve_secrets(fleet, environ)
    if resolved:
        resolved[FINGERPRINT_KEY_ENV] = SecretStr(fingerprint_key(environ))
    for value in resolved.values():
        register_secret(value.get_secret_value())
    return resolved


def check_credentials(fleet: DesiredFleet, environ: Mapping[str, str]) -> None:
    """Fail now, before any API call, when plan could not fingerprint the connection passwords."""
    password_fingerprints(fleet, environ)


def protect_logs(handler: logging.Handler) -> None:
    """Mask secrets (registered values, bearer tokens, client secrets) in this handler's output."""
    install_redaction(handler)


def write_schemas(folder: Path) -> list[Path]:
    """The spec files' JSON Schemas written into ``folder`` (``qlikreconcile schema``)."""
    return write_json_schemas(folder)
