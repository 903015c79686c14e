"""``create_app``: assemble the Starlette application from the per-service route tables."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from qlikreconcile.emulator.api import (
    app_data,
    apps,
    connections,
    engine,
    items,
    licenses,
    oauth,
    publish,
    reload_tasks,
    reloads,
    scheduling,
    scheduling_runs,
    scripts,
    spaces,
    tenants,
    transfer,
    users,
)
from qlikreconcile.emulator.api.errors import QlikError, error_body
from qlikreconcile.emulator.config import EmulatorConfig
from qlikreconcile.emulator.control import admin, admin_scheduling
from qlikreconcile.emulator.control.seed import build_seed
from qlikreconcile.emulator.middleware import EmulatorMiddleware
from qlikreconcile.emulator.routing import IndexedRouter
from qlikreconcile.emulator.state.persistence import load_state, save_state
from qlikreconcile.emulator.state.store import EmulatorStore

TITLES = {404: "Not found", 405: "Method not allowed"}


def all_routes() -> list[BaseRoute]:
    # Order matters where literal segments share a prefix with parameters
    # (/apps/import before /apps/{appId}, /users/me before /users/{id}).
    return [
        *admin.ROUTES,
        *admin_scheduling.ROUTES,
        *oauth.ROUTES,
        *users.ROUTES,
        *tenants.ROUTES,
        *licenses.ROUTES,
        *spaces.ROUTES,
        *transfer.ROUTES,
        *publish.ROUTES,
        *scripts.ROUTES,
        *apps.ROUTES,
        *app_data.ROUTES,
        *items.ROUTES,
        *reloads.ROUTES,
        *reload_tasks.ROUTES,
        *scheduling_runs.ROUTES,
        *scheduling.ROUTES,
        *connections.ROUTES,
        *engine.ROUTES,
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    store: EmulatorStore = request.app.state.store
    title = TITLES.get(exc.status_code, "Error")
    err = QlikError(
        exc.status_code, f"HTTP-{exc.status_code}", title, f"{request.method} {request.url.path}"
    )
    return JSONResponse(
        error_body(err, store.trace_id()), status_code=exc.status_code, headers=exc.headers
    )


def create_app(
    *, state_file: Path | None = None, config: EmulatorConfig | None = None
) -> Starlette:
    """A fresh emulator: loads ``state_file`` when it exists, else starts from the seed."""
    config = config or EmulatorConfig()
    state = load_state(state_file) if state_file is not None else None
    store = EmulatorStore(config=config, state=state or build_seed(config))
    app = Starlette(
        middleware=[Middleware(EmulatorMiddleware, store=store, state_file=state_file)],
        exception_handlers={HTTPException: _http_error},
    )
    app.router = IndexedRouter(all_routes())  # before the first request builds the stack
    app.state.store = store
    if state_file is not None and state is None:
        save_state(state_file, store.state)
    return app
