"""The rules inside one rendered tenant, and building its :class:`~.desired_state.Tenant`.

Given a tenant file that is already merged with fleet defaults, rendered and type-valid, the
:class:`TenantChecker` checks what spans entries: space names and types, roles per space type,
one assignment per group, connections in existing spaces with unique names, apps naming a known
template and release, a shared build space and a managed publish space, reload schedules, the
template's required variables, and finally renders each app's load script. Every problem is
positioned in the merged document, so it points at the tenant file or at fleet.yaml.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from qlikreconcile.errors import Problem, SourcePosition
from qlikreconcile.spec.desired_state import (
    App,
    Connection,
    Member,
    ReloadPolicy,
    Space,
    Tenant,
    script_header,
)
from qlikreconcile.spec.file_formats import AppEntry, ReloadEntry, TenantFile
from qlikreconcile.spec.jinja_render import render_script
from qlikreconcile.spec.positioned_yaml import PosDict, locate
from qlikreconcile.spec.template_loader import LoadedTemplate
from qlikreconcile.spec.value_checks import (
    COMMUNITY_SHEET_ROLES,
    TEMPLATE_REF_RE,
    check_max_age,
    check_roles,
    check_rrule,
    check_space_name,
    check_timezone,
)

Path = tuple[str | int, ...]


class TenantChecker:
    """Collects the cross-entry problems of one tenant and builds it when there are none."""

    def __init__(
        self,
        file: str,
        doc: PosDict,
        templates: Mapping[str, LoadedTemplate],
        broken_templates: frozenset[str],
    ) -> None:
        self.file = file
        self.doc = doc
        self.templates = templates
        self.broken_templates = broken_templates
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        """Valid but probably not meant (a managed space where nobody can share sheets)."""
        self.space_types: dict[str, str] = {}  # name -> type
        self.sharers: dict[str, bool] = {}  # managed space -> some group may make sheets public
        self._warned: set[str] = set()

    def at(self, path: Path, message: str, fix: str | None = None) -> None:
        pos = locate(self.doc, path) or SourcePosition(self.file)
        self.problems.append(Problem(pos, message, fix))

    def build(
        self,
        spec: TenantFile,
        hostname: str,
        context: Mapping[str, Any],
        broken: frozenset[str],
    ) -> Tenant | None:
        self.check_spaces(spec)
        self.check_connections(spec)
        checked = [(i, self.check_app(i, app, context, broken)) for i, app in enumerate(spec.apps)]
        apps = [(index, app) for index, app in checked if app is not None]
        self.check_unique_apps(apps)
        if self.problems:
            return None
        try:
            return Tenant(
                name=spec.tenant.name,
                region=spec.tenant.region,
                hostname=hostname,
                file=self.file,
                id=spec.tenant.id,
                wave=spec.wave,
                spaces=tuple(
                    Space(
                        name=s.name,
                        type=s.type,
                        description=s.description,
                        members=tuple(
                            Member(group=m.group, roles=tuple(m.roles)) for m in s.members
                        ),
                    )
                    for s in spec.spaces
                ),
                connections=tuple(Connection(**c.model_dump()) for c in spec.connections),
                apps=tuple(app for _, app in apps),
            )
        except ValidationError as exc:  # a rule the checks above missed: still a positioned error
            for error in exc.errors(include_url=False):
                self.at((), f"invalid tenant: {error['msg']} at {error['loc']}", None)
            return None

    def check_spaces(self, spec: TenantFile) -> None:
        first: dict[str, int] = {}
        for index, entry in enumerate(spec.spaces):
            here: Path = ("spaces", index)
            message = check_space_name(entry.name)
            if message:  # still known below, so references to it do not add noise
                self.at((*here, "name"), message, "choose another space name")
            folded = entry.name.casefold()
            if folded in first:
                earlier = locate(self.doc, ("spaces", first[folded], "name"))
                self.at(
                    (*here, "name"),
                    f"duplicate space name '{entry.name}' (first defined at"
                    f" {earlier}); Qlik space names are unique",
                    "rename or remove one of them",
                )
                continue
            first[folded] = index
            self.space_types[entry.name] = entry.type
            groups: set[str] = set()
            for number, member in enumerate(entry.members):
                where = (*here, "members", number)
                message = check_roles(entry.type, member.roles)
                if message:
                    self.at((*where, "roles"), message, "use roles valid for the space type")
                if member.group in groups:
                    self.at(
                        (*where, "group"),
                        f"group '{member.group}' is assigned twice in space '{entry.name}'",
                        "merge its roles into one entry",
                    )
                groups.add(member.group)
            if entry.type == "managed":
                self.sharers[entry.name] = any(
                    COMMUNITY_SHEET_ROLES & set(m.roles) for m in entry.members
                )

    def _space_hint(self) -> str:
        names = ", ".join(self.space_types) or "none"
        return f"add the space under `spaces:` or use one of this tenant's spaces ({names})"

    def check_connections(self, spec: TenantFile) -> None:
        seen: dict[tuple[str, str], int] = {}
        for index, entry in enumerate(spec.connections):
            here: Path = ("connections", index)
            if entry.space not in self.space_types:
                self.at(
                    (*here, "space"),
                    f"connection '{entry.name}' is in unknown space '{entry.space}'",
                    self._space_hint(),
                )
                continue
            key = (entry.space, entry.name.casefold())
            if key in seen:
                earlier = locate(self.doc, ("connections", seen[key], "name"))
                self.at(
                    (*here, "name"),
                    f"duplicate connection '{entry.name}' in space"
                    f" '{entry.space}' (first defined at {earlier})",
                    "rename or remove one of them",
                )
                continue
            seen[key] = index
            if not entry.name.strip() or not entry.connect.strip() or not entry.type.strip():
                self.at(
                    here,
                    f"connection '{entry.name}' needs a non-empty name, type and connect",
                    "fill them in",
                )

    def _space_of_type(self, path: Path, space: str, wanted: str, role: str) -> None:
        actual = self.space_types.get(space)
        if actual is None:
            self.at(path, f"{role} '{space}' is not a space of this tenant", self._space_hint())
        elif actual != wanted:
            self.at(
                path,
                f"{role} '{space}' is a {actual} space; it must be a {wanted} space",
                f"name a {wanted} space of this tenant",
            )

    def _warn_without_sharers(self, path: Path, space: str) -> None:
        """Customers keep their own sheets across upgrades only if some can make them."""
        if self.sharers.get(space, True) or space in self._warned:
            return
        self._warned.add(space)
        pos = locate(self.doc, path) or SourcePosition(self.file)
        roles = " or ".join(sorted(COMMUNITY_SHEET_ROLES))
        self.warnings.append(
            Problem(
                pos,
                f"managed space '{space}' gives no group the {roles} role: its users can read "
                "the published apps but cannot make their own sheets public (community sheets)",
                f"give a group roles [consumer, contributor] in '{space}', or leave it if "
                "customers should only read",
            )
        )

    def check_reload(self, here: Path, reload: ReloadEntry | None) -> ReloadPolicy:
        """The app's reload policy (after its values are checked): one frozen model for each
        distinct policy, shared by the apps that have it."""
        if reload is None:
            return ReloadPolicy()
        checks = (
            ("schedule", reload.schedule, check_rrule, "write e.g. RRULE:FREQ=DAILY;BYHOUR=2"),
            ("timezone", reload.timezone, check_timezone, "use an IANA name like Europe/Zurich"),
            ("max_age", reload.max_age, check_max_age, "write e.g. 26h or 3d"),
        )
        for key, value, check, fix in checks:
            message = check(value) if value is not None else None
            if message:
                self.at((*here, "reload", key), message, fix)
        return _policy(reload.schedule, reload.timezone or "UTC", reload.max_age)

    def _release(self, here: Path, ref: str) -> tuple[LoadedTemplate, int, bool] | None:
        """The template and release an app's `template:` names, or None (reported)."""
        where = (*here, "template")
        match = TEMPLATE_REF_RE.match(ref)
        if not match:
            self.at(
                where,
                f"template reference '{ref}' is not NAME or NAME@VERSION",
                "write e.g. sales@3 (a pinned release) or sales (the newest)",
            )
            return None
        name, version = match["name"], match["version"]
        if name in self.broken_templates:
            return None
        loaded = self.templates.get(name)
        if loaded is None:
            known = ", ".join(sorted(self.templates)) or "none"
            self.at(
                where,
                f"unknown template '{name}' (templates: {known})",
                f"create desired/templates/{name}/template.yaml or correct the name",
            )
            return None
        template = loaded.model
        rerun = f"run `qlikreconcile template release {name}` and commit the result"
        if version is None:
            latest = template.latest
            if latest is None:
                self.at(
                    where,
                    f"template '{name}' has no release yet, so there is no newest"
                    " release to deploy",
                    rerun,
                )
                return None
            return loaded, latest.version, False
        if template.release(int(version)) is None:
            have = ", ".join(str(r.version) for r in template.releases) or "none yet"
            self.at(
                where,
                f"template '{name}' has no release {version} (releases: {have})",
                f"pin an existing release, or {rerun}",
            )
            return None
        return loaded, int(version), True

    def check_app(
        self, index: int, entry: AppEntry, context: Mapping[str, Any], broken: frozenset[str]
    ) -> App | None:
        here: Path = ("apps", index)
        before = len(self.problems)
        self._space_of_type((*here, "space"), entry.space, "shared", "app space")
        if entry.publish_to is not None:
            self._space_of_type((*here, "publish_to"), entry.publish_to, "managed", "publish_to")
            self._warn_without_sharers((*here, "publish_to"), entry.publish_to)
        reload = self.check_reload(here, entry.reload)
        found = self._release(here, entry.template)
        if found is None:
            return None
        loaded, version, pinned = found
        template = loaded.model
        name = entry.name if entry.name is not None else template.display_name
        if not name.strip():
            self.at((*here, "name"), "app name is empty", "give the app a name or omit `name:`")
        missing = [v for v in template.required_variables if v not in context and v not in broken]
        for variable in missing:
            self.at(
                (*here, "template"),
                f"template '{template.name}' requires variable"
                f" '{variable}', which this tenant does not define",
                f"define `{variable}` under `variables:` or in fleet defaults",
            )
        if len(self.problems) > before or loaded.script is None:
            return None
        app_context = {
            **context,
            "app": {
                "name": name,
                "template": template.name,
                "release": version,
                "space": entry.space,
                "publish_to": entry.publish_to,
            },
        }
        tenant = str(context["tenant"]["name"])
        script, problems = render_script(
            loaded.script, app_context, tenant=tenant, app=name, broken=broken
        )
        self.problems += problems
        if script is None:
            return None
        return App(
            template=template.name,
            release=version,
            name=name,
            space=entry.space,
            publish_to=entry.publish_to,
            text=script_header(template.name, version) + script,
            reload=reload,
            pinned=pinned,
        )

    def check_unique_apps(self, apps: list[tuple[int, App]]) -> None:
        first: dict[str, int] = {}
        for index, app in apps:
            if app.name in first:
                earlier = locate(self.doc, ("apps", first[app.name]))
                self.at(
                    ("apps", index, "name"),
                    f"two apps are named '{app.name}' (the other at {earlier})",
                    "give one of them another `name:`",
                )
            first.setdefault(app.name, index)


@functools.lru_cache(maxsize=256)
def _policy(schedule: str | None, timezone: str, max_age: str | None) -> ReloadPolicy:
    """A reload policy, shared: most apps take the fleet's defaults, and a model of its own for
    each of a 5,000-tenant fleet's 10,000 apps held 5 MiB."""
    return ReloadPolicy(schedule=schedule, timezone=timezone, max_age=max_age)
