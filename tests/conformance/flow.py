"""The whole scripted run (OEM flow plus errors) and its validation against the OpenAPI data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.conformance.differences import Entry, check
from tests.conformance.flow_apps import apps
from tests.conformance.flow_data import connections, schedules
from tests.conformance.flow_identity import identity, oauth
from tests.conformance.flow_spaces import spaces
from tests.conformance.flow_tenants import tenant_lifecycle
from tests.conformance.openapi import ambiguous, response_schema_names
from tests.conformance.target import Run, Target

# Deliberately not Qlik paths: the emulator must answer them with Qlik-shaped 404/405 bodies.
PROBES = {("GET", "/api/v1/nothing-here"), ("DELETE", "/api/v1/spaces")}


async def scripted_run(target: Target) -> Run:
    run = Run(target)
    try:
        await oauth(run)
        ident = await identity(run)
        if not target.live:
            await tenant_lifecycle(run)
        made = await spaces(run, ident.get("group", {}).get("id"))
        ids = await apps(run, made, str(ident.get("user", {}).get("id", "")))
        await connections(run, made["shared"]["id"])
        await schedules(run, ids["app"])
        async with await run.authed() as c:
            run.expect(await c.delete(f"/api/v1/spaces/{made['shared']['id']}"), 412)
            probe = await c.get("/api/v1/nothing-here")
            if probe.status_code != 404 or "errors" not in probe.json():
                run.problems.append("unknown route: not a Qlik 404 body")
            group_id = ident.get("group", {}).get("id")
            if group_id:
                run.expect(await c.delete(f"/api/v1/groups/{group_id}"), 204)
            wrong_method = await c.delete("/api/v1/spaces")
            if wrong_method.status_code != 405:
                run.problems.append("DELETE /api/v1/spaces: not 405")
    finally:
        await run.run_cleanup()
    return run


@dataclass
class Validation:
    """The outcome of validating every recorded response."""

    validated: int = 0
    endpoints: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    used: set[Entry] = field(default_factory=set)
    undeclared: Counter[str] = field(default_factory=Counter)
    ambiguous: dict[str, set[str]] = field(default_factory=dict)


def validate_run(run: Run) -> Validation:
    out = Validation()
    for rec in run.records:
        if (rec.method, rec.path) in PROBES:
            continue
        key = rec.key
        if key is not None:
            out.endpoints.add((rec.method, key))
            names = ambiguous(response_schema_names(key, rec.method, str(rec.status)))
            if names:
                out.ambiguous.setdefault(f"{rec.method} {key}", set()).update(names)
        out.validated += 1
        checked = check(rec)
        out.problems.extend(checked.problems)
        out.used.update(checked.used)
        if checked.undeclared:
            out.undeclared[f"{rec.method} {key} {rec.status}"] += 1
    return out
