"""Recognising a tenant's apps as template apps: build copy, release, published copy, schedule.

* A **build app** (in a shared space, not a published copy) belongs to the template its
  qlikreconcile marker names (an app an earlier qlikreconcile deployed), else to the template
  whose load script, rendered with some values of its variables, equals the app's script
  (:mod:`.script_variables`); failing that, to the template whose display name is the app's name
  (the script is then reported as differing beyond variables).
* Its **published copy** is the app in a managed space whose ``originAppId`` (Qlik's record of
  the publish) is the build app's id: that managed space is ``publish_to``.
* Its **schedule** is the scheduling task that reloads the published copy (else the build app):
  its RRULE becomes ``reload.schedule``.

Everything else is a note: apps matching no template, a second app of one template (the spec has
one per template and tenant), published copies of apps outside the tenant, personal apps,
schedules the spec cannot express.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from qlikreconcile.qlik.inventory import FoundApp, FoundTask, TenantInventory
from qlikreconcile.reconcile.importing.releases import release_for
from qlikreconcile.reconcile.importing.report import AppMatch
from qlikreconcile.reconcile.importing.script_variables import Inferred, infer_variables
from qlikreconcile.spec.desired_state import Template
from qlikreconcile.spec.value_checks import check_rrule, check_timezone


@dataclass
class AppsFound:
    matches: list[AppMatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def match_apps(
    inventory: TenantInventory, templates: Mapping[str, Template], tenant: Mapping[str, str]
) -> AppsFound:
    """The tenant's template apps; ``tenant`` is the ``{name, region, hostname}`` context."""
    out = AppsFound()
    copies: dict[str, list[FoundApp]] = {}
    builds: list[FoundApp] = []
    for app in sorted(inventory.apps, key=lambda a: (a.created, a.ident)):
        if app.origin and (app.published or app.space_type == "managed"):
            copies.setdefault(app.origin, []).append(app)
        elif app.space is None:
            out.notes.append(f"app '{app.name}' is a personal app (in no space): not imported")
        elif app.space_type != "shared":
            out.notes.append(
                f"app '{app.name}' in {app.space_type} space '{app.space}' is no published copy "
                "of a build app: not imported"
            )
        else:
            builds.append(app)
    tasks: dict[str, list[FoundTask]] = {}
    for task in inventory.tasks:
        tasks.setdefault(task.app, []).append(task)
    taken: dict[str, str] = {}
    used_tasks: set[int] = set()
    for app in builds:
        found = _match(app, copies.pop(app.ident, []), templates, tenant, out.notes)
        if found is None:
            continue
        match, publish = found
        if match.template in taken:
            out.notes.append(
                f"app '{app.name}' is a second app of template {match.template} (after "
                f"'{taken[match.template]}'): a tenant has one app per template; not imported"
            )
            continue
        taken[match.template] = app.name
        scheduled = _schedule(app, publish, tasks, out.notes)
        used_tasks.update(id(t) for t in scheduled)
        if scheduled:
            rule, zone = _rule(app, scheduled[0], out.notes)
            match = replace(match, schedule=rule, timezone=zone)
        out.matches.append(match)
    for origin, orphans in sorted(copies.items()):
        for copy in orphans:
            out.notes.append(
                f"published app '{copy.name}' in '{copy.space}' was published from app {origin}, "
                "which is not a build app of this tenant: not imported"
            )
    by_id = {a.ident: a for a in inventory.apps}
    for task in inventory.tasks:
        if id(task) not in used_tasks:
            target = by_id.get(task.app)
            shown = f"app '{target.name}'" if target else f"app {task.app}"
            out.notes.append(
                f"scheduling task '{task.name}' of {shown} is not the schedule of an imported "
                "app: not imported"
            )
    return out


def _context(
    app: FoundApp, template: Template, release: int | None, publish_to: str | None, tenant: Any
) -> dict[str, Any]:
    return {
        "tenant": dict(tenant),
        "app": {
            "name": app.name,
            "template": template.name,
            "release": release,
            "space": app.space,
            "publish_to": publish_to,
        },
    }


