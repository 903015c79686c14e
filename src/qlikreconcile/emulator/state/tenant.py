"""State of a tenant: identity, users, groups, spaces, assignments, connections, apps, reloads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from qlikreconcile.emulator.state.apps import App, Reload, ReloadTask
from qlikreconcile.emulator.state.scheduling import SchedulingTask

TenantStatus = Literal["active", "disabled", "deleted"]
SpaceType = Literal["shared", "managed", "data"]


class User(BaseModel):
    id: str
    name: str
    subject: str
    email: str = ""
    status: str = "active"
    roles: list[str] = Field(default_factory=list)
    created_at: float
    client_id: str | None = None


class Group(BaseModel):
    id: str
    name: str
    status: str = "active"
    roles: list[str] = Field(default_factory=list)
    created_at: float
    updated_at: float


class Space(BaseModel):
    id: str
    name: str
    type: SpaceType
    description: str = ""
    owner_id: str
    created_at: float
    created_by: str
    updated_at: float


class Assignment(BaseModel):
    id: str
    space_id: str
    type: str
    assignee_id: str
    roles: list[str]
    created_at: float
    created_by: str
    updated_at: float
    updated_by: str


class Connection(BaseModel):
    id: str
    name: str
    connect_statement: str
    type: str
    datasource_id: str
    space_id: str | None = None
    username: str | None = None
    # Write-only on the API: never rendered.
    password: str | None = None
    connection_secret: str | None = None
    log_on: str = "1"
    architecture: int = 0
    separate_credentials: bool = False
    credentials_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    user_id: str
    created_at: float
    updated_at: float


class Tenant(BaseModel):
    id: str
    name: str
    hostnames: list[str]
    status: TenantStatus = "active"
    datacenter: str
    region: str
    created_at: float
    updated_at: float
    status_updated_at: float
    created_by_user: str
    license_number: str
    settings: dict[str, bool] = Field(default_factory=dict)
    estimated_purge_at: float | None = None
    users: dict[str, User] = Field(default_factory=dict)
    groups: dict[str, Group] = Field(default_factory=dict)
    spaces: dict[str, Space] = Field(default_factory=dict)
    assignments: dict[str, Assignment] = Field(default_factory=dict)
    connections: dict[str, Connection] = Field(default_factory=dict)
    data_source_passwords: dict[str, str] = Field(default_factory=dict)
    """Emulated databases behind connections: connection name -> the password the database
    accepts (set by a test through the admin API). A reload through a connection holding another
    password fails to log in; a name not listed accepts any password."""
    apps: dict[str, App] = Field(default_factory=dict)
    reloads: dict[str, Reload] = Field(default_factory=dict)
    reload_tasks: dict[str, ReloadTask] = Field(default_factory=dict)
    scheduling_tasks: dict[str, SchedulingTask] = Field(default_factory=dict)

    def space_by_name(self, name: str) -> Space | None:
        return next((s for s in self.spaces.values() if s.name == name), None)
