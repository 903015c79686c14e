"""The whole emulator state: tenants, issued tokens, temporary contents, fault settings.

One pydantic model, so persistence is ``model_dump_json`` / ``model_validate_json``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from qlikreconcile.emulator.state.fault_config import FaultConfig
from qlikreconcile.emulator.state.tenant import Tenant

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
