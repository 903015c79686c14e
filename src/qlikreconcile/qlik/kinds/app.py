"""Build apps: a template release imported into the tenant's shared build space.

A new release is a new import (Qlik offers external clients no in-place replace: ``mode=
AUTOREPLACE`` is documented as internal). The previous build copy is re-marked ``superseded``
rather than deleted, so the published app stays linked to a living source until it has been
republished from the new copy.

An import carries no description, so it is first named provisionally (:func:`provisional_name`,
recognisably ours) and renamed with its marker right after. An import whose answer was lost, or
one left unmarked by a run that died in between, is found by that name in the build space and
adopted instead of imported again, so a tenant never gets a second copy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import DesiredResource, fields_digest
from qlikreconcile.errors import OperationError
from qlikreconcile.qlik import ownership, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.discover_apps import read_family
from qlikreconcile.qlik.kinds.adopt import create_once
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.inputs import OperationInputs
from qlikreconcile.qlik.kinds.kind import Kind, Wants

SPEC = KindSpec(
    resources.APP,
    4,
    immutable_fields=frozenset({"template", "release", "digest", "space"}),
    create_before_destroy=True,
    deletable=True,
    left_behind="the build copy stays, with its data",
)


@dataclass(frozen=True, slots=True)
class AppInputs(OperationInputs):
    space: str = ""
    """The key of the build space (imports only)."""
    artifact: str = ""
    """The release file, relative to the folder holding desired/ (imports only)."""
    description: str = ""


def provisional_name(op: Operation) -> str:
    """The name of an import until it is marked: the template, release and artifact digest."""
    d = op.desired
    digest = str(d["digest"])[:12]
    return f"{d['name']} [qlikreconcile import {d['template']}@{d['release']} {digest}]"


async def find_import(client: QlikClient, space_id: str, name: str) -> str | None:
    """The newest app called ``name`` in the space (our import that is not marked yet)."""
    params = {"resourceType": "app", "spaceId": space_id, "name": name}
    found = [i async for i in client.paginate("/api/v1/items", params=params)]
    found = [i for i in found if i.get("name") == name]
    if not found:
        return None
    newest = max(found, key=lambda i: str(i.get("createdAt") or ""))
    return str(newest.get("resourceId") or (newest.get("resourceAttributes") or {}).get("id"))


async def _delete_leftover(op: Operation, env: HandlerEnv) -> Outcome:
    """Delete an older build copy, after checking again that it is ours and not published."""
    client = env.client(op)
    app_id = str(op.ident)
    found = await client.get_json(f"/api/v1/apps/{app_id}")
    attrs = found.get("attributes") or {}
    marker = ownership.parse_app_marker(attrs.get("description"))
    if marker is None or marker.role not in ("build", "superseded") or attrs.get("publishTime"):
        raise OperationError(f"not deleting app {app_id}: it is not a build copy we made")
    await client.delete(f"/api/v1/apps/{app_id}", missing_ok=True)
    return Outcome(detail=f"deleted older build copy {app_id}")


def marker(op: Operation, role: str = "build") -> ownership.AppMarker:
    return ownership.AppMarker(
        role=role,
        template=str(op.desired["template"]),
        release=int(op.desired["release"]),
        digest=str(op.desired["digest"]),
        applied=fields_digest(op.desired),
    )


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    if op.action is Action.DELETE:
        return await _delete_leftover(op, env)
    client = env.client(op)
    name = str(op.desired["name"])
    inputs = AppInputs.of(op)
    description = ownership.app_description(inputs.description, marker(op))
    attributes = {"name": name, "description": description}
    if op.action in (Action.UPDATE, Action.ADOPT):  # ADOPT: the marker written, nothing else
        app_id = env.ident(op.key)
        await client.put_json(f"/api/v1/apps/{app_id}", {"attributes": attributes})
        return Outcome(ident=app_id)

    data = env.read_artifact(inputs.artifact)
    if hashlib.sha256(data).hexdigest() != op.desired["digest"]:
        raise OperationError(
            f"release artifact {inputs.artifact} does not match its sha256 in the plan; "
            "it changed after planning: make a new plan"
        )
    space_id = env.ident(inputs.space)
    importing = provisional_name(op)
    leftover = await find_import(client, space_id, importing)  # left by a run that died
    if leftover is not None:
        new_id = leftover
    else:
        params = {"spaceId": space_id, "name": importing}

        async def create() -> str:
            path = "/api/v1/apps/import"
            response = await client.request("POST", path, params=params, content=data)
            return str(response.json()["attributes"]["id"])

        new_id = await create_once(
            env,
            host=client.host,
            what=f"import {op.desired['template']}@{op.desired['release']}",
            create=create,
            find=lambda: find_import(client, space_id, importing),
        )
    await client.put_json(f"/api/v1/apps/{new_id}", {"attributes": attributes})
    if op.action is Action.REPLACE and op.ident:
        old = ownership.AppMarker(role="superseded", template=str(op.desired["template"]))
        await client.put_json(
            f"/api/v1/apps/{op.ident}", {"attributes": {"description": old.render()}}
        )
    return Outcome(ident=new_id, detail=f"imported release {op.desired['release']} as {new_id}")


def want(wants: Wants) -> list[DesiredResource]:
    """The build copy of each app's pinned release in its shared space."""
    fleet, t = wants.fleet, wants.tenant.name
    out = []
    for app in wants.tenant.apps:
        template = fleet.templates[app.template]
        release = template.release(app.release)
        assert release is not None, "the spec loader guarantees pinned releases exist"
        space_key = resources.space_key(t, app.space)
        artifact = (template.folder / release.artifact).relative_to(fleet.root.parent)
        inputs = AppInputs(
            space=str(space_key),
            artifact=artifact.as_posix(),
            description=f"{template.display_name} for {t}.",
        )
        fields = {
            "name": app.name,
            "space": app.space,
            "template": app.template,
            "release": app.release,
            "digest": release.sha256,
        }
        out.append(
            DesiredResource(
                resources.app_key(t, app.template),
                fields,
                depends_on=(space_key,),
                inputs=inputs,
            )
        )
    return out


# The app kind reads its whole family: Qlik returns it from one items list (see FAMILY).
KIND = Kind(SPEC, run, want, read_family, prune_key="apps")
