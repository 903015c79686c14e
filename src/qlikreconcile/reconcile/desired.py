"""Translate the validated spec into the engine's desired resources.

This is where the OEM lifecycle is encoded as dependencies: tenant -> spaces -> data connections
-> build app (imported release) -> its load script -> a reload that SUCCEEDED -> the published
app in the managed space. A change to the script or to a connection re-runs the reload; a new
build app or a new reload re-runs the republish (customers get the fresh data); a publish
depends on the reload, so a failed reload never reaches customers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import DesiredResource
from qlikreconcile.qlik import data_checks, ownership, resources
from qlikreconcile.qlik.discover import TenantRef
from qlikreconcile.qlik.discover_apps import AppRef
from qlikreconcile.qlik.handlers.app import AppInputs
from qlikreconcile.qlik.handlers.assignment import AssignmentInputs
from qlikreconcile.qlik.handlers.connection import ConnectionInputs
from qlikreconcile.qlik.handlers.published_app import PublishedAppInputs
from qlikreconcile.qlik.handlers.reload import ReloadInputs
from qlikreconcile.qlik.handlers.reload_task import ReloadTaskInputs
from qlikreconcile.qlik.handlers.script import ScriptInputs
from qlikreconcile.qlik.handlers.tenant import TenantInputs
from qlikreconcile.qlik.schedules import SCHEDULING_API
from qlikreconcile.spec.desired_state import REGIONS, App, Connection, DesiredFleet, Tenant
from qlikreconcile.spec.value_checks import duration_seconds

ODBC_PROVIDER = "QvOdbcConnectorPackage.exe"
PROVIDERS: dict[str, str] = {
    "rest": "QvRestConnector.exe",
    "web": "QvWebStorageProviderConnectorPackage.exe",
}
"""Connector (qType) per datasourceID; everything else goes through Qlik's ODBC package."""


def check_inputs(fleet: DesiredFleet, app: App) -> tuple[dict[str, Any], ...]:
    """The template's data checks as the qlik layer reads them: the keys set, nothing else."""
    return tuple(c.model_dump(exclude_none=True) for c in fleet.templates[app.template].checks)


def tenant_refs(fleet: DesiredFleet) -> list[TenantRef]:
    """What discovery reads per tenant, with what the spec expects of each app."""
    return [
        TenantRef(
            t.name,
            t.hostname,
            tuple(
                AppRef(
                    template=a.template,
                    name=a.name,
                    space=a.space,
                    publish_to=a.publish_to,
                    max_age_seconds=duration_seconds(a.reload.max_age)
                    if a.reload.max_age
                    else None,
                    scheduled=a.reload.schedule is not None,
                    delete_duplicates=fleet.delete_duplicate_published,
                    checks=check_inputs(fleet, a),
                    script=full_script(a),
                    **(_adopted_identity(fleet, a) if t.adopt_unmarked else {}),
                )
                for a in t.apps
            ),
            {s.name: tuple(m.group for m in s.members) for s in t.spaces if s.members},
            region=t.region,
            file=t.file,
            adopt_id=t.id,
            prune_published=_prune_published(fleet, t),
            adopt_unmarked=t.adopt_unmarked,
        )
        for t in fleet.tenants
    ]


def _adopted_identity(fleet: DesiredFleet, app: App) -> dict[str, Any]:
    """What an unmarked app of a tenant that adopts is taken to be: the spec's release."""
    release = fleet.templates[app.template].release(app.release)
    assert release is not None, "the spec loader guarantees pinned releases exist"
    return {
        "release": app.release,
        "digest": release.sha256,
        "content": ownership.content_digest(release.sha256, full_script(app)),
    }


def _prune_published(fleet: DesiredFleet, tenant: Tenant) -> str | None:
    if "published_apps" not in fleet.prune:
        return None
    return "with_sheets" if tenant.prune_published_with_sheets else "keep_sheets"


PRUNE_KINDS: dict[str, str] = {
    "apps": resources.APP,
    "published_apps": resources.PUBLISHED_APP,
    "schedules": resources.RELOAD_TASK,
    "connections": resources.CONNECTION,
}
"""fleet.yaml ``prune`` keys -> the resource kinds they delete."""


def prune_kinds(fleet: DesiredFleet) -> frozenset[str]:
    return frozenset(PRUNE_KINDS[key] for key in fleet.prune)


def desired_resources(
    fleet: DesiredFleet, fingerprints: Mapping[str, str] | None = None
) -> list[DesiredResource]:
    """Every resource of every tenant, with its dependencies.

    ``fingerprints`` holds each connection's password fingerprint (by connection key, see
    :mod:`qlikreconcile.reconcile.credentials`).
    """
    out: list[DesiredResource] = []
    for tenant in fleet.tenants:
        out += tenant_resources(fleet, tenant, fingerprints or {})
    return out


