"""Qlik Cloud REST API emulator (architecture.md §6).

A Starlette app that routes by ``Host``: tenant hosts ``NAME.REGION.qlikcloud.com`` and
register hosts ``register.REGION.qlikcloud.com``. Imports nothing from the rest of
qlikreconcile. Uncertain behaviours are declared in :mod:`qlikreconcile.emulator.quirks`;
coverage is listed in ``COVERAGE.md`` next to this file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qlikreconcile.emulator.app import create_app
    from qlikreconcile.emulator.config import EmulatorConfig
    from qlikreconcile.emulator.quirks import QUIRKS, Quirk, Quirks
    from qlikreconcile.emulator.seed import SOURCE_HOST
    from qlikreconcile.emulator.server import serve

__all__ = ["QUIRKS", "SOURCE_HOST", "EmulatorConfig", "Quirk", "Quirks", "create_app", "serve"]

# Loaded on first use (PEP 562): the CLI imports this package for a setting or two, and Starlette,
# uvicorn and the routes cost a start-up that `--help`, `validate` and Qlik Cloud runs never need.
_WHERE = {
    "create_app": "app",
    "EmulatorConfig": "config",
    "QUIRKS": "quirks",
    "Quirk": "quirks",
    "Quirks": "quirks",
    "SOURCE_HOST": "seed",
    "serve": "server",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