def _match(
    app: FoundApp,
    copies: list[FoundApp],
    templates: Mapping[str, Template],
    tenant: Mapping[str, str],
    notes: list[str],
) -> tuple[AppMatch, FoundApp | None] | None:
    managed = [c for c in copies if c.space_type == "managed"]
    publish = managed[0] if managed else None
    for extra in managed[1:]:
        notes.append(
            f"app '{app.name}' is also published to '{extra.space}' (as '{extra.name}'): the "
            f"spec publishes to one managed space, '{publish.space if publish else ''}'"
        )
    publish_to = publish.space if publish else None
    marked = app.marker[0] if app.marker and app.marker[0] in templates else None
    tried: dict[str, tuple[int | None, str, bool, Inferred]] = {}
    for name, template in sorted(templates.items()):
        release, why, certain = release_for(template, app.created)
        if name == marked and app.marker and template.release(app.marker[1] or 0):
            release, why, certain = app.marker[1], f"its marker names release {app.marker[1]}", True
        context = _context(app, template, release, publish_to, tenant)
        tried[name] = (
            release,
            why,
            certain,
            infer_variables(template.script_text, app.script, context),
        )
    by_script = [n for n, t in tried.items() if t[3].matches]
    by_name = [n for n, t in sorted(templates.items()) if t.display_name == app.name]
    chosen = next((n for n in by_script if n in by_name), None) or next(iter(by_script), None)
    evidence: list[str] = []
    if marked is not None:
        chosen = marked
        evidence.append(f"its description carries qlikreconcile's marker of template {marked}")
        if not tried[marked][3].matches:
            notes.append(
                f"app '{app.name}' (template {marked} by its marker): {tried[marked][3].problem}; "
                "its variables are not imported"
            )
    elif chosen is not None:
        evidence.append(f"its load script is template {chosen}'s with variables set")
        if len(by_script) > 1:
            notes.append(
                f"app '{app.name}': the load script fits templates {', '.join(by_script)}; "
                f"{chosen} chosen"
            )
    elif by_name:
        chosen = by_name[0]
        evidence.append(f"its name equals template {chosen}'s display name")
        notes.append(
            f"app '{app.name}' (template {chosen} by its name): {tried[chosen][3].problem}; "
            "its variables are not imported, and apply will set the template's script"
        )
    else:
        notes.append(
            f"app '{app.name}' in '{app.space}' matches no template (neither its load script "
            "nor its name): not imported"
        )
        return None
    release, why, certain, inferred = tried[chosen]
    evidence.append(why)
    if not certain:
        notes.append(f"app '{app.name}': release of template {chosen} guessed: {why}")
    if publish is not None:
        evidence.append(
            f"published copy '{publish.name}' in '{publish.space}' records originAppId {app.ident}"
        )
    match = AppMatch(
        app=app.name,
        template=chosen,
        release=release,
        space=app.space or "",
        evidence=tuple(evidence),
        variables=inferred.variables,
        publish_to=publish_to,
        script_matches=inferred.matches,
    )
    return match, publish


def _schedule(
    app: FoundApp,
    publish: FoundApp | None,
    tasks: Mapping[str, list[FoundTask]],
    notes: list[str],
) -> list[FoundTask]:
    """The tasks of the app customers' data depends on (the published copy, else the build
    app); the first is its schedule, any other is noted."""
    on_copy = tasks.get(publish.ident, []) if publish else []
    found = on_copy or list(tasks.get(app.ident, []))
    if found and publish is not None and not on_copy:
        notes.append(
            f"app '{app.name}': its schedule reloads the build app, not the published copy "
            f"customers see in '{publish.space}'; qlikreconcile schedules the published copy"
        )
    for extra in found[1:]:
        notes.append(
            f"app '{app.name}': scheduling task '{extra.name}' is a second schedule; the spec "
            "has one per app: not imported"
        )
    return found


def _rule(app: FoundApp, task: FoundTask, notes: list[str]) -> tuple[str | None, str]:
    zone = task.timezone if check_timezone(task.timezone) is None else "UTC"
    if zone != task.timezone:
        notes.append(f"app '{app.name}': schedule time zone '{task.timezone}' unknown; UTC used")
    if len(task.recurrence) != 1:
        notes.append(
            f"app '{app.name}': scheduling task '{task.name}' has {len(task.recurrence)} "
            "recurrence rules; the spec takes one: schedule not imported"
        )
        return None, zone
    rule = task.recurrence[0]
    problem = check_rrule(rule)
    if problem is not None:
        notes.append(f"app '{app.name}': schedule {rule!r} cannot be expressed: {problem}")
        return None, zone
    if not task.enabled:
        notes.append(
            f"app '{app.name}': scheduling task '{task.name}' is disabled in the tenant; once "
            "adopted, apply enables it"
        )
    return rule, zone
