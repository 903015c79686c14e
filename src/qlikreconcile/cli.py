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
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import SecretStr
from rich.console import Console
from rich.progress import Progress
from rich.text import Text

from qlikreconcile import __version__
from qlikreconcile.engine.plan import Operation, Plan
from qlikreconcile.engine.plan_file import load as load_plan
from qlikreconcile.engine.plan_file import save as save_plan
from qlikreconcile.engine.report import OpResult
from qlikreconcile.errors import QlikReconcileError, SpecError
from qlikreconcile.reconcile import fleet as fleets
from qlikreconcile.reconcile import target as targets
from qlikreconcile.reconcile.fleet import DesiredFleet, SourceTenant, TargetSettings
from qlikreconcile.reconcile.release import release_template
from qlikreconcile.reconcile.revision import revision
from qlikreconcile.reconcile.service import (
    ArtifactReader,
    Planned,
    Session,
    apply_plan,
    plan_fleet,
    plan_secrets,
    refresh_saved,
)
from qlikreconcile.render.document import render_json
from qlikreconcile.render.markdown import render_markdown
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


def _warn(message: str) -> None:
    _console(stderr=True).print(Text(message, style="yellow"))


def _note(message: str) -> None:
    _console(stderr=True).print(Text(message, style="dim"))


class _Progress:
    """Progress on stderr: a live bar on a terminal, one line per finished operation in CI logs."""

    @contextlib.contextmanager
    def reading(self, total: int) -> Iterator[Callable[[Any], None]]:
        console = _console(stderr=True)
        if not console.is_terminal or total < 2:
            yield lambda _ref: None
            return
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("Reading tenants", total=total)
            yield lambda _ref: bar.advance(task)

    @contextlib.contextmanager
    def applying(self, total: int) -> Iterator[Callable[[Operation, OpResult | None], None]]:
        console = _console(stderr=True)
        if not console.is_terminal:

            def line(op: Operation, result: OpResult | None) -> None:
                if result is not None:
                    console.print(Text(f"  {result.status.value:9} {op.action.glyph:3} {op.key}"))

            yield line
            return
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("Applying", total=total)

            def advance(op: Operation, result: OpResult | None) -> None:
                if result is None:
                    bar.update(task, description=f"{op.action.value} {op.key}")
                else:
                    bar.advance(task)

            yield advance


progress = _Progress()


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


def _show(plan: Plan, output: str, target_label: str | None = None) -> None:
    if output == "json":
        click.echo(render_json(plan), nl=False)
    elif output == "markdown":
        click.echo(render_markdown(plan))
    else:
        _echo(f"Target: {target_label or plan.target}\n")
        _echo(render_plan(plan))


@cli.command()
@desired_option
@target_option
@output_option
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also save the plan document here, for `apply FILE` and `show FILE`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.",
)
def plan(
    desired: Path,
    target_name: str | None,
    output: str,
    out_file: Path | None,
    detailed_exitcode: bool,
) -> int:
    """Show the operations that make the tenants match the desired state."""
    fleet = _load(desired)
    target = _target(target_name, fleet.target, fleet.source)
    if output == "text":
        _echo(f"Target: {target.label}\n")

    async def run() -> Planned:
        async with target.session() as session:
            with progress.reading(len(fleet.tenants)) as read:
                return await plan_fleet(
                    fleet, session, target=target.label, revision=revision(desired), listener=read
                )

    planned = _run(run())
    if output == "text":
        _echo(render_plan(planned.plan))
    else:
        _show(planned.plan, output)
    if out_file is not None:
        save_plan(planned.plan, out_file)
        _note(f"Saved the plan to {out_file} (apply it with: qlikreconcile apply {out_file})")
    if detailed_exitcode and not planned.plan.empty:
        return 2
    return 0


@cli.command()
@click.argument("plan_file", type=click.Path(path_type=Path, dir_okay=False))
@output_option
def show(plan_file: Path, output: str) -> int:
    """Render a saved plan (text, json or markdown) without contacting any target."""
    _show(load_plan(plan_file), output)
    return 0


