"""The command line: the only module that prints, and the one that maps errors to exit codes.

Exit codes: 0 success (and, with ``plan --detailed-exitcode``, no changes); 2 changes present
(only with ``--detailed-exitcode``); 1 any error, usage errors included. Errors are shown as one
clear message, never a traceback (``-v`` adds debug logs, with secrets redacted).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.text import Text

from qlikreconcile import __version__
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.report import OpResult
from qlikreconcile.errors import QlikReconcileError, SpecError
from qlikreconcile.reconcile import fleet as fleets
from qlikreconcile.reconcile import target as targets
from qlikreconcile.reconcile.fleet import DesiredFleet, SourceTenant, TargetSettings
from qlikreconcile.reconcile.release import release_template
from qlikreconcile.reconcile.service import apply_plan, plan_fleet
from qlikreconcile.render.text import render_plan, render_report

T = TypeVar("T")
DESIRED_HELP = "The desired-state folder."
TARGET_HELP = (
    "emulator (embedded), http://127.0.0.1:PORT (a served emulator) or qlik-cloud; "
    "default: $QLIKRECONCILE_TARGET, else the fleet's target.default."
)
_STYLES = (
    (re.compile(r"^\s*(\+|↻|⇪) "), "green"),
    (re.compile(r"^\s*(~|⇪~) "), "yellow"),
    (re.compile(r"^\s*(-/\+|-|⊘) "), "red"),
    (re.compile(r"^\s+\+(?!\+\+)"), "green"),
    (re.compile(r"^\s+-(?!--)"), "red"),
    (re.compile(r"^\s+! "), "yellow"),
    (re.compile(r"^\s+failed "), "red"),
    (re.compile(r"^Plan: |^No changes"), "bold"),
)


def _console(stderr: bool = False) -> Console:
    no_color = bool(os.environ.get("NO_COLOR"))
    return Console(stderr=stderr, no_color=no_color, highlight=False, soft_wrap=True)


def _echo(text: str) -> None:
    """Print rendered plain text, coloured by line on a terminal (rich drops colour when piped)."""
    console = _console()
    for line in text.rstrip("\n").split("\n"):
        style = next((s for pattern, s in _STYLES if pattern.search(line)), None)
        console.print(Text(line, style=style or ""))


def _fail(message: str) -> int:
    _console(stderr=True).print(Text(f"Error: {message}", style="red"))
    return 1


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _load(desired: Path) -> DesiredFleet:
    return fleets.load(desired)


def _target(option: str | None, settings: TargetSettings, source: SourceTenant) -> targets.Target:
    name = targets.choose(option, settings, os.environ)
    return targets.resolve(name, settings=settings, source=source)


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    fleets.protect_logs(handler)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qlikreconcile")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug); secrets redacted.")
def cli(verbose: int) -> None:
    """GitOps reconciler for Qlik Cloud OEM fleets: plan and apply desired/ against Qlik."""
    _setup_logging(verbose)


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


@cli.command()
@desired_option
def validate(desired: Path) -> int:
    """Check the whole desired state; no API call is made."""
    fleet = _load(desired)
    apps = sum(len(t.apps) for t in fleet.tenants)
    _echo(
        f"Valid: fleet {fleet.name}, {len(fleet.tenants)} tenants, "
        f"{len(fleet.templates)} templates, {apps} apps."
    )
    return 0


@cli.command()
@desired_option
@target_option
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.",
)
def plan(desired: Path, target_name: str | None, detailed_exitcode: bool) -> int:
    """Show the operations that make the tenants match the desired state."""
    fleet = _load(desired)
    target = _target(target_name, fleet.target, fleet.source)
    _echo(f"Target: {target.label}\n")

    async def run() -> Any:
        async with target.session() as session:
            return await plan_fleet(fleet, session, target=target.label)

    planned = _run(run())
    _echo(render_plan(planned.plan))
    if detailed_exitcode and not planned.plan.empty:
        return 2
    return 0


@cli.command()
@desired_option
@target_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
def apply(desired: Path, target_name: str | None, auto_approve: bool) -> int:
    """Plan, then run the operations in dependency order and report each outcome."""
    fleet = _load(desired)
    secrets = fleets.secrets(fleet, os.environ)
    target = _target(target_name, fleet.target, fleet.source)
    _echo(f"Target: {target.label}\n")

    async def run() -> int:
        async with target.session() as session:
            planned = await plan_fleet(fleet, session, target=target.label)
            _echo(render_plan(planned.plan))
            if planned.plan.empty:
                return 0
            if not auto_approve and not _confirm():
                return 1
            stop = asyncio.Event()
            _install_stop(stop)
            report = await apply_plan(
                planned, fleet, session, secrets=secrets, stop=stop, listener=_progress
            )
            _echo("\n" + render_report(report))
            return 0 if report.ok else 1

    return _run(run())


def _confirm() -> bool:
    if not sys.stdin.isatty():
        raise click.UsageError(
            "apply needs confirmation and standard input is not a terminal; "
            "review the plan and pass --auto-approve"
        )
    return click.confirm("Apply these operations?", default=False)


def _install_stop(stop: asyncio.Event) -> None:
    """SIGINT/SIGTERM: start nothing new, let running operations settle, then report."""
    loop = asyncio.get_running_loop()

    def request_stop() -> None:
        if not stop.is_set():
            _console(stderr=True).print(
                Text("Stopping: no new operations start; waiting for those running.", "yellow")
            )
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available off the main thread or on every platform: then Ctrl-C aborts as usual.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, request_stop)


def _progress(op: Operation, result: OpResult | None) -> None:
    if result is None:
        _console(stderr=True).print(Text(f"  ... {op.action.value} {op.key}", style="dim"))


@cli.group()
def template() -> None:
    """Template apps and their releases."""


@template.command("release")
@click.argument("name")
@desired_option
@target_option
def template_release(name: str, desired: Path, target_name: str | None) -> int:
    """Export template NAME's source app without data as its next release."""
    source, target_settings, templates = fleets.load_sources(desired)
    if name not in templates:
        known = ", ".join(sorted(templates)) or "none"
        raise click.UsageError(f"no template {name!r} under {desired}/templates (known: {known})")
    target = _target(target_name, target_settings, source)
    _echo(f"Target: {target.label}\n")

    async def run() -> Any:
        async with target.session() as session:
            return await release_template(session, source, templates[name])

    result = _run(run())
    if result.release is None:
        _echo(f"{name}: source app {result.app_id} is unchanged since the newest release.")
    else:
        rel = result.release
        _echo(f"{name}: release {rel.version} written to {rel.artifact} (sha256 {rel.sha256}).")
    return 0


