"""validate, plan, show and apply: the commands of the plan/apply loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from qlikreconcile.cli.base import (
    Caps,
    cli,
    desired_option,
    load_fleet,
    output_option,
    resolve_target,
    run_async,
    target_option,
)
from qlikreconcile.cli.console import echo, note, progress, warn
from qlikreconcile.cli.leases import DURATION, show_holder
from qlikreconcile.engine.guard import refusals
from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.plan_file import load as load_plan
from qlikreconcile.engine.plan_file import save as save_plan
from qlikreconcile.engine.plan_merge import merge_plans
from qlikreconcile.engine.report import ApplyReport
from qlikreconcile.engine.rollout import FailureBudget, RolloutValueError
from qlikreconcile.errors import GuardError
from qlikreconcile.reconcile import fleet as fleets
from qlikreconcile.reconcile import targeting
from qlikreconcile.reconcile.lease import apply_lease, lease_holder
from qlikreconcile.reconcile.revision import revision
from qlikreconcile.reconcile.service import (
    READ_PARALLELISM,
    TENANTS_PER_PROCESS,
    ArtifactReader,
    Planned,
    Session,
    apply_plan,
    plan_fleet,
    plan_secrets,
    record_tenants,
    refresh_saved,
)
from qlikreconcile.reconcile.target import Target
from qlikreconcile.render.document import render_json
from qlikreconcile.render.markdown import render_markdown
from qlikreconcile.render.text import render_plan, render_report


class _Budget(click.ParamType[FailureBudget, Any]):
    name = "N|P%"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> FailureBudget:
        if isinstance(value, FailureBudget):
            return value
        try:
            return FailureBudget.parse(str(value))
        except RolloutValueError as exc:
            self.fail(str(exc), param, ctx)


BUDGET = _Budget()


@cli.command()
@desired_option
def validate(desired: Path) -> int:
    """Check the whole desired state; no API call is made."""
    fleet = load_fleet(desired)
    apps = sum(len(t.apps) for t in fleet.tenants)
    for warning in fleet.warnings:
        warn(f"warning: {warning}")
    echo(
        f"Valid: fleet {fleet.name}, {len(fleet.tenants)} tenants, "
        f"{len(fleet.templates)} templates, {apps} apps"
        + (f", {len(fleet.warnings)} warning(s)." if fleet.warnings else ".")
    )
    return 0


def targeting_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--tenant, --exclude, --changed-since and --shard (the whole spec is validated whatever
    they say)."""
    f = click.option(
        "--shard",
        metavar="I/N",
        default=None,
        help="Only shard I of N (a stable hash of the tenant name): N runners, one shard each, "
        "cover the fleet once.",
    )(f)
    f = click.option(
        "--changed-since",
        metavar="REF",
        default=None,
        help="Only tenants whose file changed since git REF (all when fleet.yaml, a template "
        "or a release changed).",
    )(f)
    f = click.option(
        "--exclude",
        "excluded",
        multiple=True,
        metavar="GLOB",
        help="Leave out the tenants matching GLOB (repeatable).",
    )(f)
    return click.option(
        "--tenant",
        "tenants",
        multiple=True,
        metavar="GLOB",
        help="Only the tenants matching GLOB, e.g. acme or 'eu-*' (repeatable).",
    )(f)


def _targeted(
    fleet: fleets.DesiredFleet,
    desired: Path,
    tenants: tuple[str, ...],
    excluded: tuple[str, ...],
    changed_since: str | None,
    shard: str | None,
) -> fleets.DesiredFleet:
    part = targeting.parse_shard(shard) if shard else None
    changed = targeting.changed_tenants(fleet, desired, changed_since) if changed_since else None
    chosen = targeting.select(fleet, include=tenants, exclude=excluded, changed=changed, shard=part)
    if len(chosen.tenants) < len(fleet.tenants):
        note(f"Planning {len(chosen.tenants)} of {len(fleet.tenants)} tenants (targeted).")
    return chosen


