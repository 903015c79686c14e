"""Commands around the loop: template releases, settling tenant creates, the emulator server."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from qlikreconcile.cli.base import cli, desired_option, resolve_target, run_async, target_option
from qlikreconcile.cli.console import echo
from qlikreconcile.reconcile import fleet as fleets
from qlikreconcile.reconcile.pending import forget_pending_create
from qlikreconcile.reconcile.release import release_template
from qlikreconcile.reconcile.roster import disown


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
    target = resolve_target(target_name, target_settings, source)
    echo(f"Target: {target.label}\n")

    async def run() -> Any:
        async with target.session() as session:
            return await release_template(session, source, templates[name])

    result = run_async(run())
    if result.release is None:
        echo(f"{name}: source app {result.app_id} is unchanged since the newest release.")
    else:
        rel = result.release
        echo(f"{name}: release {rel.version} written to {rel.artifact} (sha256 {rel.sha256}).")
    return 0


@cli.group()
def tenant() -> None:
    """Tenants: settling a create whose answer was lost; disowning a removed tenant."""


@tenant.command("forget")
@click.argument("name")
@desired_option
@target_option
def tenant_forget(name: str, desired: Path, target_name: str | None) -> int:
    """Forget tenant NAME's pending create: Qlik created no tenant, so the next apply may.

    Only after checking (My Qlik, the subscription's tenants) that the lost create made no
    tenant; if it did, put its id in the spec (`tenant: {id: ...}`) instead.
    """
    source, target_settings, _ = fleets.load_sources(desired)
    target = resolve_target(target_name, target_settings, source)
    echo(f"Target: {target.label}\n")

    async def run() -> Any:
        async with target.session() as session:
            return await forget_pending_create(session, source_host=source.hostname, tenant=name)

    cleared = run_async(run())
    if cleared is None:
        echo(f"{name}: no pending create is recorded in {source.hostname}; nothing to forget.")
        return 0
    shown = ", ".join(f"{k}={v}" for k, v in sorted(cleared.items()))
    echo(f"{name}: forgot the pending create ({shown}); the next apply creates the tenant.")
    return 0


@tenant.command("disown")
@click.argument("name")
@desired_option
@target_option
def tenant_disown(name: str, desired: Path, target_name: str | None) -> int:
    """Stop listing tenant NAME, removed from the spec, as left behind: drop it from the roster.

    Every plan lists what still runs in tenants the spec no longer names (the fleet roster in
    the source tenant records each tenant apply has seen). Once such a tenant is settled
    (offboarded by hand, or handed over), disown it. Nothing in the tenant changes. A tenant
    the spec still names cannot be disowned.
    """
    source, target_settings, _ = fleets.load_sources(desired)
    if (desired / "tenants" / f"{name}.yaml").exists():
        raise click.UsageError(
            f"{name} is still in the spec ({desired}/tenants/{name}.yaml); remove its file first"
        )
    target = resolve_target(target_name, target_settings, source)
    echo(f"Target: {target.label}\n")

    async def run() -> str | None:
        async with target.session() as session:
            return await disown(session, source_host=source.hostname, tenant=name)

    host = run_async(run())
    if host is None:
        echo(f"{name}: not in the fleet roster of {source.hostname}; nothing to disown.")
    else:
        echo(f"{name}: disowned ({host}); plans no longer list what runs there.")
    return 0


@cli.command("schema")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder to write fleet/template/tenant.schema.json into.",
)
def schema(out: Path) -> int:
    """Write the JSON Schemas of the spec files, for editors (yaml-language-server) and CI.

    The example files in desired/ point at them with a modeline on their first line.
    """
    for path in fleets.write_schemas(out):
        echo(f"wrote {path}")
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
    "reset=0.01,reload-fail=0.1,latency=20ms,slow-reload=5s,seed=7; only=POST /api/v1/tenants "
    "limits the rates to those request shapes (;-separated), spare=... keeps them off.",
)
@click.option(
    "--reload-slots",
    type=click.IntRange(min=1),
    default=None,
    help="Reloads running at once per subscription; the rest queue [default: 10].",
)
@click.option(
    "--published-access-delay",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Seconds a freshly published app answers 403 to GET /apps/{id} (quirk "
    "apps.access_after_publish; Qlik: up to about 120) [default: 0, off].",
)
def emulator_serve(
    port: int,
    host: str,
    state: Path | None,
    default_host: str | None,
    faults: str | None,
    reload_slots: int | None,
    published_access_delay: float,
) -> int:
    """Serve the emulator over HTTP (Qlik tenant hosts are chosen by the Host header)."""
    from qlikreconcile.emulator import SOURCE_HOST, EmulatorConfig, serve
    from qlikreconcile.emulator.state.fault_config import validate_spec

    config = EmulatorConfig.from_env()
    if faults is not None:
        try:
            validate_spec(faults)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--faults") from None
        config.faults = faults
    if reload_slots is not None:
        config.reload_slots = reload_slots
    if published_access_delay:
        config.quirks = dataclasses.replace(
            config.quirks, published_access_delay_seconds=published_access_delay
        )
    default_secret = config.client_secret == EmulatorConfig().client_secret
    secret = f"{config.client_secret!r} (the default)" if default_secret else "set"
    echo(
        f"Qlik Cloud emulator on http://{host}:{port} (OAuth client id {config.client_id!r}, "
        f"secret {secret}: QLIKRECONCILE_EMULATOR_CLIENT_ID / _CLIENT_SECRET, see the README); "
        f"requests to http://{host}:{port} address "
        f"{default_host or config.default_host or SOURCE_HOST}"
        + (f"; faults {faults}" if faults else "")
    )
    serve(host=host, port=port, state_file=state, config=config, default_host=default_host)
    return 0
