"""``create_app``: assemble the Starlette application from the per-service route tables."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from qlikreconcile.emulator import (
    admin,
    admin_scheduling,
    routes_app_data,
    routes_apps,
    routes_connections,
    routes_engine,
    routes_items,
    routes_licenses,
    routes_oauth,
    routes_publish,
    routes_reload_tasks,
    routes_reloads,
    routes_scheduling,
    routes_scheduling_runs,
    routes_scripts,
    routes_spaces,
    routes_tenants,
    routes_transfer,
    routes_users,
)
from qlikreconcile.emulator.config import EmulatorConfig
from qlikreconcile.emulator.errors import QlikError, error_body
from qlikreconcile.emulator.middleware import EmulatorMiddleware
from qlikreconcile.emulator.persistence import load_state, save_state
from qlikreconcile.emulator.seed import build_seed
from qlikreconcile.emulator.store import EmulatorStore

TITLES = {404: "Not found", 405: "Method not allowed"}


def all_routes() -> list[BaseRoute]:
    # Order matters where literal segments share a prefix with parameters
    # (/apps/import before /apps/{appId}, /users/me before /users/{id}).
    return [
        *admin.ROUTES,
        *admin_scheduling.ROUTES,
        *routes_oauth.ROUTES,
        *routes_users.ROUTES,
        *routes_tenants.ROUTES,
        *routes_licenses.ROUTES,
        *routes_spaces.ROUTES,
        *routes_transfer.ROUTES,
        *routes_publish.ROUTES,
        *routes_scripts.ROUTES,
        *routes_apps.ROUTES,
        *routes_app_data.ROUTES,
        *routes_items.ROUTES,
        *routes_reloads.ROUTES,
        *routes_reload_tasks.ROUTES,
        *routes_scheduling_runs.ROUTES,
        *routes_scheduling.ROUTES,
        *routes_connections.ROUTES,
        *routes_engine.ROUTES,
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
        routes=all_routes(),
        middleware=[Middleware(EmulatorMiddleware, store=store, state_file=state_file)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.store = store
    if state_file is not None and state is None:
        save_state(state_file, store.state)
    return app