def tenant_resources(
    fleet: DesiredFleet, tenant: Tenant, fingerprints: Mapping[str, str] | None = None
) -> list[DesiredResource]:
    t = tenant.name
    tenant_key = resources.tenant_key(t)
    offboard = tenant.decommission_purge_days is not None
    inputs = TenantInputs(
        region=tenant.region,
        datacenter=REGIONS[tenant.region],
        file=tenant.file,
        purge_after_days=tenant.decommission_purge_days,
        export_to=tenant.decommission_export_to if offboard else None,
    ).as_dict()
    status = "disabled" if offboard else "active"
    out = [
        DesiredResource(
            tenant_key, {"name": t, "hostname": tenant.hostname, "status": status}, inputs=inputs
        )
    ]
    if offboard:  # nothing is built in a tenant being offboarded; Qlik purges what it holds
        return out
    for space in tenant.spaces:
        space_key = resources.space_key(t, space.name)
        out.append(
            DesiredResource(
                space_key,
                {"type": space.type, "description": space.description},
                depends_on=(tenant_key,),
            )
        )
        for member in space.members:
            out.append(
                DesiredResource(
                    resources.assignment_key(t, space.name, member.group),
                    {"roles": sorted(member.roles)},
                    depends_on=(space_key,),
                    inputs=AssignmentInputs(space=str(space_key), group=member.group).as_dict(),
                )
            )
    connection_keys = []
    for conn in tenant.connections:
        key = resources.connection_key(t, conn.space, conn.name)
        connection_keys.append(key)
        out.append(_connection(t, conn, key, (fingerprints or {}).get(str(key))))
    for app in tenant.apps:
        out += _app_chain(fleet, t, app, tuple(connection_keys))
    return out


def connect_statement(conn: Connection) -> tuple[str, str]:
    """(qType, qConnectStatement) for a connection: Qlik's CUSTOM CONNECT form."""
    qtype = PROVIDERS.get(conn.type, ODBC_PROVIDER)
    return qtype, f'CUSTOM CONNECT TO "provider={qtype};driver={conn.type};{conn.connect}"'


def _connection(
    t: str, conn: Connection, key: ResourceKey, fingerprint: str | None
) -> DesiredResource:
    qtype, statement = connect_statement(conn)
    return DesiredResource(
        key,
        {
            "datasource": conn.type,
            "statement": statement,
            "username": conn.username,
            "password": fingerprint,
        },
        depends_on=(resources.space_key(t, conn.space),),
        inputs=ConnectionInputs(
            name=conn.name,
            space=str(resources.space_key(t, conn.space)),
            qtype=qtype,
            username=conn.username,
            password_env=conn.password.env if conn.password else None,
        ).as_dict(),
    )


def full_script(app: App) -> str:
    """The load script as set in the tenant: our header line, then the rendered template."""
    return ownership.script_header(app.template, app.release) + app.script


def _app_chain(
    fleet: DesiredFleet,
    t: str,
    app: App,
    connections: tuple[ResourceKey, ...],
) -> list[DesiredResource]:
    template = fleet.templates[app.template]
    release = template.release(app.release)
    assert release is not None, "the spec loader guarantees pinned releases exist"
    app_key = resources.app_key(t, app.template)
    script_key = resources.script_key(t, app.template)
    reload_key = resources.reload_key(t, app.template)
    space_key = resources.space_key(t, app.space)
    script = full_script(app)
    checks = check_inputs(fleet, app)
    chain = [
        DesiredResource(
            app_key,
            {
                "name": app.name,
                "space": app.space,
                "template": app.template,
                "release": app.release,
                "digest": release.sha256,
            },
            depends_on=(space_key,),
            inputs=AppInputs(
                space=str(space_key),
                artifact=(template.folder / release.artifact)
                .relative_to(fleet.root.parent)
                .as_posix(),
                description=f"{template.display_name} for {t}.",
            ).as_dict(),
        ),
        DesiredResource(
            script_key,
            {"script": script},
            parent=app_key,
            inputs=ScriptInputs(
                app=str(app_key),
                version_message=ownership.script_version_message(app.template, app.release, script),
            ).as_dict(),
        ),
        DesiredResource(
            reload_key,
            {"status": "SUCCEEDED"},
            parent=app_key,
            depends_on=connections,
            refresh_on=(script_key, *connections),
            inputs=ReloadInputs(app=str(app_key), checks=checks).as_dict(),
            gates=tuple(data_checks.describe(c) for c in checks),
        ),
    ]
    if app.publish_to:
        managed_key = resources.space_key(t, app.publish_to)
        chain.append(
            DesiredResource(
                resources.published_key(t, app.template),
                {
                    "name": app.name,
                    "space": app.publish_to,
                    "content": ownership.content_digest(release.sha256, script),
                },
                depends_on=(reload_key, app_key, managed_key),
                refresh_on=(app_key, reload_key),
                inputs=PublishedAppInputs(app=str(app_key), space=str(managed_key)).as_dict(),
            )
        )
    if app.reload.schedule:
        scheduled = resources.published_key(t, app.template) if app.publish_to else app_key
        chain.append(
            DesiredResource(
                resources.reload_task_key(t, app.template),
                {
                    "api": SCHEDULING_API,
                    "recurrence": app.reload.schedule,
                    "timezone": app.reload.timezone,
                    "enabled": True,
                },
                parent=scheduled,
                inputs=ReloadTaskInputs(app=str(scheduled)).as_dict(),
            )
        )
    return chain
