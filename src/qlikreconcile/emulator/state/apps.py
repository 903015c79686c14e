"""State of apps and everything they carry: sheets, script versions, data model, reloads.

Plain pydantic models with epoch-second timestamps; their changes live in :mod:`.app_changes`,
:mod:`.reloads` and :mod:`.reload_lifecycle`, rendering to Qlik payloads in ``api/render_apps``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SheetType = Literal["base", "community", "private"]
ReloadStatus = Literal[
    "QUEUED", "RELOADING", "CANCELING", "SUCCEEDED", "FAILED", "CANCELED", "EXCEEDED_LIMIT"
]
ACTIVE_RELOAD_STATUSES: frozenset[str] = frozenset({"QUEUED", "RELOADING", "CANCELING"})


class Sheet(BaseModel):
    """A sheet: base sheets ship with the app (approved); users add community/private ones."""

    id: str
    title: str
    type: SheetType
    owner_id: str
    approved: bool
    published_at: float | None = None
    created_at: float


class ScriptVersion(BaseModel):
    id: str
    script: str
    version_message: str = ""
    modified_at: float
    modifier_id: str


class TableModel(BaseModel):
    name: str
    rows: int
    fields: list[str]


class DataModel(BaseModel):
    """What a successful reload leaves behind; rendered as DataModelMetadata."""

    tables: list[TableModel] = Field(default_factory=list)


class App(BaseModel):
    id: str
    item_id: str
    name: str
    description: str = ""
    space_id: str | None = None
    owner_id: str
    created_at: float
    modified_at: float
    last_reload_at: float | None = None
    origin_app_id: str | None = None
    publish_time: float | None = None
    usage: str = "ANALYTICS"
    # Oldest first; the last entry is the current script.
    scripts: list[ScriptVersion] = Field(default_factory=list)
    sheets: list[Sheet] = Field(default_factory=list)
    data_model: DataModel | None = None

    def current_script(self) -> str:
        return self.scripts[-1].script if self.scripts else ""


class Reload(BaseModel):
    """A reload whose status is computed from the clock; the outcome is fixed at creation."""

    id: str
    app_id: str
    tenant_id: str
    user_id: str
    partial: bool = False
    created_at: float
    queue_seconds: float
    run_seconds: float
    outcome: Literal["SUCCEEDED", "FAILED"]
    log: str
    error_code: str | None = None
    error_message: str | None = None
    data_model: DataModel | None = None
    canceled_at: float | None = None
    cancel_seconds: float = 0.0
    # Set once the terminal status has been applied to the app (see reload_lifecycle).
    final_status: ReloadStatus | None = None
    final_end_at: float | None = None

    @property
    def start_at(self) -> float:
        return self.created_at + self.queue_seconds

    @property
    def end_at(self) -> float:
        return self.start_at + self.run_seconds


class ReloadTask(BaseModel):
    """A scheduled reload (``/reload-tasks``). Stored as sent; the schedule is not executed."""

    id: str
    app_id: str
    user_id: str
    partial: bool = False
    time_zone: str = ""
    recurrence: list[str] = Field(default_factory=list)
    start: str = ""
    end: str = ""
    auto_reload: bool = False
    auto_reload_partial: bool = False
    state: Literal["Enabled", "Disabled", "Completed"] = "Enabled"
    disabled_code: str | None = None
    migrated: bool = False
    """Moved to the scheduling service by Qlik: PUT and DELETE answer 400 ``TASKS-001``."""
    created_at: float
    updated_at: float