def _show(plan: Plan, output: str, target_label: str | None = None) -> None:
    if output == "json":
        click.echo(render_json(plan), nl=False)
    elif output == "markdown":
        click.echo(render_markdown(plan))
    else:
        echo(f"Target: {target_label or plan.target}\n")
        echo(render_plan(plan))


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
    help=(
        "Exit 0 only when the fleet matches the spec; 2 when there are changes or divergences "
        "this run will not repair (listed); 1 on error or when a tenant could not be read."
    ),
)
@click.option(
    "--parallelism",
    type=click.IntRange(1, 512),
    default=READ_PARALLELISM,
    show_default=True,
    help="Tenants read at once, in all (requests in flight are capped at 128 per process).",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=None,
    help=(
        "Processes that read the tenants (default: one per core, one fewer for a served "
        f"emulator, at most one per {TENANTS_PER_PROCESS} tenants; the embedded emulator is read "
        "by one)."
    ),
)
@targeting_options
def plan(
    desired: Path,
    target_name: str | None,
    output: str,
    out_file: Path | None,
    detailed_exitcode: bool,
    parallelism: int,
    processes: int | None,
    tenants: tuple[str, ...],
    excluded: tuple[str, ...],
    changed_since: str | None,
    shard: str | None,
) -> int:
    """Show the operations that make the tenants match the desired state."""
    fleet = _targeted(load_fleet(desired), desired, tenants, excluded, changed_since, shard)
    fleets.check_credentials(fleet, os.environ)
    target = resolve_target(target_name, fleet.target, fleet.source)
    if output == "text":
        echo(f"Target: {target.label}\n")

    spec_revision = revision(desired)

    async def run() -> Planned:
        async with target.session() as session:
            show_holder(await lease_holder(session, fleet.source.hostname))
            return await _read_and_plan(
                fleet,
                session,
                target,
                spec_revision,
                parallelism=parallelism,
                processes=processes,
            )

    planned = run_async(run())
    if output == "text":
        echo(render_plan(planned.plan))
    else:
        _show(planned.plan, output)
    if out_file is not None:
        save_plan(planned.plan, out_file)
        note(f"Saved the plan to {out_file} (apply it with: qlikreconcile apply {out_file})")
    if _unreadable(planned):
        return 1
    if detailed_exitcode and not planned.plan.matches:
        return 2
    return 0


async def _read_and_plan(
    fleet: fleets.DesiredFleet,
    session: Session,
    target: Target,
    spec_revision: str | None,
    *,
    parallelism: int = READ_PARALLELISM,
    processes: int | None = None,
) -> Planned:
    """Plan with progress shown; secrets and the fingerprint key come from the environment.
    The tenants are read in ``processes`` processes (None: one per core for a large fleet)."""
    with progress.reading(len(fleet.tenants)) as read:
        return await plan_fleet(
            fleet,
            session,
            target=target.label,
            revision=spec_revision,
            listener=read,
            environ=os.environ,
            parallelism=parallelism,
            reach=target.reach(),
            processes=processes,
        )


def _unreadable(planned: Planned) -> bool:
    """Tenants that could not be read, or are blocked, make the run an error: no plan for them."""
    for tenant, why in sorted(planned.actual.unreadable.items()):
        warn(f"{tenant} could not be read, so nothing is planned for it: {why}")
    for tenant, why in sorted(planned.actual.blocked.items()):
        warn(f"{tenant} is blocked, so nothing is planned for it: {why}")
    return bool(planned.actual.unreadable or planned.actual.blocked)


