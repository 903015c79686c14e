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
from dataclasses import asdict
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

    @classmethod
    def of(cls, fleet: DesiredFleet, refs: list[TenantRef]) -> PlanContext:
        return cls(
            version=CONTEXT_VERSION,
            source_host=fleet.source.hostname,
            reload_max_concurrent=fleet.reload_max_concurrent,
            reload_retries=fleet.reload_retries,
            reload_retry_delay=fleet.reload_retry_delay,
            tenants={
                ref.name: TenantContext(
                    host=ref.host,
                    apps=tuple(
                        AppContext(**{k: v for k, v in asdict(a).items() if k != "script"})
                        for a in ref.apps
                    ),
                    members=dict(ref.members),
                    region=ref.region,
                    file=ref.file,
                    adopt_id=ref.adopt_id,
                    prune_published=ref.prune_published,
                    adopt_unmarked=ref.adopt_unmarked,
                )
                for ref in refs
            },
        )

    def document(self) -> dict[str, Any]:
        """The JSON object stored in the plan (lists, not tuples, so a saved plan reads back
        equal)."""
        return self.model_dump(mode="json")

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
