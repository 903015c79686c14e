"""The command group, its shared options, and the plumbing every command uses."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from qlikreconcile import __version__
from qlikreconcile.engine.rollout import FailureBudget
from qlikreconcile.reconcile import fleet as fleets
from qlikreconcile.reconcile import target as targets
from qlikreconcile.reconcile.fleet import DesiredFleet, SourceTenant, TargetSettings

T = TypeVar("T")
DESIRED_HELP = "The desired-state folder."
TARGET_HELP = (
    "emulator (embedded), http://127.0.0.1:PORT (a served emulator) or qlik-cloud; "
    "default: $QLIKRECONCILE_TARGET, else the fleet's target.default."
)


@dataclass(frozen=True, slots=True)
class Caps:
    """Operations an apply runs at once (fleet, tenant); how long it waits for the lease; the
    rollout overrides (--force past the guard, --max-failures)."""

    fleet: int = 16
    tenant: int = 4
    lock_timeout: float = 0.0
    force: bool = False
    max_failures: FailureBudget | None = None


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


def load_fleet(desired: Path) -> DesiredFleet:
    return fleets.load(desired)


def resolve_target(
    option: str | None, settings: TargetSettings, source: SourceTenant
) -> targets.Target:
    name = targets.choose(option, settings, os.environ)
    return targets.resolve(name, settings=settings, source=source)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not when it was made.

    The CLI can run more than once in one process (tests, embedding); a handler bound to the
    first run's stderr would write to a stream that may be closed by then.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    fleets.protect_logs(handler)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


VERBOSE_HELP = "More logging (-vv for debug); secrets redacted."


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qlikreconcile")
@click.option("-v", "--verbose", count=True, help=VERBOSE_HELP)
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """GitOps reconciler for Qlik Cloud OEM fleets: plan and apply desired/ against Qlik."""
    ctx.obj = verbose
    setup_logging(verbose)


def _more_verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    """``plan -vv`` counts as ``-vv plan``; both places add up."""
    if value:
        before = ctx.find_root().obj
        setup_logging(value + (before if isinstance(before, int) else 0))


def accept_verbose_after(group: click.Group) -> None:
    """Every subcommand also takes -v/--verbose, so the option works on either side of it."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            accept_verbose_after(command)
            continue
        command.params.append(
            click.Option(
                ["-v", "--verbose"],
                count=True,
                expose_value=False,
                callback=_more_verbose,
                help=VERBOSE_HELP,
            )
        )


def desired_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-d",
        "--desired",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("desired"),
        show_default=True,
        help=DESIRED_HELP,
    )(f)


def target_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--target", "target_name", default=None, help=TARGET_HELP)(f)


OUTPUTS = ("text", "json", "markdown")


def output_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-o",
        "--output",
        type=click.Choice(OUTPUTS),
        default="text",
        show_default=True,
        help="text for a terminal, json (the plan document), markdown (a PR comment).",
    )(f)
