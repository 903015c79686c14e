"""Pydantic models of the desired state, as validated from `desired/`.

These are the *validated, rendered* shapes the rest of qlikreconcile consumes: every jinja2 value
has been rendered, every `{env: NAME}` is a :class:`SecretRef`, every template reference resolved.
All models are frozen and reject unknown keys, so a typo in YAML is an error, never ignored.

The on-disk format these come from is documented in `docs/spec.md`.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

REGIONS: dict[str, str] = {
    "us": "us-east-1",
    "eu": "eu-west-1",
    "de": "eu-central-1",
    "uk": "eu-west-2",
    "fr": "eu-west-3",
    "jp": "ap-northeast-1",
    "sg": "ap-southeast-1",
    "ap": "ap-southeast-2",
    "in": "ap-south-1",
    "il": "il-central-1",
    "ae": "me-central-1",
}
"""Region codes used in Qlik Cloud host names, with the AWS region each one runs in."""

HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
)
TENANT_NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
SPACE_NAME_RE = re.compile(r'^[^"*?<>/|\\:]{1,256}$')

Region = Literal["us", "eu", "de", "uk", "fr", "jp", "sg", "ap", "in", "il", "ae"]
SpaceType = Literal["shared", "managed", "data"]
Name = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SecretRef(_Frozen):
    """A reference to a secret held in an environment variable, written `{env: NAME}` in YAML.

    Only the variable *name* lives in the desired state; the value is read at apply time
    (see `spec.secrets`) into a `pydantic.SecretStr` and never rendered.
    """

    env: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class SourceTenant(_Frozen):
    """The vendor's source tenant, where template apps are built and releases exported from."""

    hostname: str
    region: Region


class TargetSettings(_Frozen):
    """Default target of this fleet when neither `--target` nor `QLIKRECONCILE_TARGET` is given."""

    default: str = "emulator"
    emulator_state: str = ".qlikreconcile/emulator-state.json"
    api_version: str | None = None  # qlik-api-version to send; None: the client's pinned one


RELOAD_MAX_CONCURRENT = 8
"""Default fleet-wide reload cap: see docs/spec.md (`defaults.reload.max_concurrent`)."""


RELOAD_RETRIES = 3
"""Default of `defaults.reload.retries`: retries of a reload that failed outside its script."""
RELOAD_RETRY_DELAY = 30
"""Default of `defaults.reload.retry_delay`, in seconds (doubled for each next retry)."""


class ReloadPolicy(_Frozen):
    """When an app's data is refreshed, beyond the reload after every content change."""

    schedule: str | None = None  # one RRULE line, e.g. "RRULE:FREQ=DAILY;BYHOUR=2"
    timezone: str = "UTC"
    max_age: str | None = None  # a duration like "26h" or "3d"


class Release(_Frozen):
    """One exported release of a template app: the artifact under the template's folder."""

    version: int = Field(ge=1)
    artifact: str  # path relative to the template folder
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    created: str | None = None
    source_app_id: str | None = None  # recorded for audit; never used for lookups


class DataCheck(_Frozen):
    """One data check of a template's health gate, read from the app's data model metadata.

    ``table`` alone: the table exists; with ``min_rows``/``max_rows``: its row count is within
    the bounds. ``field``: the field exists (in ``table`` when given). Names are exact.
    """

    table: str | None = None
    field: str | None = None
    min_rows: int | None = None
    max_rows: int | None = None


class Template(_Frozen):
    """A template app: its source in the source tenant, its releases and load-script template."""

    name: str  # folder name under desired/templates/, the key tenants refer to
    display_name: Name
    source_space: Name  # the space in the source tenant that holds the source app
    source_app: Name  # the source app's name in that space
    script: str  # file name of the jinja2 load-script template, relative to the template folder
    required_variables: tuple[str, ...] = ()  # variables every tenant using it must define
    releases: tuple[Release, ...] = ()
    checks: tuple[DataCheck, ...] = ()  # the health gate every reload must pass to be published
    folder: Path = Field(exclude=True)
    script_text: str = Field(exclude=True, repr=False)

    def release(self, version: int) -> Release | None:
        return next((r for r in self.releases if r.version == version), None)

    @property
    def latest(self) -> Release | None:
        return max(self.releases, key=lambda r: r.version, default=None)


class Member(_Frozen):
    """A role assignment on a space, to a group by name."""

    group: Name
    roles: tuple[str, ...]


class Space(_Frozen):
    name: Annotated[str, StringConstraints(pattern=SPACE_NAME_RE.pattern)]
    type: SpaceType
    description: str = ""
    members: tuple[Member, ...] = ()


class Connection(_Frozen):
    """A data connection in one of the tenant's spaces; credentials only as secret references."""

    name: Name
    space: Name
    type: str  # datasourceID, e.g. "postgres", "snowflake", "rest"
    connect: str  # the provider's connection string (rendered)
    username: str | None = None
    password: SecretRef | None = None


