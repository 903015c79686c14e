"""Loading the whole desired state: ``desired/`` -> :class:`~.desired_state.DesiredFleet`.

Layout::

    desired/
      fleet.yaml                    fleet name, source tenant, target, regions, defaults
      templates/NAME/template.yaml  one folder per template app (+ NAME.qvs.j2, releases/)
      tenants/NAME.yaml             one file per customer tenant

:func:`load_fleet` reads everything, keeps going after a problem so that one run reports every
problem in every file, and raises one :class:`~qlikreconcile.errors.SpecError` holding all of them
(sorted by file and line). Positions name files relative to the folder that contains ``desired/``,
e.g. ``desired/tenants/acme.yaml:4:11``. Nothing here does network I/O.
"""

from __future__ import annotations

from pathlib import Path

from qlikreconcile.errors import Problem, SourcePosition, SpecError
from qlikreconcile.spec.desired_state import (
    RELOAD_MAX_CONCURRENT,
    RELOAD_RETRIES,
    RELOAD_RETRY_DELAY,
    DesiredFleet,
    Rollout,
    SourceTenant,
    TargetSettings,
    Template,
    Tenant,
)
from qlikreconcile.spec.file_formats import FleetFile
from qlikreconcile.spec.jinja_render import ValueRenderer, make_environment
from qlikreconcile.spec.model_validation import validate
from qlikreconcile.spec.positioned_yaml import PosDict, load_yaml_file, locate
from qlikreconcile.spec.rollout_checks import check_rollout
from qlikreconcile.spec.template_loader import TEMPLATE_FILE, LoadedTemplate, load_template
from qlikreconcile.spec.tenant_loader import FleetContext, LoadedTenant, load_tenant
from qlikreconcile.spec.value_checks import (
    check_api_version,
    check_hostname,
    check_retry_delay,
    check_target,
    short_duration_seconds,
)

FLEET_FILE = "fleet.yaml"
TEMPLATES_DIR = "templates"
TENANTS_DIR = "tenants"
_IGNORED = frozenset({"README.md", "README"})


class _Display:
    """Turns paths under desired/ into the display paths used in positions."""

    def __init__(self, root: Path) -> None:
        self.base = root.parent

    def __call__(self, path: Path) -> str:
        return path.relative_to(self.base).as_posix()


def _entries(folder: Path) -> list[Path]:
    """Visible entries of a folder, sorted by name (hidden files and READMEs are skipped)."""
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in _IGNORED),
        key=lambda p: p.name,
    )


def _load_fleet_file(
    root: Path, display: _Display, problems: list[Problem]
) -> tuple[FleetFile | None, PosDict, Rollout]:
    path = root / FLEET_FILE
    file = display(path)
    top = SourcePosition(file)
    if not path.exists() and not path.is_symlink():
        problems.append(
            Problem(
                top,
                "fleet file not found",
                f"create {file} with `fleet:` and `source:` (see docs/spec.md)",
            )
        )
        return None, PosDict(top), Rollout()
    doc, found = load_yaml_file(path, file)
    problems += found
    if found:
        return None, PosDict(top), Rollout()
    if doc is None:
        problems.append(Problem(top, "fleet file is empty", "add `fleet:` and `source:`"))
        return None, PosDict(top), Rollout()
    spec, found = validate(FleetFile, doc, fallback=top, what="fleet file")
    problems += found
    if spec is None:
        return None, PosDict(top), Rollout()
    if not spec.fleet.strip():
        problems.append(
            Problem(locate(doc, ("fleet",)) or top, "fleet name is empty", "name the fleet")
        )
    checks = (
        (
            check_hostname(spec.source.hostname, spec.source.region),
            ("source", "hostname"),
            "write the source tenant's host name, NAME.REGION.qlikcloud.com",
        ),
        (
            check_target(spec.target.default),
            ("target", "default"),
            "use emulator, qlik-cloud or http://HOST:PORT",
        ),
        (
            check_api_version(spec.target.api_version),
            ("target", "api_version"),
            'write a quarterly release such as "2026-11" (quoted), or "latest"',
        ),
        (
            check_retry_delay(spec.defaults.reload.retry_delay if spec.defaults.reload else None),
            ("defaults", "reload", "retry_delay"),
            "write seconds or minutes such as 30s or 2m (the wait doubles for each next retry)",
        ),
    )
    for message, where, fix in checks:
        if message:
            problems.append(Problem(locate(doc, where) or top, message, fix))
    rollout, found = check_rollout(spec.rollout, doc, top)
    problems += found
    defaults = doc.get("defaults")
    return spec, defaults if isinstance(defaults, PosDict) else PosDict(top), rollout


