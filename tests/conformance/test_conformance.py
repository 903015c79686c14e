"""Conformance: a scripted run through every endpoint, every response validated against Qlik's
OpenAPI data (``QLIKRECONCILE_OPENAPI`` or ``<repo>/../shared/qlik-openapi/``).

Runs against the emulator in-process by default. With ``QLIKRECONCILE_LIVE_HOST``,
``QLIKRECONCILE_LIVE_CLIENT_ID`` and ``QLIKRECONCILE_LIVE_CLIENT_SECRET`` set, the same run goes
to a real Qlik Cloud tenant (``pytest -m live tests/conformance``); otherwise that case is skipped.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from qlikreconcile.emulator.app import all_routes
from qlikreconcile.emulator.rate_limits import limit_for, tier_for
from tests.conformance.conftest import emulator_target
from tests.conformance.differences import DIFFERENCES, OVERRIDES, SUBSTITUTES
from tests.conformance.flow import Validation, scripted_run, validate_run
from tests.conformance.openapi import operation, route_key, skip_reason
from tests.conformance.target import LIVE_ENV, Run, live_settings, live_target

SKIP = skip_reason()
pytestmark = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")


def served_routes() -> set[tuple[str, str]]:
    """(method, route template) of every API route the emulator serves."""
    out = set()
    for route in all_routes():
        path = getattr(route, "path", "")
        if path.startswith("/_emulator"):
            continue
        for method in getattr(route, "methods", None) or set():
            if method != "HEAD":
                out.add((method, path))
    return out


def served_endpoints() -> set[tuple[str, str]]:
    """(method, spec key) of every API route the emulator serves."""
    return {(m, route_key(p)) for m, p in served_routes()}


@pytest.fixture(scope="module")
def emulator_run() -> tuple[Run, Validation]:
    run = asyncio.run(scripted_run(emulator_target()))
    return run, validate_run(run)


def _report(name: str, result: Validation, summary: list[str]) -> None:
    summary.append(
        f"{name}: {len(result.endpoints)} endpoints, {result.validated} responses validated, "
        f"{len(result.used)} documented differences used, "
        f"{sum(result.undeclared.values())} undeclared error responses with Qlik's error shape"
    )
    undeclared = ", ".join(sorted(result.undeclared))
    summary.append(f"  undeclared error statuses answered with Qlik's error shape: {undeclared}")
    by_schema: dict[str, int] = {}
    for names in result.ambiguous.values():
        for name in names:
            by_schema[name] = by_schema.get(name, 0) + 1
    listed = ", ".join(f"{name} ({n})" for name, n in sorted(by_schema.items()))
    summary.append(
        "  ambiguous schemas (name shared by several APIs in the merge; endpoints using it): "
        + listed
    )


def test_every_served_route_is_in_the_spec() -> None:
    missing = sorted(f"{m} {k}" for m, k in served_endpoints() if operation(k, m) is None)
    assert missing == []


def test_rate_limit_table_matches_x_qlik_tier() -> None:
    """The emulator's small tier table agrees with ``x-qlik-tier`` on every served endpoint."""
    wrong = []
    for method, route in sorted(served_routes()):
        op = operation(route_key(route), method) or {}
        declared = op.get("x-qlik-tier") or {}
        tier = tier_for(method, route)
        kind = "special" if tier.startswith("special:") else tier
        if (declared.get("tier"), int(declared.get("limit", -1))) != (kind, limit_for(tier)):
            wrong.append(f"{method} {route}: spec {declared}, emulator {kind}/{limit_for(tier)}")
    assert wrong == []


def test_emulator_run_conforms(emulator_run: tuple[Run, Validation], summary: list[str]) -> None:
    run, result = emulator_run
    _report("emulator", result, summary)
    assert run.problems == [], "\n".join(run.problems)
    assert result.problems == [], "\n".join(result.problems)


def test_every_served_endpoint_is_exercised(emulator_run: tuple[Run, Validation]) -> None:
    _, result = emulator_run
    missing = sorted(f"{m} {k}" for m, k in served_endpoints() - result.endpoints)
    assert missing == []


def test_every_documented_difference_is_still_needed(
    emulator_run: tuple[Run, Validation],
) -> None:
    _, result = emulator_run
    stale = [d for d in (*DIFFERENCES, *OVERRIDES, *SUBSTITUTES) if d not in result.used]
    assert stale == []


def test_live_variant_of_the_run_cleans_up_after_itself() -> None:
    """The live flow (no register host, random names, cleanup) rehearsed on the emulator."""
    target = replace(emulator_target(), live=True, prefix="qlikreconcile-conformance-rehearsal")
    run = asyncio.run(scripted_run(target))
    assert run.problems == [], "\n".join(run.problems)
    assert validate_run(run).problems == []
    assert not any("/tenants" in r.path and r.method == "POST" for r in run.records)
    after = asyncio.run(_leftovers(run))
    assert after == []


async def _leftovers(run: Run) -> list[str]:
    """Objects named with the run's prefix still present in the tenant."""
    found = []
    async with await run.authed() as c:
        for path, field in (
            ("/api/v1/spaces", "name"),
            ("/api/v1/items", "name"),
            ("/api/v1/groups", "name"),
            ("/api/v1/data-connections", "qName"),
            ("/api/v1/users", "subject"),
        ):
            body = (await c.get(path, params={"limit": 100})).json()
            prefix = run.target.prefix
            found += [
                f"{path}: {x.get(field)}"
                for x in body.get("data", [])
                if str(x.get(field, "")).replace("_", "-").startswith(prefix)
            ]
        tasks = (await c.get("/api/scheduling/tasks", params={"limit": 100})).json()
        found += [
            f"scheduling task {t['id']}"
            for t in tasks.get("data", [])
            if str(t.get("name", "")).startswith(run.target.prefix)
        ]
    return found


@pytest.mark.live
@pytest.mark.skipif(
    live_settings() is None, reason=f"live tenant not configured ({', '.join(LIVE_ENV)})"
)
def test_live_tenant_conforms(summary: list[str]) -> None:
    run = asyncio.run(scripted_run(live_target()))
    result = validate_run(run)
    _report("live", result, summary)
    assert run.problems == [], "\n".join(run.problems)
    assert result.problems == [], "\n".join(result.problems)