@cli.command()
@click.argument(
    "plan_files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
@output_option
def show(plan_files: tuple[Path, ...], output: str) -> int:
    """Render saved plans (text, json or markdown) without contacting any target.

    Several files (the plans of `--shard 1/N` ... `N/N`) are shown as one plan of the fleet.
    """
    plans = [load_plan(path) for path in plan_files]
    _show(merge_plans(plans, [str(p) for p in plan_files]), output)
    return 0


@cli.command()
@click.argument("plan_file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@desired_option
@target_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--parallelism",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Operations running at once across the fleet.",
)
@click.option(
    "--tenant-parallelism",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Operations running at once in one tenant.",
)
@click.option(
    "--lock-timeout",
    type=DURATION,
    default="0s",
    show_default=True,
    help="How long to wait for another apply's lease (e.g. 30s, 10m); 0: refuse at once.",
)
@click.option(
    "--max-failures",
    type=BUDGET,
    default=None,
    help="Tenants of one wave that may fail before the rollout halts: N or P% "
    "(default: rollout.max_failures in fleet.yaml; a canary failure always halts).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Apply even when the plan exceeds the blast-radius guard (rollout.guard).",
)
@targeting_options
def apply(
    plan_file: Path | None,
    desired: Path,
    target_name: str | None,
    auto_approve: bool,
    parallelism: int,
    tenant_parallelism: int,
    lock_timeout: float,
    max_failures: FailureBudget | None,
    force: bool,
    tenants: tuple[str, ...],
    excluded: tuple[str, ...],
    changed_since: str | None,
    shard: str | None,
) -> int:
    """Plan and apply, or apply exactly a saved plan (PLAN_FILE) after checking it is not stale.

    Tenants are applied wave by wave (rollout.waves in fleet.yaml): exit 3 when a wave halted
    the rollout and later waves were not started, 4 when the blast-radius guard refused the
    plan (nothing was changed).

    Only one apply runs at a time per fleet: each holds a lease in the source tenant from
    before it reads the fleet until it ends (see `qlikreconcile lease --help`).
    """
    caps = Caps(parallelism, tenant_parallelism, lock_timeout, force, max_failures)
    if plan_file is not None:
        if tenants or excluded or changed_since or shard:
            raise click.UsageError(
                "--tenant, --exclude, --changed-since and --shard choose what to plan; "
                "a saved plan (PLAN_FILE) is applied as planned"
            )
        return _apply_saved(plan_file, desired, target_name, auto_approve, caps)
    fleet = _targeted(load_fleet(desired), desired, tenants, excluded, changed_since, shard)
    secrets = fleets.secrets(fleet, os.environ)
    fleets.check_credentials(fleet, os.environ)
    target = resolve_target(target_name, fleet.target, fleet.source)
    artifacts = ArtifactReader(desired.absolute().parent)
    spec_revision = revision(desired)
    echo(f"Target: {target.label}\n")

    async def run() -> int:
        async with (
            target.session() as session,
            apply_lease(session, fleet.source.hostname, wait=caps.lock_timeout, shard=fleet.shard),
        ):
            planned = await _read_and_plan(fleet, session, target, spec_revision)
            echo(render_plan(planned.plan))
            failed = _unreadable(planned)
            if planned.plan.empty:
                await _record(planned, session, None)
                return 1 if failed else 0
            _guard(planned.plan, caps.force)
            if not auto_approve and not _confirm():
                return 1
            code = await _execute(planned, session, secrets, artifacts, caps)
            return 1 if failed else code

    return run_async(run())


def _apply_saved(
    plan_file: Path, desired: Path, target_name: str | None, auto: bool, caps: Caps
) -> int:
    saved = load_plan(plan_file)
    source, settings, _ = fleets.load_sources(desired)
    target = resolve_target(target_name, settings, source)
    if target.label != saved.target:
        raise click.UsageError(
            f"{plan_file} was planned against {saved.target!r}, not {target.label!r}; "
            "apply it to the same target or make a new plan"
        )
    secrets = plan_secrets(saved, os.environ)
    echo(f"Target: {target.label}\n")
    echo(render_plan(saved))
    if saved.empty:
        return 0
    _guard(saved, caps.force)
    if not auto and not _confirm():
        return 1
    artifacts = ArtifactReader(desired.absolute().parent)

    async def run() -> int:
        async with (
            target.session() as session,
            apply_lease(session, source.hostname, wait=caps.lock_timeout),
        ):
            with progress.reading(len(saved.tenants)) as read:
                refreshed = await refresh_saved(saved, session, listener=read)
            for tenant, reasons in sorted(refreshed.stale.items()):
                warn(f"stale plan: {tenant} is not applied, it changed since planning:")
                for reason in reasons:
                    warn(f"  {reason}")
            refused = len(refreshed.stale)
            code = await _execute(refreshed.planned, session, secrets, artifacts, caps, refused)
            return 1 if refused else code

    return run_async(run())


async def _execute(
    planned: Planned,
    session: Session,
    secrets: dict[str, SecretStr],
    artifacts: ArtifactReader,
    caps: Caps,
    refused: int = 0,
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
            global_limit=caps.fleet,
            tenant_limit=caps.tenant,
            force=caps.force,
            max_failures=caps.max_failures,
        )
    echo("\n" + render_report(report, already_shown=progress.streamed, refused=refused))
    await _record(planned, session, report)
    if report.halted and report.not_started:
        return HALTED
    return 0 if report.ok else 1


HALTED = 3
"""Exit code of an apply whose rollout halted: a wave failed beyond its budget (or a canary
failed) and later waves were not started."""


def _guard(plan: Plan, force: bool) -> None:
    """Refuse before confirmation and before any change; --force lets the plan through."""
    refused = refusals(plan, force=force)
    if refused:
        raise GuardError(refused)


async def _record(planned: Planned, session: Session, report: ApplyReport | None) -> None:
    """Keep the fleet roster (tenants removed from the spec are reported from it)."""
    problem = await record_tenants(planned, session, report)
    if problem:
        warn(problem)


def _confirm() -> bool:
    if not sys.stdin.isatty():
        raise click.UsageError(
            "apply needs confirmation and standard input is not a terminal; "
            "review the plan and pass --auto-approve"
        )
    return click.confirm("Apply these operations?", default=False)


def _install_stop(stop: asyncio.Event) -> None:
    """SIGINT/SIGTERM: start nothing new, let running operations settle, then report.

    A second signal abandons what is still running (a reload can take long): the run ends at
    once, and the next plan shows where each tenant stands.
    """
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()

    def request_stop() -> None:
        if not stop.is_set():
            warn(
                "Stopping: no new operations start; waiting for those running "
                "(interrupt again to abandon them)."
            )
            stop.set()
        elif main is not None:
            warn("Abandoning the operations still running; run plan to see where each stands.")
            main.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available off the main thread or on every platform: then Ctrl-C aborts as usual.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, request_stop)
