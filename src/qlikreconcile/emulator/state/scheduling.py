"""Scheduling tasks (``/api/scheduling/tasks``): the stored shape of a time-scheduled app reload.

Qlik's scheduler stores a Serverless-Workflow document per task; the emulator keeps only what a
time-scheduled reload needs (the recurrence, the app, enabled/disabled and why, the runs) and
renders the full ``Task`` document from it (``api/scheduling_render``); its changes live in
:mod:`.scheduling_tasks`. Runs start real reloads through the emulator's reload lifecycle, so
``runs/last`` reports what actually happened.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

RunStatus = Literal["RUNNING", "SUCCEEDED", "FAILED"]

MAX_TASKS_PER_APP = 10
"""422 ``CHO-014`` above this (qlik-scheduling-tasks.md §4, from the Tasks API changelog)."""

CONSECUTIVE_FAILURE_LIMIT = 5
"""Failed runs in a row after which Qlik disables a task with ``CONSECUTIVE-FAILURES`` (the
legacy reload task's log text says "exceeded limit of 5 consecutive reload failures")."""

RUNS_KEPT = 20


class TaskRun(BaseModel):
    """One run of a task: the reload it started and, once settled, how it ended."""

    id: str
    reload_id: str
    triggered_by: str
    executed_as: str
    started_at: float
    status: RunStatus = "RUNNING"
    ended_at: float | None = None


class SchedulingTask(BaseModel):
    id: str
    name: str
    description: str = ""
    app_id: str
    owner_id: str
    enabled: bool = False
    disabled_code: str | None = None
    recurrence: str
    timezone: str = "UTC"
    start: str = ""
    end: str = ""
    created_at: float
    updated_at: float
    migrated_from: str | None = None
    runs: list[TaskRun] = Field(default_factory=list)
    """Newest last, at most :data:`RUNS_KEPT`."""

    def consecutive_failures(self) -> int:
        count = 0
        for run in reversed(self.runs):
            if run.status != "FAILED":
                break
            count += 1
        return count
