"""Loading one customer tenant from ``desired/tenants/NAME.yaml``.

The steps, each collecting problems rather than stopping at the first:

1. parse the YAML with positions and validate it against :class:`~.file_formats.TenantFile`;
2. check the ``tenant:`` header (name = file name, region allowed in this fleet, host name);
3. merge fleet ``defaults`` (tenant variables win; a default connection is added unless the
   tenant has one of the same name; default reload keys apply unless the app sets them);
4. render variables in dependency order, then every other string value, with jinja2;
5. check the rules that span entries (spaces, roles, connections, apps, releases, reloads) in
   :mod:`.tenant_checks`, render each app's load script, and build the rendered
   :class:`~.desired_state.Tenant`.

Values merged in from fleet.yaml keep their fleet.yaml positions, so a problem in a default is
reported there, naming the tenant it was rendered for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qlikreconcile.errors import Problem, SourcePosition
from qlikreconcile.spec.desired_state import DEFAULT_WAVE, Tenant
from qlikreconcile.spec.file_formats import TenantFile
from qlikreconcile.spec.jinja_render import ValueRenderer, render_variables, tenant_context
from qlikreconcile.spec.model_validation import validate
from qlikreconcile.spec.positioned_yaml import PosDict, PosList, load_yaml_file, locate
from qlikreconcile.spec.rollout_checks import check_wave, parse_freeze
from qlikreconcile.spec.template_loader import LoadedTemplate
from qlikreconcile.spec.tenant_checks import TenantChecker
from qlikreconcile.spec.value_checks import (
    TENANT_ID_RE,
    archive_folder_ok,
    check_hostname,
    check_tenant_name,
)


@dataclass(frozen=True, slots=True)
class FleetContext:
    """What every tenant is loaded against: fleet defaults, allowed regions, templates."""

    defaults: PosDict  # the validated `defaults:` mapping of fleet.yaml (may be empty)
    regions: tuple[str, ...] | None  # None: every known region
    templates: Mapping[str, LoadedTemplate]
    broken_templates: frozenset[str]  # templates that exist but failed to load (reported)
    renderer: ValueRenderer
    fleet_ok: bool = True  # False: fleet.yaml is missing or invalid, so only headers are checked
    waves: tuple[str, ...] = (DEFAULT_WAVE,)  # fleet.yaml's rollout.waves, in order
    prune: frozenset[str] = frozenset()  # fleet.yaml's prune keys switched on


@dataclass(frozen=True, slots=True)
class LoadedTenant:
    """The outcome for one tenant file: the tenant (None if it had problems), its identity
    (for the checks across files, available whenever the header was valid) and its problems."""

    tenant: Tenant | None
    name: str | None = None
    hostname: str | None = None
    name_pos: SourcePosition | None = None
    hostname_pos: SourcePosition | None = None
    problems: tuple[Problem, ...] = ()
    id: str | None = None
    id_pos: SourcePosition | None = None
    warnings: tuple[Problem, ...] = ()


def _section(doc: PosDict, key: str, kind: type[PosDict] | type[PosList]) -> Any:
    value = doc.get(key)
    return value if isinstance(value, kind) else kind(doc.pos)


def _merge_variables(defaults: PosDict, doc: PosDict) -> PosDict:
    merged = PosDict(doc.value_pos.get("variables", doc.pos))
    for source in (_section(defaults, "variables", PosDict), _section(doc, "variables", PosDict)):
        for key, value in source.items():
            merged.put(key, value, source.key_pos[key], source.value_pos[key])
    return merged


FLEET_ONLY_RELOAD_KEYS = frozenset({"max_concurrent", "retries", "retry_delay"})
"""`defaults.reload` keys about the whole apply, not about one app: never merged into apps."""


def _merge_reload(default: PosDict | None, app: PosDict) -> PosDict:
    """The app entry with the default reload keys it does not set itself."""
    if not default:
        return app
    own = app.get("reload")
    reload = PosDict(own.pos if isinstance(own, PosDict) else default.pos)
    # the app's keys win, including an explicit null (`schedule: null` drops a default schedule)
    for source in (default, own) if isinstance(own, PosDict) else (default,):
        for key, value in source.items():
            if key in FLEET_ONLY_RELOAD_KEYS:
                continue
            reload.put(key, value, source.key_pos[key], source.value_pos[key])
    merged = PosDict(app.pos)
    for key, value in app.items():
        merged.put(key, value, app.key_pos[key], app.value_pos[key])
    merged.put("reload", reload, app.key_pos.get("reload", reload.pos), reload.pos)
    return merged


def _for_tenant(problems: list[Problem], file: str, tenant: str) -> list[Problem]:
    """Name the tenant in problems found in another file (fleet defaults)."""
    return [
        p
        if p.position.file == file or "for tenant" in p.message
        else Problem(p.position, f"{p.message} (for tenant {tenant})", p.fix)
        for p in problems
    ]


def load_tenant(path: Path, file: str, fleet: FleetContext) -> LoadedTenant:
    """Load, render and check one tenant file; `file` is its display path."""
    top = SourcePosition(file)
    doc, problems = load_yaml_file(path, file)
    if problems:
        return LoadedTenant(None, problems=tuple(problems))
    if doc is None:
        empty = Problem(top, "tenant file is empty", "see docs/spec.md for its keys")
        return LoadedTenant(None, problems=(empty,))
    spec, problems = validate(TenantFile, doc, fallback=top, what="tenant file")
    if spec is None:
        return LoadedTenant(None, problems=tuple(problems))
    header = spec.tenant
    name_pos = locate(doc, ("tenant", "name")) or top
    message = check_tenant_name(header.name)
    if message:
        problems.append(Problem(name_pos, message, "use a DNS-style name like acme or acme-eu"))
    if header.name != path.stem:
        problems.append(
            Problem(
                name_pos,
                f"tenant name '{header.name}' does not match the file name '{path.name}'",
                f"rename the file to {header.name}.yaml or set `name: {path.stem}`",
            )
        )
    if fleet.regions is not None and header.region not in fleet.regions:
        problems.append(
            Problem(
                locate(doc, ("tenant", "region")) or top,
                f"region '{header.region}' is not one of this fleet's regions"
                f" ({', '.join(fleet.regions)})",
                "add it to `regions:` in fleet.yaml or use an allowed region",
            )
        )
    hostname = header.hostname or f"{header.name}.{header.region}.qlikcloud.com"
    hostname_pos = locate(doc, ("tenant", "hostname" if header.hostname else "name")) or top
    message = check_hostname(hostname, header.region)
    if message:
        problems.append(
            Problem(hostname_pos, message, "write a host name like NAME.REGION.qlikcloud.com")
        )

    if header.id is not None and not TENANT_ID_RE.match(header.id):
        problems.append(
            Problem(
                locate(doc, ("tenant", "id")) or top,
                f"tenant.id '{header.id}' is not a Qlik tenant id",
                "copy the tenant's id (8-64 of A-Z a-z 0-9 _ -) from My Qlik or its console",
            )
        )

    warnings: list[Problem] = []

    def result(tenant: Tenant | None) -> LoadedTenant:
        found = _for_tenant(problems, file, header.name)
        return LoadedTenant(
            tenant,
            header.name,
            hostname,
            name_pos,
            hostname_pos,
            tuple(found),
            header.id,
            locate(doc, ("tenant", "id")) or top,
            tuple(warnings),
        )

    if not fleet.fleet_ok:  # without valid defaults, rendering would only report noise
        return result(None)
    renderer = fleet.renderer
    name = header.name
    variables = _merge_variables(fleet.defaults, doc)
    context, broken, found = render_variables(
        renderer, variables, tenant_context(name, header.region, hostname), name
    )
    problems += found

    def render(node: Any, pos: SourcePosition) -> Any:
        rendered, found = renderer.render_tree(node, context, name, pos, broken)
        problems.extend(found)
        return rendered

    merged = PosDict(doc.pos)
    merged.put("tenant", doc["tenant"], doc.key_pos["tenant"], doc.value_pos["tenant"])
    if "wave" in doc:
        wave_pos = doc.value_pos["wave"]
        merged.put("wave", render(doc["wave"], wave_pos), doc.key_pos["wave"], wave_pos)
    merged.put("variables", variables, doc.key_pos.get("variables", doc.pos), variables.pos)
    for key in ("spaces", "connections", "apps"):
        section = _section(doc, key, PosList)
        merged.put(key, render(section, section.pos), doc.key_pos.get(key, doc.pos), section.pos)

    own = {c.get("name") for c in merged["connections"] if isinstance(c, PosDict)}
    for item, item_pos in zip(*_items(fleet.defaults, "connections"), strict=True):
        connection = render(item, item_pos)
        if isinstance(connection, PosDict) and connection.get("name") not in own:
            merged["connections"].add(connection, item_pos)
    default_reload = fleet.defaults.get("reload")
    if isinstance(default_reload, PosDict):
        default_reload = render(default_reload, default_reload.pos)
        apps = merged["apps"]
        for index, app in enumerate(apps):
            if isinstance(app, PosDict):
                apps[index] = _merge_reload(default_reload, app)

    rendered_spec, found = validate(TenantFile, merged, fallback=top, what="tenant file")
    problems += found
    if rendered_spec is None:
        return result(None)
    if rendered_spec.wave is not None:
        message = check_wave(rendered_spec.wave, fleet.waves)
        if message:
            fix = "use one of them, or add the wave to `rollout.waves` in fleet.yaml"
            problems.append(Problem(locate(merged, ("wave",)) or top, message, fix))
    freeze_pos = locate(doc, ("freeze_until",)) or top
    freeze = parse_freeze(spec.freeze_until) if spec.freeze_until is not None else None
    if spec.freeze_until is not None and freeze is None:
        problems.append(
            Problem(
                freeze_pos,
                f"freeze_until '{spec.freeze_until}' is not a date",
                'write a date like "2026-12-24" (UTC midnight) or a time with an offset',
            )
        )
    checker = TenantChecker(file, merged, fleet.templates, fleet.broken_templates)
    built = checker.build(rendered_spec, hostname, context, broken)
    problems += checker.problems
    warnings += checker.warnings
    if built is not None and freeze is not None:
        built = built.model_copy(update={"freeze_until": freeze, "freeze_at": str(freeze_pos)})
    if spec.decommission is not None:
        where = locate(doc, ("decommission",)) or top
        if spec.decommission.confirm_hostname.strip().lower() != hostname:
            problems.append(
                Problem(
                    locate(doc, ("decommission", "confirm_hostname")) or where,
                    f"decommission.confirm_hostname '{spec.decommission.confirm_hostname}' is "
                    f"not this tenant's host name",
                    f"write confirm_hostname: {hostname} to confirm deactivating it",
                )
            )
        elif (export := spec.decommission.export_to) is not None and not archive_folder_ok(export):
            problems.append(
                Problem(
                    locate(doc, ("decommission", "export_to")) or where,
                    f"decommission.export_to '{export}' is not a relative folder inside the "
                    "repository",
                    f"write a relative path without '..' outside desired/, e.g. archive/{name}",
                )
            )
        elif built is not None:
            update = {
                "decommission_purge_days": spec.decommission.purge_after_days,
                "decommission_at": str(where),
                "decommission_export_to": spec.decommission.export_to,
            }
            built = built.model_copy(update=update)
    if spec.prune is not None and spec.prune.published_apps_with_sheets:
        if "published_apps" not in fleet.prune:
            problems.append(
                Problem(
                    locate(doc, ("prune", "published_apps_with_sheets")) or top,
                    "prune.published_apps_with_sheets has no effect: fleet.yaml does not "
                    "prune published apps",
                    "set prune.published_apps: true in fleet.yaml, or remove this key",
                )
            )
        elif built is not None:
            built = built.model_copy(update={"prune_published_with_sheets": True})
    if spec.adopt_unmarked and built is not None:
        built = built.model_copy(update={"adopt_unmarked": True})
    return result(None if problems else built)


def _items(doc: PosDict, key: str) -> tuple[list[Any], list[SourcePosition]]:
    section = doc.get(key)
    if isinstance(section, PosList):
        return list(section), list(section.item_pos)
    return [], []
