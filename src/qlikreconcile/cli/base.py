"""The command group, its shared options, and the plumbing every command uses.

Commands load on first use (:class:`LazyGroup`): ``--help`` and a command import only the
modules they run, not every command's (``qlikreconcile --help`` does not read a fleet).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from qlikreconcile import __version__

if TYPE_CHECKING:
    from qlikreconcile.engine.rollout import FailureBudget
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
    from qlikreconcile.reconcile import running

    try:
        return running.run(coro)
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


def load_fleet(desired: Path) -> DesiredFleet:
    from qlikreconcile.reconcile import fleet as fleets

    return fleets.load(desired)


def resolve_target(
    option: str | None, settings: TargetSettings, source: SourceTenant
) -> targets.Target:
    from qlikreconcile.reconcile import target as targets

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
    from qlikreconcile.reconcile import fleet as fleets

    fleets.protect_logs(handler)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


VERBOSE_HELP = "More logging (-vv for debug); secrets redacted."


LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("planning", "Check the whole desired state; no API call is made."),
    "plan": ("planning", "Show the operations that make the tenants match the desired state."),
    "apply": (
        "planning",
        "Plan and apply, or apply exactly a saved plan (PLAN_FILE) after checking it is not stale.",
    ),
    "show": (
        "planning",
        "Render saved plans (text, json or markdown) without contacting any target.",
    ),
    "status": (
        "status",
        "The fleet at a glance, changing nothing: per tenant its wave and state, per app the "
        "release it runs, the last reload and the data's age against max_age, the schedule; "
        "per template how many tenants run each release.",
    ),
    "import": (
        "importing",
        "Onboard existing tenants: write their tenant files, changing nothing.",
    ),
    "lease": ("leases", "The apply lease: only one apply runs at a time per fleet."),
    "emulator": ("tools", "The Qlik Cloud API emulator."),
    "schema": (
        "tools",
        "Write the JSON Schemas of the spec files, for editors (yaml-language-server) and CI.",
    ),
    "template": ("tools", "Template apps and their releases."),
    "tenant": (
        "tools",
        "Tenants: settling a create whose answer was lost; disowning a removed tenant.",
    ),
}
"""Command -> (module of ``qlikreconcile.cli`` defining it, its short help for the root
``--help``); tests/cli/test_lazy_commands.py keeps the help equal to the command's own."""


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at a word to fit ``limit``, as click shortens a command's own help."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 0)].rsplit(" ", 1)[0].rstrip(",;:") + "..."


class LazyGroup(click.Group):
    """The root group: a command's module is imported when the command is first looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(f"qlikreconcile.cli.{LAZY_COMMANDS[cmd_name][0]}")
        command = self.commands.get(cmd_name)
        if command is not None:
            accept_verbose_after(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, self.commands[name].get_short_help_str(limit))
            if name in self.commands
            else (name, _shortened(LAZY_COMMANDS[name][1], limit))
            for name in names
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def accept_verbose_after(command: click.Command) -> None:
    """A subcommand (and each of a group's) also takes -v/--verbose, so the option works on
    either side of it; added once, however often the command is looked up."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            accept_verbose_after(sub)
    elif not any(param.name == "verbose" for param in command.params):
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
