"""Secret references resolve from an injected environment; missing ones are named, never values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from qlikreconcile.errors import SecretError
from qlikreconcile.spec import load_fleet, resolve_secret, resolve_secrets, secret_references
from qlikreconcile.spec.desired_state import SecretRef


def test_references_name_their_files(example_fleet: Path) -> None:
    fleet = load_fleet(example_fleet)
    assert secret_references(fleet) == {
        "GLOBEX_PG_PASSWORD": ("desired/tenants/globex.yaml",),
        "VENDOR_DW_PASSWORD": (
            "desired/tenants/acme.yaml",
            "desired/tenants/globex.yaml",
            "desired/tenants/initech.yaml",
        ),
    }


def test_secrets_resolve_to_secret_strings(example_fleet: Path) -> None:
    fleet = load_fleet(example_fleet)
    environ = {"VENDOR_DW_PASSWORD": "s3cret-dw", "GLOBEX_PG_PASSWORD": "s3cret-pg", "X": "y"}
    secrets = resolve_secrets(fleet, environ)
    assert set(secrets) == {"VENDOR_DW_PASSWORD", "GLOBEX_PG_PASSWORD"}
    assert isinstance(secrets["GLOBEX_PG_PASSWORD"], SecretStr)
    assert "s3cret" not in repr(secrets)
    assert "s3cret" not in str(secrets)
    value = resolve_secret(SecretRef(env="VENDOR_DW_PASSWORD"), secrets)
    assert value.get_secret_value() == "s3cret-dw"


def test_missing_secrets_are_all_named_with_files_and_no_values(example_fleet: Path) -> None:
    fleet = load_fleet(example_fleet)
    with pytest.raises(SecretError) as caught:
        resolve_secrets(fleet, {"VENDOR_DW_PASSWORD": "", "UNRELATED": "top-secret-value"})
    message = str(caught.value)
    assert "2 environment variables" in message
    assert "GLOBEX_PG_PASSWORD (referenced by desired/tenants/globex.yaml)" in message
    assert "VENDOR_DW_PASSWORD (referenced by desired/tenants/acme.yaml," in message
    assert "top-secret-value" not in message


def test_one_missing_secret(example_fleet: Path) -> None:
    fleet = load_fleet(example_fleet)
    with pytest.raises(SecretError, match=r"1 environment variable .* is not set"):
        resolve_secrets(fleet, {"VENDOR_DW_PASSWORD": "x"})


def test_unresolved_single_reference() -> None:
    with pytest.raises(SecretError, match="NOPE"):
        resolve_secret(SecretRef(env="NOPE"), {})
