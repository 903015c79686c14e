"""The plan as a JSON document (`--output json`, `plan --out`): see docs/plan-format.md."""

from __future__ import annotations

from datetime import datetime

from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.plan_file import dumps


def render_json(plan: Plan, *, created_at: datetime | None = None) -> str:
    return dumps(plan, created_at=created_at)