@cli.command()
@click.argument("plan_file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@desired_option
@target_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
def apply(
    plan_file: Path | None, desired: Path, target_name: str | None, auto_approve: bool
) -> int:
    """Plan and apply, or apply exactly a saved plan (PLAN_FILE) after checking it is not stale."""
    if plan_file is not None:
        return _apply_saved(plan_file, desired, target_name, auto_approve)
    fleet = _load(desired)
    secrets = fleets.secrets(fleet, os.environ)
    target = _target(target_name, fleet.target, fleet.source)
    artifacts = ArtifactReader(desired.absolute().parent)
    _echo(f"Target: {target.label}\n")

    async def run() -> int:
        async with target.session() as session:
            with progress.reading(len(fleet.tenants)) as read:
                planned = await plan_fleet(
                    fleet, session, target=target.label, revision=revision(desired), listener=read
                )
            _echo(render_plan(planned.plan))
            if planned.plan.empty:
                return 0
            if not auto_approve and not _confirm():
                return 1
            return await _execute(planned, session, secrets, artifacts)

    return _run(run())


def _apply_saved(plan_file: Path, desired: Path, target_name: str | None, auto: bool) -> int:
    saved = load_plan(plan_file)
    source, settings, _ = fleets.load_sources(desired)
    target = _target(target_name, settings, source)
    if target.label != saved.target:
        raise click.UsageError(
            f"{plan_file} was planned against {saved.target!r}, not {target.label!r}; "
            "apply it to the same target or make a new plan"
        )
    secrets = plan_secrets(saved, os.environ)
    _echo(f"Target: {target.label}\n")
    _echo(render_plan(saved))
    if saved.empty:
        return 0
    if not auto and not _confirm():
        return 1
    artifacts = ArtifactReader(desired.absolute().parent)

    async def run() -> int:
        async with target.session() as session:
            with progress.reading(len(saved.tenants)) as read:
                refreshed = await refresh_saved(saved, session, listener=read)
            for tenant, reasons in sorted(refreshed.stale.items()):
                _warn(f"stale plan: {tenant} is not applied, it changed since planning:")
                for reason in reasons:
                    _warn(f"  {reason}")
            code = await _execute(refreshed.planned, session, secrets, artifacts)
            return 1 if refreshed.stale else code

    return _run(run())


async def _execute(
    planned: Planned, session: Session, secrets: dict[str, SecretStr], artifacts: ArtifactReader
) -> int:
    stop = asyncio.Event()
    _install_stop(stop)
    with progress.applying(len(planned.plan.operations)) as listener:
        report = await apply_plan(
            planned,
            session,
            secrets=secrets,
            artifacts=artifacts,
            stop=stop,
            listener=listener,
        )
    _echo("\n" + render_report(report))
    return 0 if report.ok else 1


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
            _warn("Stopping: no new operations start; waiting for those running.")
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available off the main thread or on every platform: then Ctrl-C aborts as usual.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, request_stop)


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
@click.option(
    "--default-host",
    default=None,
    help="Qlik host that requests to a non-Qlik Host (127.0.0.1, localhost) address "
    "[default: the seeded source tenant].",
)
@click.option(
    "--faults",
    default=None,
    metavar="SPEC",
    help="Inject seeded faults: comma-separated key=value, e.g. 429=0.1,500=0.05,drop=0.02,"
    "reset=0.01,reload-fail=0.1,latency=20ms,slow-reload=5s,seed=7.",
)
def emulator_serve(
    port: int, host: str, state: Path | None, default_host: str | None, faults: str | None
) -> int:
    """Serve the emulator over HTTP (Qlik tenant hosts are chosen by the Host header)."""
    from qlikreconcile.emulator import SOURCE_HOST, EmulatorConfig, serve
    from qlikreconcile.emulator.faults import validate_spec

    config = EmulatorConfig.from_env()
    if faults is not None:
        try:
            validate_spec(faults)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--faults") from None
        config.faults = faults
    default_secret = config.client_secret == EmulatorConfig().client_secret
    secret = f"{config.client_secret!r} (the default)" if default_secret else "set"
    _echo(
        f"Qlik Cloud emulator on http://{host}:{port} (OAuth client id {config.client_id!r}, "
        f"secret {secret}: QLIKRECONCILE_EMULATOR_CLIENT_ID / _CLIENT_SECRET, see the README); "
        f"requests to http://{host}:{port} address "
        f"{default_host or config.default_host or SOURCE_HOST}"
        + (f"; faults {faults}" if faults else "")
    )
    serve(host=host, port=port, state_file=state, config=config, default_host=default_host)
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