def _load_templates(
    root: Path, display: _Display, env_renderer: ValueRenderer, problems: list[Problem]
) -> tuple[dict[str, LoadedTemplate], frozenset[str]]:
    templates: dict[str, LoadedTemplate] = {}
    broken: set[str] = set()
    for folder in _entries(root / TEMPLATES_DIR):
        if not folder.is_dir():
            problems.append(
                Problem(
                    SourcePosition(display(folder)),
                    "unexpected file in templates/; each template is a folder",
                    "move it into a template folder or remove it",
                )
            )
            continue
        file = display(folder / TEMPLATE_FILE)
        if not (folder / TEMPLATE_FILE).exists():
            problems.append(
                Problem(
                    SourcePosition(file),
                    "template folder has no template.yaml",
                    "add template.yaml (see docs/spec.md) or remove the folder",
                )
            )
            broken.add(folder.name)
            continue
        loaded, found = load_template(folder.name, folder, file, env_renderer.env)
        problems += found
        if loaded is None:
            broken.add(folder.name)
        else:
            templates[folder.name] = loaded
    return templates, frozenset(broken)


def _load_tenants(
    root: Path, display: _Display, fleet: FleetContext, problems: list[Problem]
) -> list[LoadedTenant]:
    folder = root / TENANTS_DIR
    results = []
    for path in _entries(folder):
        if path.suffix != ".yaml" or path.is_dir():
            problems.append(
                Problem(
                    SourcePosition(display(path)),
                    "unexpected entry in tenants/; only NAME.yaml files are read",
                    "rename it to NAME.yaml or move it out of tenants/",
                )
            )
            continue
        loaded = load_tenant(path, display(path), fleet)
        problems += loaded.problems
        results.append(loaded)
    if not results:
        problems.append(
            Problem(
                SourcePosition(display(folder)),
                "the fleet has no tenants: no tenants/NAME.yaml file found",
                "add a tenant file such as tenants/acme.yaml (see docs/spec.md)",
            )
        )
    return results


def _duplicates(tenants: list[LoadedTenant], problems: list[Problem]) -> None:
    """Tenant names and host names are unique across files (case-insensitively, as DNS), and so
    are the ids of tenants to take over (exactly: Qlik ids are case-sensitive)."""
    for attribute, what in (
        ("name", "tenant name"),
        ("hostname", "host name"),
        ("id", "tenant id"),
    ):
        first: dict[str, LoadedTenant] = {}
        for loaded in tenants:
            value = getattr(loaded, attribute)
            if value is None:
                continue
            other = first.setdefault(value if attribute == "id" else value.casefold(), loaded)
            if other is not loaded:
                pos = getattr(loaded, f"{attribute}_pos")
                problems.append(
                    Problem(
                        pos,
                        f"duplicate {what} '{value}', also used at"
                        f" {getattr(other, f'{attribute}_pos')}",
                        f"give each tenant its own {what}",
                    )
                )


def _root(desired_dir: Path) -> Path:
    """The absolute desired/ folder; a missing folder is the one problem worth reporting."""
    root = desired_dir.absolute()
    if not root.is_dir():
        problem = Problem(
            SourcePosition(str(desired_dir)),
            "desired-state folder not found",
            "run from the repository root or pass the path of the desired/ folder",
        )
        raise SpecError([problem])
    return root


