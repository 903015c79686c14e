"""Pydantic models of the three on-disk file formats: fleet.yaml, template.yaml, tenants/NAME.yaml.

These describe files *as written*: strings may still hold jinja2 expressions, the tenant's hostname
may be missing, templates are referenced as ``sales@3``. The loader validates each parsed YAML
document against them (so unknown keys, missing keys and wrong types become positioned problems),
renders values, checks the rules that span fields and files, and only then builds the rendered
models of :mod:`qlikreconcile.spec.desired_state` that the rest of qlikreconcile consumes.

They are also the source of the JSON Schema editors use (:mod:`qlikreconcile.spec.schema`), so
every field carries a description. Fields that may hold a jinja2 expression are plain strings here;
their format is checked after rendering.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qlikreconcile.spec.desired_state import Region, SecretRef, SpaceType


class _FileModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReloadEntry(_FileModel):
    """`reload:` of an app, or `defaults.reload:` of the fleet (app keys override defaults)."""

    schedule: str | None = Field(
        None, description='One RFC 5545 RRULE line, e.g. "RRULE:FREQ=DAILY;BYHOUR=2".'
    )
    timezone: str | None = Field(None, description="IANA time zone of the schedule; default UTC.")
    max_age: str | None = Field(
        None, description='Largest acceptable data age, e.g. "90m", "26h", "3d", "1d12h".'
    )


class FleetReloadEntry(ReloadEntry):
    """`defaults.reload:` of fleet.yaml: the app reload keys, plus the fleet-wide reload cap."""

    max_concurrent: int | None = Field(
        None,
        ge=1,
        strict=True,
        description="Most reloads apply runs at once across the whole fleet (default 8).",
    )
    retries: int | None = Field(
        None,
        ge=0,
        le=10,
        strict=True,
        description="How often apply retries a reload that failed for a reason other than its "
        "script (an engine or queue error), within the same apply (default 3).",
    )
    retry_delay: str | None = Field(
        None,
        description='Wait before the first reload retry, doubled for each next one: "30s", '
        '"2m", "1m30s" (default 30s, at most 10m).',
    )


class ConnectionEntry(_FileModel):
    """A data connection in one of the tenant's spaces."""

    name: str = Field(description="Connection name, unique within its space.")
    space: str = Field(description="Name of the tenant space that holds the connection.")
    type: str = Field(description='Qlik datasourceID, e.g. "postgres", "snowflake", "rest".')
    connect: str = Field(description="The provider's connection string.")
    username: str | None = Field(None, description="User name, if the provider needs one.")
    password: SecretRef | None = Field(
        None, description="Password as a reference to an environment variable: {env: NAME}."
    )


# ---- desired/fleet.yaml -------------------------------------------------------------------------


class SourceEntry(_FileModel):
    """The vendor's source tenant."""

    hostname: str = Field(description="Host name, e.g. vendor-source.eu.qlikcloud.com.")
    region: Region = Field(description="Region code of the source tenant.")


class TargetEntry(_FileModel):
    """The default target when neither --target nor QLIKRECONCILE_TARGET is given."""

    default: str = Field(
        "emulator", description='"emulator", "qlik-cloud" or a served emulator "http://host:port".'
    )
    emulator_state: str = Field(
        ".qlikreconcile/emulator-state.json", description="State file of the in-process emulator."
    )
    api_version: str | None = Field(
        None,
        description='Qlik API release sent as qlik-api-version, e.g. "2026-11" or "latest"; '
        "qlikreconcile's tested release when omitted.",
    )


class DefaultsEntry(_FileModel):
    """Values merged into every tenant; the tenant's own values win."""

    variables: dict[str, Any] = Field(
        default_factory=dict, description="Variables every tenant gets unless it sets its own."
    )
    connections: list[ConnectionEntry] = Field(
        default_factory=list,
        description="Connections added to every tenant that has no connection of the same name.",
    )
    reload: FleetReloadEntry | None = Field(
        None, description="Reload policy keys every app gets unless the app sets them."
    )


class DuplicatesEntry(_FileModel):
    """`duplicates:` of fleet.yaml: what apply does with second owned copies of one spec entry."""

    published_apps: Literal["report", "delete_without_sheets"] = Field(
        "report",
        description="A second published copy of one app (two applies raced): `report` it "
        "(default), or `delete_without_sheets`: delete the copy customers do not use (the "
        "engine shows no community sheet in it; private sheets are invisible to any account "
        "but their owner's). A copy with community sheets is never deleted.",
    )