@cli.group()
def emulator() -> None:
    """The Qlik Cloud API emulator."""


@emulator.command("serve")
@click.option("--port", type=int, required=True, help="Loopback port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--state",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Persist the emulator's state to this JSON file.",
)
def emulator_serve(port: int, host: str, state: Path | None) -> int:
    """Serve the emulator over HTTP (Qlik tenant hosts are chosen by the Host header)."""
    from qlikreconcile.emulator import EmulatorConfig, serve

    config = EmulatorConfig.from_env()
    secret = "the default" if config.client_secret == EmulatorConfig().client_secret else "set"
    _echo(
        f"Qlik Cloud emulator on http://{host}:{port} (OAuth client id {config.client_id!r}, "
        f"secret {secret}: QLIKRECONCILE_EMULATOR_CLIENT_ID / _CLIENT_SECRET, see the README)"
    )
    serve(host=host, port=port, state_file=state, config=config)
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every outcome into an exit code."""
    try:
        code = cli.main(args=argv, prog_name="qlikreconcile", standalone_mode=False)
    except SpecError as exc:
        console = _console(stderr=True)
        console.print(Text(str(exc).split("\n", 1)[0] + ":", style="red"))
        for problem in exc.problems:
            console.print(Text(f"  {problem}"))
        code = 1
    except QlikReconcileError as exc:
        code = _fail(str(exc))
    except click.exceptions.Abort:
        code = _fail("aborted")
    except click.ClickException as exc:
        exc.show()
        code = 1
    except KeyboardInterrupt:
        code = _fail("interrupted")
    sys.exit(code if isinstance(code, int) else 0)
