"""Qlik Cloud REST API emulator (architecture.md §6).

A Starlette app that routes by ``Host``: tenant hosts ``NAME.REGION.qlikcloud.com`` and
register hosts ``register.REGION.qlikcloud.com``. Imports nothing from the rest of
qlikreconcile. Uncertain behaviours are declared in :mod:`qlikreconcile.emulator.quirks`;
coverage is listed in ``COVERAGE.md`` next to this file.
"""

from __future__ import annotations

from qlikreconcile.emulator.app import create_app
from qlikreconcile.emulator.config import EmulatorConfig
from qlikreconcile.emulator.quirks import QUIRKS, Quirk, Quirks
from qlikreconcile.emulator.seed import SOURCE_HOST
from qlikreconcile.emulator.server import serve

__all__ = ["QUIRKS", "SOURCE_HOST", "EmulatorConfig", "Quirk", "Quirks", "create_app", "serve"]