def script_header(template: str, release: int) -> str:
    """The first line of every load script qlikreconcile sets (one line, ending in a newline;
    :mod:`qlikreconcile.qlik.ownership` recognises it in a tenant)."""
    return (
        f"// Managed by qlikreconcile: template {template}, release {release}. "
        "Edits made in the tenant are overwritten by the next apply.\n"
    )


class App(_Frozen):
    """One template app deployed to the tenant at a pinned release."""

    template: str
    release: int
    name: Name  # app name in the tenant (defaults to the template's display name)
    space: Name  # the shared build space the app is imported into
    publish_to: Name | None = None  # a managed space to publish to
    text: str = Field(repr=False)
    """The load script as set in the tenant: :func:`script_header`, then the rendered template.
    The one copy of it a plan holds: the desired script, what discovery expects and the script
    it reads back as ours are all this string (three copies took 47 MiB at 5,000 tenants)."""
    reload: ReloadPolicy = ReloadPolicy()
    pinned: bool = True  # False when the spec follows the newest release (`template: sales`)

    @property
    def script(self) -> str:
        """The rendered load script for this tenant, without qlikreconcile's header (a copy)."""
        return self.text.partition("\n")[2]


class Tenant(_Frozen):
    """One customer tenant, from `desired/tenants/NAME.yaml`."""

    name: Annotated[str, StringConstraints(pattern=TENANT_NAME_RE.pattern)]
    region: Region
    hostname: str
    file: str  # the YAML file it came from, relative to the desired/ folder's parent
    id: str | None = None  # an existing tenant to take over instead of creating one
    wave: str | None = None  # rollout wave (e.g. "canary"); None = the fleet's last wave
    freeze_until: datetime | None = None  # every change held until then (aware, UTC)
    prune_published_with_sheets: bool = False  # prune published copies customers' sheets live in
    adopt_unmarked: bool = False  # take over described resources that lack our marker
    decommission_purge_days: int | None = None  # decommissioned: deactivate, purge after N days
    decommission_at: str = ""  # where `decommission` is written (file:line:col)
    decommission_export_to: str | None = None  # archive published apps there first
    freeze_at: str | None = Field(default=None, exclude=True)
    """Where `freeze_until` is written (file:line:col), to say why the tenant is held."""
    spaces: tuple[Space, ...] = ()
    connections: tuple[Connection, ...] = ()
    apps: tuple[App, ...] = ()


DEFAULT_WAVE = "main"
"""The one wave of a fleet whose fleet.yaml declares no `rollout.waves`."""


class GuardThreshold(_Frozen):
    """One `rollout.guard` entry as written; None keeps qlikreconcile's default figure."""

    share: float | None = None  # percent
    count: int | None = None


class Rollout(_Frozen):
    """`rollout:` of fleet.yaml, validated."""

    waves: tuple[str, ...] = (DEFAULT_WAVE,)
    max_failures: str = "0"  # "N" or "P%"
    guard: dict[str, GuardThreshold] = Field(default_factory=dict)


class DesiredFleet(_Frozen):
    """The whole validated desired state."""

    root: Path = Field(exclude=True)  # the desired/ folder
    name: str
    source: SourceTenant
    target: TargetSettings = TargetSettings()
    regions: tuple[Region, ...] = ()  # regions tenants may be in; empty = every known region
    templates: dict[str, Template]
    tenants: tuple[Tenant, ...]
    rollout: Rollout = Rollout()
    reload_max_concurrent: int = Field(default=RELOAD_MAX_CONCURRENT, ge=1)
    spec_tenants: tuple[str, ...] = ()
    """Every tenant the spec names, kept when targeting narrows ``tenants`` (empty: not
    narrowed): a tenant is removed from the spec only when it is not among these."""
    shard: tuple[int, int] | None = None
    """``(I, N)`` when narrowed to shard I of N (``--shard``)."""
    prune: frozenset[str] = frozenset()
    """fleet.yaml ``prune`` keys switched on (``apps``, ``published_apps``, ``schedules``,
    ``connections``): owned objects of those kinds no longer in the spec are deleted."""
    delete_duplicate_published: bool = False
    """``duplicates.published_apps: delete_without_sheets``: a second published copy without
    community sheets is deleted instead of only reported."""
    """`defaults.reload.max_concurrent`: most reloads apply runs at once across the fleet."""
    reload_retries: int = Field(default=RELOAD_RETRIES, ge=0)
    """`defaults.reload.retries`: retries of a reload that failed outside its script."""
    reload_retry_delay: int = Field(default=RELOAD_RETRY_DELAY, ge=1)
    """`defaults.reload.retry_delay` in seconds: the wait before the first retry."""
    warnings: tuple[str, ...] = Field(default=(), exclude=True)
    """What is valid but probably not meant, as ``file:line:col: message (fix: ...)``."""
