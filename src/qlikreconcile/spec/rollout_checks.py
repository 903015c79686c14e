"""`rollout:` of fleet.yaml and `wave:` / `freeze_until:` of tenant files: their checks.

Waves are named like tenants (lower case, digits, ``-``, ``_``) and listed once each; the failure
budget is a whole number of tenants or a percentage; guard shares are percentages. A tenant's
wave must be one the fleet declares (so a typo never silently moves a tenant into the last
wave), and a freeze date must be a date or a time with an offset. The semantics live in
docs/rollouts.md; applying them is the engine's business (`engine.rollout`, `engine.waves`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from qlikreconcile.errors import Problem, SourcePosition
from qlikreconcile.spec.desired_state import DEFAULT_WAVE, GuardThreshold, Rollout
from qlikreconcile.spec.file_formats import RolloutEntry
from qlikreconcile.spec.positioned_yaml import PosDict, locate

WAVE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
BUDGET_RE = re.compile(r"^\s*\d+\s*%?\s*$")
SHARE_RE = re.compile(r"^\s*\d+(\.\d+)?\s*%?\s*$")


def check_rollout(
    entry: RolloutEntry, doc: PosDict, top: SourcePosition
) -> tuple[Rollout, list[Problem]]:
    """The validated rollout of fleet.yaml, and every problem in it."""
    problems: list[Problem] = []

    def at(path: tuple[str | int, ...], message: str, fix: str) -> None:
        problems.append(Problem(locate(doc, ("rollout", *path)) or top, message, fix))

    waves = entry.waves if entry.waves is not None else [DEFAULT_WAVE]
    if not waves:
        at(("waves",), "rollout.waves is empty", "name at least one wave, or leave waves out")
    seen: set[str] = set()
    for index, name in enumerate(waves):
        if not WAVE_NAME_RE.match(name):
            at(("waves", index), f"wave name '{name}' is not valid", "use a-z, 0-9, - and _")
        elif name in seen:
            at(("waves", index), f"wave '{name}' is listed twice", "list each wave once")
        seen.add(name)
    budget = str(entry.max_failures)
    if not BUDGET_RE.match(budget) or (budget.strip().endswith("%") and int(budget[:-1]) > 100):
        at(
            ("max_failures",),
            f"max_failures '{budget}' is not a failure budget",
            "write a number of tenants (2) or a share of the wave (10%)",
        )
    guard: dict[str, GuardThreshold] = {}
    for kind in ("republish", "replace", "delete"):
        threshold = getattr(entry.guard, kind)
        if threshold is None:
            continue
        share = None
        if threshold.share is not None:
            text = str(threshold.share)
            if SHARE_RE.match(text) and float(text.strip().rstrip("%")) <= 100:
                share = float(text.strip().rstrip("%"))
            else:
                at(
                    ("guard", kind, "share"),
                    f"guard.{kind}.share '{text}' is not a share of the fleet",
                    "write a percentage from 0% to 100%, e.g. 50%",
                )
        guard[kind] = GuardThreshold(share=share, count=threshold.count)
    rollout = Rollout(
        waves=tuple(dict.fromkeys(waves)) or (DEFAULT_WAVE,),
        max_failures=budget.replace(" ", ""),
        guard=guard,
    )
    return rollout, problems


def check_wave(wave: str, waves: tuple[str, ...]) -> str | None:
    if wave in waves:
        return None
    return f"wave '{wave}' is not one of the fleet's waves ({', '.join(waves)})"


def parse_freeze(text: str) -> datetime | None:
    """``2026-12-24`` (midnight UTC) or an ISO 8601 time with an offset; None if neither."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None
