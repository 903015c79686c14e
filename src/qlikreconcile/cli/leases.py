"""``lease show`` and ``lease break``: the apply lease seen and, for a dead run, broken by hand.

The lease (one apply at a time per fleet) lives in the fleet's source tenant; see
docs/robustness.md. An expired lease is taken over by the next apply on its own; ``lease
break`` is for a lease that has not expired yet but whose run is known to be dead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qlikreconcile.cli.base import (
    cli,
    desired_option,
    load_fleet,
    resolve_target,
    run_async,
    target_option,
)
from qlikreconcile.cli.console import echo, warn
from qlikreconcile.reconcile import targeting
from qlikreconcile.reconcile.lease import (
    Holder,
    break_apply_lease,
    lease_holders,
    shard_subject,
)
from qlikreconcile.reconcile.service import Session

T = TypeVar("T")
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


class Duration(click.ParamType[float, Any]):
    """``90``, ``90s``, ``10m`` or ``1h``, as seconds."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", str(value))
        if found is None:
            self.fail(f"{value!r} is not a duration: write e.g. 30s, 10m or 1h", param, ctx)
        return float(found.group(1)) * _UNITS[found.group(2)]


DURATION = Duration()


def show_holder(holder: Holder | None) -> None:
    """Say (on stderr) that another run holds the apply lease; nothing when none does."""
    if holder is not None:
        warn(f"An apply is running: the fleet's lease is held by {holder.describe(time.time())}.")


@cli.group()
def lease() -> None:
    """The apply lease: only one apply runs at a time per fleet."""


def _on_source(
    desired: Path, target_name: str | None, act: Callable[[Session, str], Awaitable[T]]
) -> T:
    """Run ``act`` against the fleet's source tenant, where the lease lives."""
    fleet = load_fleet(desired)
    target = resolve_target(target_name, fleet.target, fleet.source)

    async def run() -> T:
        async with target.session() as session:
            return await act(session, fleet.source.hostname)

    return run_async(run())


@lease.command("show")
@desired_option
@target_option
def show_lease(desired: Path, target_name: str | None) -> int:
    """Show who holds the apply lease (and each shard's, for sharded applies), if anyone."""
    held = _on_source(desired, target_name, lease_holders)
    now = time.time()
    for subject, holder in held.items():
        echo(f"{subject}: held by {holder.describe(now)}.")
    if not held:
        echo("No apply holds the lease.")
    return 0


@lease.command("break")
@click.option(
    "--shard",
    metavar="I/N",
    default=None,
    help="Break the lease of `apply --shard I/N` instead of the whole fleet's.",
)
@desired_option
@target_option
def break_(shard: str | None, desired: Path, target_name: str | None) -> int:
    """Delete the apply lease of a run known to be dead (it may still be writing otherwise)."""
    subject = shard_subject(targeting.parse_shard(shard) if shard else None)

    async def act(session: Session, source_host: str) -> Holder | None:
        return await break_apply_lease(session, source_host, subject)

    holder = _on_source(desired, target_name, act)
    if holder is None:
        echo("No apply holds the lease; nothing to break.")
    else:
        echo(f"Broke the apply lease held by {holder.describe(time.time())}.")
    return 0
