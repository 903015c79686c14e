"""``qlikreconcile status``: the fleet at a glance, read-only."""

from __future__ import annotations

import os
import time
from pathlib import Path

from qlikreconcile.cli.base import (
    cli,
    desired_option,
    load_fleet,
    output_option,
    resolve_target,
    run_async,
    target_option,
)
from qlikreconcile.cli.console import echo, progress, warn
from qlikreconcile.engine.status import FleetStatus
from qlikreconcile.reconcile import fleet as fleets
from qlikreconcile.reconcile.service import plan_fleet
from qlikreconcile.reconcile.status import fleet_status
from qlikreconcile.render.status import (
    render_status_json,
    render_status_markdown,
    render_status_text,
)


@cli.command()
@desired_option
@target_option
@output_option
def status(desired: Path, target_name: str | None, output: str) -> int:
    """The fleet at a glance, changing nothing: per tenant its wave and state, per app the
    release it runs, the last reload and the data's age against max_age, the schedule; per
    template how many tenants run each release. `-o markdown` is a job summary with a Mermaid
    chart of the release distribution. Exit 1 when a tenant cannot be read."""
    fleet = load_fleet(desired)
    fleets.check_credentials(fleet, os.environ)
    target = resolve_target(target_name, fleet.target, fleet.source)

    async def run() -> FleetStatus:
        async with target.session() as session:
            with progress.reading(len(fleet.tenants)) as read:
                planned = await plan_fleet(
                    fleet, session, target=target.label, listener=read, environ=os.environ
                )
        return fleet_status(fleet, planned.plan, planned.actual, time.time())

    found = run_async(run())
    if output == "json":
        echo(render_status_json(found))
    elif output == "markdown":
        echo(render_status_markdown(found))
    else:
        echo(render_status_text(found))
    unreadable = [t.name for t in found.tenants if t.state == "unreadable"]
    for name in unreadable:
        warn(f"{name} could not be read; its status is unknown")
    return 1 if unreadable else 0
