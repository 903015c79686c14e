"""`template release NAME`: export the template's source app without data into git.

The source app is found by its space name and app name in the source tenant (Qlik ids never
appear in the spec), exported with ``NoData=true``, and stored as the template's next release
with its sha256 digest. Exporting an unchanged app makes no new release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from qlikreconcile.errors import QlikReconcileError
from qlikreconcile.qlik.lookups import find_named
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.spec.desired_state import Release, SourceTenant, Template
from qlikreconcile.spec.releases import write_release


class ReleaseError(QlikReconcileError):
    """The template's source app cannot be found or exported."""


@dataclass(frozen=True, slots=True)
class ReleaseResult:
    template: str
    release: Release | None
    """None when the source app is unchanged since the newest release."""
    app_id: str


async def find_source_app(session: QlikSession, source: SourceTenant, template: Template) -> str:
    client = session.client(source.hostname)
    spaces = await find_named(client, "/api/v1/spaces", template.source_space)
    if not spaces:
        raise ReleaseError(
            f"template {template.name}: no space {template.source_space!r} in the source tenant "
            f"{source.hostname}; fix `source.space` in "
            f"desired/templates/{template.name}/template.yaml"
        )
    params = {"resourceType": "app", "spaceId": spaces[0]["id"], "name": template.source_app}
    items = [i async for i in client.paginate("/api/v1/items", params=params)]
    apps = [i for i in items if i.get("name") == template.source_app]
    if len(apps) != 1:
        found = "no app" if not apps else f"{len(apps)} apps"
        raise ReleaseError(
            f"template {template.name}: {found} named {template.source_app!r} in space "
            f"{template.source_space!r} of {source.hostname}; exactly one is needed"
        )
    return str(apps[0]["resourceId"])


async def release_template(
    session: QlikSession, source: SourceTenant, template: Template
) -> ReleaseResult:
    app_id = await find_source_app(session, source, template)
    client = session.client(source.hostname)
    data = await client.fetch_export(f"/api/v1/apps/{app_id}/export", params={"NoData": "true"})
    created = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    release = write_release(template, data, created=created, source_app_id=app_id)
    return ReleaseResult(template.name, release, app_id)