def load_fleet(desired_dir: Path) -> DesiredFleet:
    """Load, render and validate the desired state in `desired_dir` (the ``desired/`` folder).

    Raises :class:`~qlikreconcile.errors.SpecError` with every problem found across all files.
    """
    root = _root(desired_dir)
    display = _Display(root)
    problems: list[Problem] = []
    renderer = ValueRenderer(make_environment())
    fleet_spec, defaults, rollout = _load_fleet_file(root, display, problems)
    templates, broken = _load_templates(root, display, renderer, problems)
    regions = tuple(fleet_spec.regions) if fleet_spec and fleet_spec.regions else None
    context = FleetContext(
        defaults,
        regions,
        templates,
        broken,
        renderer,
        fleet_ok=fleet_spec is not None,
        waves=rollout.waves,
        prune=_prune(fleet_spec),
    )
    loaded = _load_tenants(root, display, context, problems)
    _duplicates(loaded, problems)
    if problems or fleet_spec is None:
        raise SpecError(_sorted(problems))
    tenants: list[Tenant] = [t.tenant for t in loaded if t.tenant is not None]
    template_models: dict[str, Template] = {name: t.model for name, t in templates.items()}
    return DesiredFleet(
        root=root,
        name=fleet_spec.fleet,
        source=SourceTenant(**fleet_spec.source.model_dump()),
        target=TargetSettings(**fleet_spec.target.model_dump()),
        regions=tuple(fleet_spec.regions or ()),
        templates=template_models,
        tenants=tuple(tenants),
        rollout=rollout,
        reload_max_concurrent=_reload_cap(fleet_spec),
        reload_retries=_reload_retries(fleet_spec),
        reload_retry_delay=_reload_retry_delay(fleet_spec),
        prune=_prune(fleet_spec),
        delete_duplicate_published=(
            fleet_spec.duplicates.published_apps == "delete_without_sheets"
        ),
        warnings=tuple(str(w) for w in _sorted([w for t in loaded for w in t.warnings])),
    )


def _prune(spec: FleetFile | None) -> frozenset[str]:
    """The `prune:` keys switched on."""
    if spec is None:
        return frozenset()
    return frozenset(key for key, on in spec.prune.model_dump().items() if on)


def _reload_cap(spec: FleetFile) -> int:
    reload = spec.defaults.reload
    if reload is None or reload.max_concurrent is None:
        return RELOAD_MAX_CONCURRENT
    return reload.max_concurrent


def _reload_retries(spec: FleetFile) -> int:
    reload = spec.defaults.reload
    if reload is None or reload.retries is None:
        return RELOAD_RETRIES
    return reload.retries


def _reload_retry_delay(spec: FleetFile) -> int:
    reload = spec.defaults.reload
    if reload is None or reload.retry_delay is None:
        return RELOAD_RETRY_DELAY
    return short_duration_seconds(reload.retry_delay) or RELOAD_RETRY_DELAY


def _sorted(problems: list[Problem]) -> list[Problem]:
    """Unique problems, by file, then line and column (file-level problems first)."""
    unique = list(dict.fromkeys(problems))
    return sorted(
        unique,
        key=lambda p: (p.position.file, p.position.line or 0, p.position.column or 0),
    )


def load_sources(desired_dir: Path) -> tuple[SourceTenant, TargetSettings, dict[str, Template]]:
    """Only fleet.yaml and the templates: what `template release` needs.

    Tenants are not read, so the first release of a template can be made while tenant files
    already pin it (they would not validate until it exists).
    """
    root = _root(desired_dir)
    display = _Display(root)
    problems: list[Problem] = []
    fleet_spec, _, _ = _load_fleet_file(root, display, problems)
    templates, _ = _load_templates(root, display, ValueRenderer(make_environment()), problems)
    if problems or fleet_spec is None:
        raise SpecError(_sorted(problems))
    return (
        SourceTenant(**fleet_spec.source.model_dump()),
        TargetSettings(**fleet_spec.target.model_dump()),
        {name: t.model for name, t in templates.items()},
    )
