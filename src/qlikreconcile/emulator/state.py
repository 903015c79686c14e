"""The whole emulator state: tenants, issued tokens, temporary contents, fault settings.

One pydantic model, so persistence is ``model_dump_json`` / ``model_validate_json``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qlikreconcile.emulator.faults import normalise, path_shape
from qlikreconcile.emulator.state_tenant import Tenant

STATE_FORMAT_VERSION = 1


class TokenRecord(BaseModel):
    token: str
    host: str
    tenant_id: str | None
    user_id: str
    client_id: str
    expires_at: float
    scope: str


class TempContent(BaseModel):
    id: str
    host: str
    filename: str
    # base64 of the bytes; None once expired (the id stays to answer 410).
    data_b64: str | None
    created_at: float
    expires_at: float


class FaultConfig(BaseModel):
    """Fault injection settings (see :mod:`.faults`). Unknown keys are kept but ignored.

    Also accepts the ``--faults`` keys (``"429"``, ``"reload-fail"``, ``"latency": "20ms"``...).
    The request-level rates (reset, 429, 500, drop) are exclusive and add up to at most 1.
    """

    model_config = ConfigDict(extra="allow")

    reload_fail_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    reload_fail_apps: list[str] = Field(default_factory=list)
    reload_fail_times: dict[str, int] = Field(default_factory=dict)
    """For tests: the next N reloads of each app id fail (engine failures), later ones run."""
    latency_ms: int = Field(default=0, ge=0, le=60_000)
    http_429_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    http_500_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    drop_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    reset_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    slow_reload_seconds: float = Field(default=0.0, ge=0.0, le=3600.0)
    retry_after_seconds: int = Field(default=1, ge=0, le=3600)
    seed: int = 0
    once: dict[str, Literal["reset", "429", "500-before", "500-after", "drop"]] = Field(
        default_factory=dict
    )
    """Targeted faults for tests: ``{"POST /api/v1/spaces": "drop"}`` faults the first request
    of that method and path shape (ids as ``{id}``), once."""
    only: list[str] = Field(default_factory=list)
    """Request shapes (``"POST /api/v1/tenants"``) the reset/429/500/drop rates apply to; empty:
    all. A shape not written ``METHOD /path`` is rejected."""
    spare: list[str] = Field(default_factory=list)
    """Request shapes the reset/429/500/drop rates never apply to (checked after ``only``)."""

    @field_validator("only", "spare")
    @classmethod
    def _shapes(cls, value: list[str]) -> list[str]:
        out = []
        for shape in value:
            method, _, path = shape.strip().partition(" ")
            if not method.isalpha() or not path.startswith("/"):
                raise ValueError(f"{shape!r} is not 'METHOD /path' (ids written {{id}})")
            out.append(f"{method.upper()} {path_shape(path.strip())}")
        return out

    @model_validator(mode="before")
    @classmethod
    def _spec_keys(cls, data: Any) -> Any:
        return normalise(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _rates_add_up(self) -> FaultConfig:
        total = self.reset_rate + self.http_429_rate + self.http_500_rate + self.drop_rate
        if total > 1.0 + 1e-9:
            raise ValueError(f"reset + 429 + 500 + drop rates add up to {total:g}, more than 1")
        return self


class EmulatorState(BaseModel):
    format_version: int = STATE_FORMAT_VERSION
    seed: int = 0
    id_counter: int = 0
    tenants: dict[str, Tenant] = Field(default_factory=dict)
    tokens: dict[str, TokenRecord] = Field(default_factory=dict)
    temp_contents: dict[str, TempContent] = Field(default_factory=dict)
    # Register-host identity per OAuth client id (createdByUser of tenants it creates).
    register_users: dict[str, str] = Field(default_factory=dict)
    faults: FaultConfig = Field(default_factory=FaultConfig)
