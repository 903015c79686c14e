"""The data checks of a template's health gate, judged on an app's data model metadata.

A check is a small mapping as written in ``template.yaml`` (only the keys set): ``{table,
min_rows?, max_rows?}`` for a table that must exist with a row count within bounds, ``{field,
table?}`` for a field that must exist (in that table). They are judged on ``GET
/api/v1/apps/{appId}/data/metadata`` (DataModelMetadata, qlik-cloud-api.md §4.5): ``tables[]``
with ``name`` and ``no_of_rows``, ``fields[]`` with ``name`` and ``src_tables``. Names are matched
exactly, as Qlik names tables and fields. An app without data answers the empty structure, so
every check of it fails, naming what it observed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from qlikreconcile.engine.gates import CheckResult
from qlikreconcile.qlik import ownership
from qlikreconcile.qlik.client import QlikClient

Check = Mapping[str, Any]
_SHOWN = 6


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def describe(check: Check) -> str:
    """The check in words: ``table Orders has at least 1 row``, ``field CustomerID exists``."""
    table, field = check.get("table"), check.get("field")
    if field is not None:
        return f"field {field} exists" + (f" in table {table}" if table is not None else "")
    low, high = check.get("min_rows"), check.get("max_rows")
    if low is not None and high is not None:
        return f"table {table} has {low} to {_rows(high)}"
    if low is not None:
        return f"table {table} has at least {_rows(low)}"
    if high is not None:
        return f"table {table} has at most {_rows(high)}"
    return f"table {table} exists"


def _names(items: Sequence[Mapping[str, Any]]) -> str:
    names = [str(i.get("name")) for i in items]
    shown = ", ".join(names[:_SHOWN]) + (
        f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    )
    return shown or "none"


def judge(check: Check, metadata: Mapping[str, Any]) -> CheckResult:
    """One check against the metadata, with the value observed."""
    tables = [t for t in metadata.get("tables") or [] if not t.get("is_system")]
    fields = [f for f in metadata.get("fields") or [] if not f.get("is_system")]
    what = describe(check)
    table_name, field_name = check.get("table"), check.get("field")
    if field_name is not None:
        found = next((f for f in fields if f.get("name") == field_name), None)
        if found is None:
            return CheckResult(what, False, f"no field {field_name} (fields: {_names(fields)})")
        sources = [str(s) for s in found.get("src_tables") or []]
        if table_name is not None and table_name not in sources:
            return CheckResult(
                what, False, f"field {field_name} in {', '.join(sources) or 'no table'}"
            )
        return CheckResult(what, True, f"field {field_name} in {', '.join(sources) or 'the model'}")
    table = next((t for t in tables if t.get("name") == table_name), None)
    if table is None:
        return CheckResult(what, False, f"no table {table_name} (tables: {_names(tables)})")
    rows = int(table.get("no_of_rows") or 0)
    low, high = check.get("min_rows"), check.get("max_rows")
    passed = (low is None or rows >= int(low)) and (high is None or rows <= int(high))
    return CheckResult(what, passed, _rows(rows))


def digest(checks: Sequence[Check]) -> str:
    """A short hash of the checks as written (a gate note names the checks a reload passed)."""
    text = json.dumps([dict(c) for c in checks], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def passed(
    description: str | None, reload: Mapping[str, Any] | None, checks: Sequence[Check]
) -> bool:
    """Whether the app's gate note (in its ``description``) says ``reload``'s data passed
    exactly these checks: then its data model need not be read again."""
    noted = ownership.parse_gate_note(description)
    return reload is not None and noted == (str(reload.get("id")), digest(checks))


async def gate(client: QlikClient, app_id: str, checks: Sequence[Check]) -> tuple[CheckResult, ...]:
    """Every check of ``checks`` judged on the app's current data model."""
    metadata = await client.get_json(f"/api/v1/apps/{app_id}/data/metadata")
    return tuple(judge(check, metadata or {}) for check in checks)


async def unhealthy(client: QlikClient, app_id: str, checks: Sequence[Check]) -> str | None:
    """The failed checks in words when the app's data fails its gate, else None.

    Discovery asks this of a build app whose last reload SUCCEEDED and is not noted as passed
    (:func:`passed`): failing data is planned for a reload again, so it is judged again before
    anything is republished from it.
    """
    results = await gate(client, app_id, checks)
    return None if all(r.passed for r in results) else failures(results)


def failures(results: Sequence[CheckResult]) -> str:
    """The failed checks in one line: ``table Orders has at least 1 row: observed 0 rows``."""
    return "; ".join(f"{r.check}: observed {r.observed}" for r in results if not r.passed)
