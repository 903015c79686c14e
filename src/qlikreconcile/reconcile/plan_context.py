"""What a plan carries for applying it later besides the spec: the typed, versioned context.

A saved plan is applied without the spec (``apply plan.json``), so the plan document holds what
applying needs: the source tenant, the fleet-wide reload settings, and per tenant its host, spec
file, the tenant it takes over and what discovery expects of its apps (so the re-read before the
apply recognises the same resources). Never a secret, never a load script (a saved plan's
tenants are re-read with a call for each).

The engine stores the context as an opaque mapping; this module is the one place that writes and
reads it. ``version`` changes whenever a field changes meaning or a required field is added; a
plan whose context does not validate is refused with the reason and the fix (plan again).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qlikreconcile.engine.plan import Plan
from qlikreconcile.errors import PlanError
from qlikreconcile.qlik.kinds.base import ReloadRetry
from qlikreconcile.qlik.refs import AppRef, TenantRef
from qlikreconcile.spec.desired_state import DesiredFleet

CONTEXT_VERSION: Literal[1] = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AppContext(_Frozen):
    """What discovery expects of one app (:class:`~qlikreconcile.qlik.discover_apps.AppRef`
    without its script)."""

    template: str
    name: str
    space: str
    publish_to: str | None = None
    max_age_seconds: int | None = None
    scheduled: bool = False
    delete_duplicates: bool = False
    checks: tuple[dict[str, Any], ...] = ()
    release: int | None = None
    """Set only where the tenant adopts unmarked resources (with ``digest`` and ``content``)."""
    digest: str | None = None
    content: str | None = None

    def ref(self) -> AppRef:
        return AppRef(**self.model_dump())


class TenantContext(_Frozen):
    """One tenant of the plan: where it lives and what reading it expects."""

    host: str
    apps: tuple[AppContext, ...] = ()
    members: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    region: str = ""
    file: str = ""
    adopt_id: str | None = None
    prune_published: str | None = None
    adopt_unmarked: bool = False


class PlanContext(_Frozen):
    """The ``context`` object of a plan document (docs/plan-format.md)."""

    version: Literal[1]
    source_host: str
    reload_max_concurrent: int = Field(ge=1)
    reload_retries: int = Field(ge=0)
    reload_retry_delay: int = Field(ge=1)
    tenants: dict[str, TenantContext] = Field(default_factory=dict)

    def refs(self) -> list[TenantRef]:
        """The tenants to re-read, as discovery takes them."""
        return [
            TenantRef(
                name,
                info.host,
                tuple(a.ref() for a in info.apps),
                dict(info.members),
                region=info.region,
                file=info.file,
                adopt_id=info.adopt_id,
                prune_published=info.prune_published,
                adopt_unmarked=info.adopt_unmarked,
            )
            for name, info in sorted(self.tenants.items())
        ]

    def hosts(self) -> dict[str, str]:
        return {name: info.host for name, info in self.tenants.items()}

    def reload_retry(self) -> ReloadRetry:
        """How the plan's reloads are retried after a failure outside their script."""
        return ReloadRetry(retries=self.reload_retries, delay=float(self.reload_retry_delay))


def context_document(fleet: DesiredFleet, refs: list[TenantRef]) -> dict[str, Any]:
    """The fleet's :class:`PlanContext` as the JSON object a plan stores (lists, not tuples, so
    a saved plan reads back equal), written directly: validating a model of every tenant only
    to dump it again held about 25 MiB more at the peak of a 5,000-tenant plan, and the dump copied
    every app's data checks (the refs' own are shared here). ``parse_context`` of it is the
    model (tests/reconcile/test_plan_context.py)."""
    return {
        "version": CONTEXT_VERSION,
        "source_host": fleet.source.hostname,
        "reload_max_concurrent": fleet.reload_max_concurrent,
        "reload_retries": fleet.reload_retries,
        "reload_retry_delay": fleet.reload_retry_delay,
        "tenants": {ref.name: _tenant_document(ref) for ref in refs},
    }


def _tenant_document(ref: TenantRef) -> dict[str, Any]:
    return {
        "host": ref.host,
        "apps": [
            {name: list(v) if isinstance(v := getattr(a, name), tuple) else v for name in _APP}
            for a in ref.apps
        ],
        "members": {space: list(groups) for space, groups in ref.members.items()},
        "region": ref.region,
        "file": ref.file,
        "adopt_id": ref.adopt_id,
        "prune_published": ref.prune_published,
        "adopt_unmarked": ref.adopt_unmarked,
    }


_APP = tuple(AppContext.model_fields)
"""An app's fields in the context, in the model's order (its ref's, without the script)."""


def context_of(plan: Plan) -> PlanContext:
    """The plan's context, validated; PlanError (with the fix) when it is not one this version
    of qlikreconcile wrote."""
    return parse_context(plan.context)


def parse_context(data: Mapping[str, Any]) -> PlanContext:
    try:
        return PlanContext.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "context"
        raise PlanError(
            f"the plan's context is not one this qlikreconcile reads (context.{where}: "
            f"{first['msg']}; context version {CONTEXT_VERSION} expected); make the plan again "
            "with this version"
        ) from None
