"""The public API, pinned: a change here is a decision, made in review, not an accident.

The client's exports are pinned beside its tests, in ``tests/qlik/test_client_api.py``.
"""

from __future__ import annotations

import inspect

import qlikreconcile
import qlikreconcile.emulator
import qlikreconcile.errors
import qlikreconcile.spec
from qlikreconcile.cli import main

PINNED = {
    qlikreconcile.emulator: {
        "EmulatorConfig",
        "QUIRKS",
        "Quirk",
        "Quirks",
        "SOURCE_HOST",
        "create_app",
        "serve",
    },
    qlikreconcile.spec: {
        "json_schema",
        "json_schemas",
        "load_fleet",
        "resolve_secret",
        "resolve_secrets",
        "secret_references",
        "write_json_schemas",
    },
}

ERRORS = {
    "QlikReconcileError": None,
    "SpecError": "QlikReconcileError",
    "TargetError": "QlikReconcileError",
    "SecretError": "QlikReconcileError",
    "PlanError": "QlikReconcileError",
    "OperationError": "QlikReconcileError",
    "ApiError": "QlikReconcileError",
    "AuthError": "ApiError",
    "NotFoundError": "ApiError",
    "ConflictError": "ApiError",
    "PreconditionError": "ApiError",
    "RateLimitError": "ApiError",
    "TransportError": "QlikReconcileError",
}


def test_exported_members() -> None:
    for module, names in PINNED.items():
        assert set(module.__all__) == names, module.__name__
        for name in names:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_error_tree() -> None:
    for name, parent in ERRORS.items():
        cls = getattr(qlikreconcile.errors, name)
        assert issubclass(cls, Exception)
        if parent is not None:
            assert cls.__mro__[1].__name__ == parent, name


def test_entry_points() -> None:
    assert qlikreconcile.__version__
    assert list(inspect.signature(main).parameters) == ["argv"]