class PruneEntry(_FileModel):
    """`prune:` of fleet.yaml: owned objects no longer in the spec are deleted, per kind.

    Off by default: without it they are listed as left behind. Spaces and group roles on them
    are not pruned yet (a space must be emptied first): they stay listed as left behind.
    """

    apps: bool = Field(False, description="Build copies of apps removed from the spec.")
    published_apps: bool = Field(
        False,
        description="Published copies no longer in the spec (an app removed or its publish_to "
        "removed); never one in which customers' community sheets are seen, unless the "
        "tenant file sets prune.published_apps_with_sheets.",
    )
    schedules: bool = Field(False, description="Scheduling tasks no longer in the spec.")
    connections: bool = Field(False, description="Data connections no longer in the spec.")


class DecommissionEntry(_FileModel):
    """`decommission:` of a tenant file: offboard the customer (deactivate the tenant)."""

    confirm_hostname: str = Field(
        description="The tenant's host name, typed again to confirm (Qlik asks the same)."
    )
    purge_after_days: int = Field(
        30, ge=10, le=90, strict=True, description="Days until Qlik purges it (10-90, OEMs)."
    )
    export_to: str | None = Field(
        None,
        description="Before deactivating, export each app of the tenant's managed spaces "
        "without data into this folder (relative to the folder holding desired/), with a "
        "manifest.json; a failed export stops the deactivation.",
    )


class TenantPruneEntry(_FileModel):
    """`prune:` of a tenant file: this tenant's explicit decisions beyond fleet.yaml's."""

    published_apps_with_sheets: bool = Field(
        False,
        description="Prune this tenant's published copies even when customers' community "
        "sheets live in them (they are lost); needs prune.published_apps in fleet.yaml.",
    )


class ThresholdEntry(_FileModel):
    """One blast-radius threshold: apply refuses a plan over both figures unless --force."""

    share: str | int | None = Field(
        None, description='Share of the fleet\'s tenants the change may touch, e.g. "50%".'
    )
    count: int | None = Field(
        None, ge=0, strict=True, description="Number of tenants the change may always touch."
    )


class GuardEntry(_FileModel):
    """`rollout.guard:` thresholds per kind of change (docs/rollouts.md has the defaults)."""

    republish: ThresholdEntry | None = Field(None, description="Published apps replaced.")
    replace: ThresholdEntry | None = Field(None, description="Resources deleted and recreated.")
    delete: ThresholdEntry | None = Field(None, description="Resources deleted or deactivated.")


class RolloutEntry(_FileModel):
    """`rollout:` of fleet.yaml: waves in order, failure budget, blast-radius guard."""

    waves: list[str] | None = Field(
        None,
        description="Wave names in rollout order; tenants without `wave:` are in the last. "
        "One wave, main, when omitted.",
    )
    max_failures: str | int = Field(
        0,
        description='Tenants of one wave that may fail before the rollout halts: 2 or "10%" '
        "(the first wave of several, the canary, halts on any failure).",
    )
    guard: GuardEntry = Field(default_factory=GuardEntry)


class FleetFile(_FileModel):
    """desired/fleet.yaml: the fleet's name, source tenant, target and defaults."""

    fleet: str = Field(description="Name of the fleet.")
    source: SourceEntry
    target: TargetEntry = Field(default_factory=TargetEntry)
    regions: list[Region] | None = Field(
        None, description="Regions tenants may live in; every known region when omitted."
    )
    defaults: DefaultsEntry = Field(default_factory=DefaultsEntry)
    duplicates: DuplicatesEntry = Field(default_factory=DuplicatesEntry)
    prune: PruneEntry = Field(default_factory=PruneEntry)
    rollout: RolloutEntry = Field(default_factory=RolloutEntry)


# ---- desired/templates/NAME/template.yaml -------------------------------------------------------


class TemplateSourceEntry(_FileModel):
    """Where the template's source app lives in the source tenant (by names, never ids)."""

    space: str = Field(description="Space name in the source tenant.")
    app: str = Field(description="App name in that space.")


class TemplateVariablesEntry(_FileModel):
    """What the load-script template needs from every tenant."""

    required: list[str] = Field(
        default_factory=list, description="Variables each tenant using the template must define."
    )


