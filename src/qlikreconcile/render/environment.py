"""The jinja2 environment every renderer shares, with the filters plans need."""

from __future__ import annotations

import difflib
import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from qlikreconcile.engine.plan import Operation


def show_value(value: Any) -> str:
    """A field value as a reviewer reads it: JSON for data, the text for strings."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def unified(before: str | None, after: str | None, name: str = "script") -> list[str]:
    """A unified diff of two texts, as lines without trailing newlines."""
    lines = difflib.unified_diff(
        (before or "").splitlines(),
        (after or "").splitlines(),
        fromfile=f"{name} (actual)",
        tofile=f"{name} (desired)",
        lineterm="",
        n=2,
    )
    return list(lines)


def label(op: Operation) -> str:
    """What an operation acts on, as read after its action: "space Acme build", "sales"."""
    kind = op.key.kind.replace("_", " ")
    return op.key.name if kind == op.action.value else f"{kind} {op.key.name}"


def line_count(text: str | None) -> int:
    return len((text or "").splitlines())


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("qlikreconcile.render", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["show"] = show_value
    env.filters["unified"] = unified
    env.filters["line_count"] = line_count
    env.filters["label"] = label
    return env
