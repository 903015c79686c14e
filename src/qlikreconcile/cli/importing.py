"""``qlikreconcile import``: onboard tenants that exist already (docs/import.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qlikreconcile.cli.base import cli, desired_option, resolve_target, run_async, target_option
from qlikreconcile.cli.console import echo
from qlikreconcile.reconcile import fleet as fleets
from qlikreconcile.reconcile.importing import (
    ImportReport,
    hosts_from_file,
    import_targets,
    import_tenants,
)


@cli.command(
    "import", short_help="Onboard existing tenants: write their tenant files, changing nothing."
)
@click.argument("hosts", nargs=-1)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A file of tenant host names, one a line (# comments allowed).",
)
@click.option(
    "--name",
    "names",
    multiple=True,
    help="The tenant's name in the spec, once per host in order (default: the host's first label).",
)
@click.option("--overwrite", is_flag=True, help="Replace tenant files that exist.")
@desired_option
@target_option
@click.option(
    "-o",
    "--output",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="text for a terminal, json for scripts.",
)
def import_(
    hosts: tuple[str, ...],
    from_file: Path | None,
    names: tuple[str, ...],
    overwrite: bool,
    desired: Path,
    target_name: str | None,
    output: str,
) -> int:
    """Read existing tenants HOST... (NAME.REGION.qlikcloud.com) without changing them and write
    desired/tenants/NAME.yaml for each: spaces, group roles, data connections (passwords as
    {env: ...} references), the template, release and variables of each app, publish_to and
    schedules. What the spec cannot express is listed in the report. Exit 1 when a tenant could
    not be imported."""
    every = [*hosts, *(hosts_from_file(from_file) if from_file else [])]
    targets = import_targets(every, names)
    source, settings, templates = fleets.load_sources(desired)
    target = resolve_target(target_name, settings, source)

    async def run() -> ImportReport:
        async with target.session() as session:
            return await import_tenants(
                session,
                targets,
                templates=templates,
                desired=desired,
                overwrite=overwrite,
                target=target.label,
            )

    report = run_async(run())
    if output == "json":
        echo(json.dumps(report.as_dict(), indent=2))
    else:
        echo(render_report(report))
    return 0 if report.ok else 1


def render_report(report: ImportReport) -> str:
    lines = [f"Target: {report.target}", ""]
    for tenant in report.tenants:
        if tenant.error is not None:
            lines.append(f"{tenant.name} ({tenant.host}): not imported: {tenant.error}")
            lines.append("")
            continue
        lines.append(f"{tenant.name} ({tenant.host}): wrote {tenant.file}")
        for app in tenant.apps:
            release = f"@{app.release}" if app.release is not None else ""
            lines.append(f"  app '{app.app}' -> template {app.template}{release}")
            lines += [f"      because {why}" for why in app.evidence]
            if app.variables:
                shown = ", ".join(f"{k}={v!r}" for k, v in app.variables.items())
                lines.append(f"      variables: {shown}")
        if tenant.notes:
            lines.append("  not expressed in the file (review):")
            lines += [f"    ! {note}" for note in tenant.notes]
        lines.append("")
    written = sum(t.written for t in report.tenants)
    lines.append(f"Imported {written} of {len(report.tenants)} tenants.")
    if written:
        lines.append(
            "Next: review the files and the notes above, set the password variables, then run "
            "`qlikreconcile validate` and `qlikreconcile plan` (docs/import.md)."
        )
    return "\n".join(lines)