class ReleaseEntry(_FileModel):
    """One release; written by `qlikreconcile template release NAME`."""

    version: int = Field(ge=1, description="Release number, 1, 2, 3, ...")
    artifact: str = Field(description="Exported app file, relative to the template folder.")
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the artifact, 64 lowercase hex digits."
    )
    created: str | None = Field(None, description="When the release was made (ISO 8601).")
    source_app_id: str | None = Field(None, description="Source app id, for audit only.")


class DataCheckEntry(_FileModel):
    """One data check of the health gate: a table (with row bounds) or a field that must exist."""

    table: str | None = Field(
        None, description="A table of the app's data model (exact name, as in the load script)."
    )
    field: str | None = Field(
        None, description="A field that must exist (in `table` when both are given)."
    )
    min_rows: int | None = Field(
        None, ge=0, strict=True, description="Fewest rows `table` may have."
    )
    max_rows: int | None = Field(None, ge=0, strict=True, description="Most rows `table` may have.")


class TemplateFile(_FileModel):
    """desired/templates/NAME/template.yaml."""

    display_name: str = Field(description="Default app name in tenants.")
    source: TemplateSourceEntry
    script: str = Field(description="Load-script template file, relative to the template folder.")
    variables: TemplateVariablesEntry = Field(default_factory=TemplateVariablesEntry)
    releases: list[ReleaseEntry] = Field(default_factory=list)
    checks: list[DataCheckEntry] = Field(
        default_factory=list,
        description="Data checks a reload of the template's apps must pass before it is "
        "published or republished (the health gate).",
    )


# ---- desired/tenants/NAME.yaml ------------------------------------------------------------------


class TenantHeader(_FileModel):
    """Identity of the tenant. Not templated."""

    name: str = Field(description="Tenant name; must equal the file name without .yaml.")
    region: Region = Field(description="Region code.")
    hostname: str | None = Field(None, description="Defaults to NAME.REGION.qlikcloud.com.")
    id: str | None = Field(
        None,
        description=(
            "The id of an existing tenant to take over (alias and name are set on it) instead "
            "of creating one; for recovering a create whose answer was lost."
        ),
    )


class MemberEntry(_FileModel):
    """A role assignment on a space."""

    group: str = Field(description="Group name.")
    roles: list[str] = Field(description="Roles valid for the space's type.")


class SpaceEntry(_FileModel):
    """A space in the tenant."""

    name: str = Field(description='Space name; no " * ? < > / | \\ : characters.')
    type: SpaceType
    description: str = ""
    members: list[MemberEntry] = Field(default_factory=list)


class AppEntry(_FileModel):
    """A template app deployed to the tenant."""

    template: str = Field(description='"NAME@VERSION" to pin a release, "NAME" for the newest.')
    name: str | None = Field(None, description="App name; the template's display name if omitted.")
    space: str = Field(description="Shared space the app is imported into and reloaded in.")
    publish_to: str | None = Field(None, description="Managed space the app is published to.")
    reload: ReloadEntry | None = None


class TenantFile(_FileModel):
    """desired/tenants/NAME.yaml: one customer tenant."""

    tenant: TenantHeader
    wave: str | None = Field(
        None, description="Rollout wave, one of fleet.yaml's rollout.waves; the last if omitted."
    )
    freeze_until: str | None = Field(
        None,
        description='Hold every change of this tenant until this date, "2026-12-24" (UTC), or '
        "an ISO 8601 time with an offset.",
    )
    prune: TenantPruneEntry | None = Field(
        None, description="This tenant's pruning decisions beyond fleet.yaml's `prune`."
    )
    decommission: DecommissionEntry | None = Field(
        None,
        description="Offboard this customer: deactivate the tenant (Qlik purges it after "
        "purge_after_days); removing the block before then reactivates it.",
    )
    adopt_unmarked: bool = Field(
        False,
        strict=True,
        description="Take over what this file describes that exists in the tenant without "
        "qlikreconcile's ownership marker (spaces, connections, apps, published apps, "
        "schedules): planned as `adopt`, marked by apply, never recreated. Without it such "
        "resources are left alone.",
    )
    variables: dict[str, Any] = Field(
        default_factory=dict, description="Template variables; override fleet defaults."
    )
    spaces: list[SpaceEntry] = Field(default_factory=list)
    connections: list[ConnectionEntry] = Field(default_factory=list)
    apps: list[AppEntry] = Field(default_factory=list)
