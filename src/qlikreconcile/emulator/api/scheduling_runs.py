"""Run history of scheduling tasks: ``GET /api/scheduling/tasks/{id}/runs`` and
``GET /api/scheduling/tasks/resources/{appId}/runs`` (qlik-scheduling-tasks.md §2 rows 8 and 11).

Both answer an ``OrchRunList`` (``data`` + cursor ``links``), newest first by ``startedAt``
(Qlik's default sort ``-startedAt``). A run's outcome is read from the reload it started, as for
``runs/last``. The resource list covers every task of the app, so it stays readable for an app
whose tasks come and go; a missing app has no runs (an empty list, not an error: INFERRED, the
contract documents no 404 for it).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qlikreconcile.emulator.api.endpoint import Ctx, endpoint
from qlikreconcile.emulator.api.errors import QlikError
from qlikreconcile.emulator.api.pagination import paginate
from qlikreconcile.emulator.api.scheduling_render import render_run
from qlikreconcile.emulator.state.scheduling import SchedulingTask, TaskRun
from qlikreconcile.emulator.state.scheduling_tasks import settle_runs

_BASE = "/api/scheduling/tasks"


def refuse_unmodelled(ctx: Ctx, context: str) -> None:
    """400 for ``filter``/``sort``: Qlik honours them, the emulator does not, so a client relying
    on them fails loudly here instead of reading an unfiltered list (COVERAGE.md)."""
    for param in ("filter", "sort"):
        if ctx.query(param) is not None:
            detail = f"'{param}' is not modelled by the emulator"
            raise QlikError(400, context, "Bad request", detail, service="scheduling")


def _listed(ctx: Ctx, tasks: list[SchedulingTask]) -> Response:
    refuse_unmodelled(ctx, "GetRuns")
    changed = False
    for task in tasks:
        changed = settle_runs(ctx.tenant, task, ctx.now) or changed
    if changed:
        ctx.store.mark_dirty()
    runs: list[tuple[SchedulingTask, TaskRun]] = [(t, r) for t in tasks for r in t.runs]
    runs.sort(key=lambda pair: -pair[1].started_at)
    page = paginate(ctx, runs, default=20, maximum=100, next_param="page", prev_param="page")
    data = [render_run(ctx.tenant, task, run) for task, run in page.data]
    return JSONResponse({"data": data, "links": page.links})


@endpoint(service="scheduling")
async def task_runs(ctx: Ctx) -> Response:
    ident = ctx.path_param("id")
    task = ctx.tenant.scheduling_tasks.get(ident)
    if task is None:
        detail = f"task '{ident}' not found"
        raise QlikError(404, "GetTaskRuns", "Not found", detail, service="scheduling")
    return _listed(ctx, [task])


@endpoint(service="scheduling")
async def resource_runs(ctx: Ctx) -> Response:
    app_id = ctx.path_param("id")
    return _listed(ctx, [t for t in ctx.tenant.scheduling_tasks.values() if t.app_id == app_id])


ROUTES = [
    Route(f"{_BASE}/resources/{{id}}/runs", resource_runs, methods=["GET"]),
    Route(f"{_BASE}/{{id}}/runs", task_runs, methods=["GET"]),
]
