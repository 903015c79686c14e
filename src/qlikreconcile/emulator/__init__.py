"""Qlik Cloud REST API emulator (architecture.md §6).

A Starlette app that routes by ``Host``: tenant hosts ``NAME.REGION.qlikcloud.com`` and
register hosts ``register.REGION.qlikcloud.com``. Imports nothing from the rest of
qlikreconcile. Uncertain behaviours are declared in :mod:`qlikreconcile.emulator.quirks`;
coverage is listed in ``COVERAGE.md`` next to this file.

Rooms (moto's split: the HTTP surface apart from the backend state it changes):

* ``api/``: Qlik Cloud's surface, one module per service (``apps``, ``spaces``, ``reloads``,
  ``scheduling``, the ``engine`` websocket...), and what routes share (``endpoint``, ``errors``,
  ``pagination``, renderers, ``app_ops``). A route parses and validates the request, calls
  ``state/`` for any change and shapes the answer; it changes no state itself.
* ``state/``: the pydantic models of the emulated fleet (``model``, ``tenant``, ``apps``,
  ``scheduling``), every change to them, one module per service (``spaces``, ``connections``,
  ``identity``, ``tokens``, ``tenants``, ``app_changes``, ``temp_contents``, ``reloads``,
  ``reload_tasks``, ``scheduling_tasks``; they own ids, timestamps and cascades), the reload
  lifecycle and queue, licences, ids, fault settings, persistence, the live ``store``.
* ``control/``: what tests and operators drive: ``admin`` routes under ``/_emulator`` (like
  ``api/`` routes, they leave changes to ``state/``), ``faults`` (the injector), ``seed`` (the
  source tenant).
* here: assembly (``app``, ``middleware``, ``server``) and leaves every room may use
  (``config``, ``hosts``, ``quirks``, ``rate_limits``, ``deprecations``, ``timefmt``).

Arrows: ``state`` -> leaves; ``api`` -> ``state``, leaves; ``control`` -> ``api``, ``state``,
leaves; assembly -> anything; no import loop (tests/emulator/test_layering.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qlikreconcile.emulator.app import create_app
    from qlikreconcile.emulator.config import SOURCE_HOST, EmulatorConfig
    from qlikreconcile.emulator.quirks import QUIRKS, Quirk, Quirks
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
    "SOURCE_HOST": "config",
    "serve": "server",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
