"""Saved plans: the plan document written by `plan --out` and read by `apply FILE` and `show`.

The document is the plan's canonical content plus its checksum and a creation time (which the
checksum excludes). Loading checks the format version and the checksum, so a plan edited by hand
or cut short is refused instead of half-applied. The format is documented in docs/plan-format.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.plan import FORMAT_VERSION, FieldChange, Held, Operation, Plan
from qlikreconcile.engine.rollout import Rollout
from qlikreconcile.errors import PlanError


def plan_document(plan: Plan, *, created_at: datetime | None = None) -> dict[str, Any]:
    """The JSON document of a plan: canonical content, checksum and creation time."""
    document = plan.canonical()
    document["checksum"] = plan.checksum
    when = created_at or datetime.now(UTC)
    document["created_at"] = when.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return document


def dumps(plan: Plan, *, created_at: datetime | None = None) -> str:
    return json.dumps(plan_document(plan, created_at=created_at), indent=2, sort_keys=True) + "\n"


def save(plan: Plan, path: Path) -> None:
    path.write_text(dumps(plan), encoding="utf-8")


def load(path: Path) -> Plan:
    """Read a saved plan, refusing a wrong version, a broken document or a wrong checksum."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanError(f"{path}: not a plan file ({exc})") from None
    return from_document(document, source=str(path))


def from_document(document: Any, *, source: str = "plan") -> Plan:
    if not isinstance(document, dict):
        raise PlanError(f"{source}: not a plan document (expected a JSON object)")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanError(
            f"{source}: plan format_version {version!r} is not supported (this qlikreconcile "
            f"reads version {FORMAT_VERSION}); make the plan again with this version"
        )
    try:
        tenants = document["tenants"]
        plan = Plan(
            target=str(document["target"]),
            operations=tuple(
                _operation(t["name"], o) for t in tenants for o in t.get("operations", [])
            ),
            warnings=tuple(str(w) for w in document.get("warnings", [])),
            tenants=tuple(str(t["name"]) for t in tenants),
            revision=document.get("revision"),
            observed={str(k): str(v) for k, v in document.get("observed", {}).items()},
            context=dict(document.get("context", {})),
            divergences=tuple(str(d) for d in document.get("divergences", [])),
            unread=tuple(str(t) for t in document.get("unread", [])),
            rollout=Rollout.from_dict(document["rollout"]) if "rollout" in document else None,
            held=tuple(
                Held(str(h["tenant"]), str(h["reason"]), int(h.get("operations", 0)))
                for h in document.get("held", [])
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(f"{source}: the plan document is incomplete or malformed ({exc})") from None
    if document.get("checksum") != plan.checksum:
        raise PlanError(
            f"{source}: checksum mismatch: the plan was changed after it was made; "
            "make a new plan instead of editing one"
        )
    return plan


def _operation(tenant: str, data: Mapping[str, Any]) -> Operation:
    return Operation(
        key=ResourceKey(str(tenant), str(data["kind"]), str(data["name"])),
        action=Action(data["action"]),
        reason=str(data["reason"]),
        changes=tuple(
            FieldChange(
                path=str(c["path"]),
                before=c.get("before"),
                after=c.get("after"),
                sensitive=bool(c.get("sensitive", False)),
                text=bool(c.get("text", False)),
            )
            for c in data.get("changes", [])
        ),
        depends_on=tuple(str(d) for d in data.get("depends_on", [])),
        desired=dict(data.get("desired", {})),
        inputs=dict(data.get("inputs", {})),
        ident=data.get("ident"),
        drift=bool(data.get("drift", False)),
        gates=tuple(str(g) for g in data.get("gates", [])),
        then=Action(data["then"]) if data.get("then") else None,
    )
