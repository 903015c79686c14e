"""What must hold in the emulator's state after any sequence of faults, crashes and re-runs.

Read from ``GET /_emulator/state`` (the emulator's own records, not the client's view):

* :func:`duplicates`: nothing qlikreconcile creates exists twice (tenants per host name, spaces per
  name, connections per space and name, groups per name, assignments per space and group, reload
  tasks per app, build and published apps per tenant, space and template), and no import is left
  half-done (a provisional ``[qlikreconcile import ...]`` name);
* :func:`missing`: every desired tenant has exactly one build app per template in its build space
  and one published app per template in its managed space;
* :func:`community_sheets` / :func:`unowned`: fingerprints to compare before and after, proving
  customers' sheets survive and resources without our marker are never touched.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from qlikreconcile.spec.desired_state import DesiredFleet
from tests.robustness.operator import made_by_lost_creates

MARKER = "[managed by qlikreconcile"
IMPORTING = "[qlikreconcile import "
SCHEDULE_MARKER = "[managed by qlikreconcile: schedule template="


def _app_role(app: dict[str, Any]) -> tuple[str, str] | None:
    text = app.get("description") or ""
    at = text.find(MARKER + ": ")
    if at < 0:
        return None
    words = text[at + len(MARKER) + 2 :].split()
    template = next((w[len("template=") :] for w in words if w.startswith("template=")), "")
    return words[0], template.rstrip("]")


def tenants_by_host(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h.lower(): t for t in state["tenants"].values() for h in t["hostnames"]}


def _repeated(counter: Counter[Any], what: str, where: str) -> list[str]:
    return [f"{where}: {what} {key} x{n}" for key, n in sorted(counter.items()) if n > 1]


def duplicates(state: dict[str, Any], *, settled: bool = True) -> list[str]:
    """Every duplicate object in the emulator, described; with ``settled``, half-done imports and
    tenants without an alias too.

    A run killed between an import and its marking leaves one provisionally named app, which the
    next run adopts: fine mid-way (``settled=False``), a failure once runs have converged. So does
    a lost tenant create (a tenant with only its generated host name) until the operator settles
    it; once converged, such a tenant is a second tenant for some spec entry.
    """
    found: list[str] = []
    hosts = Counter(h.lower() for t in state["tenants"].values() for h in t["hostnames"])
    found += _repeated(hosts, "tenant host", "fleet")
    if settled:
        found += [f"fleet: tenant {i} has no alias" for i in made_by_lost_creates(state)]
    for tenant in state["tenants"].values():
        where = tenant["hostnames"][0]
        found += _repeated(Counter(s["name"] for s in tenant["spaces"].values()), "space", where)
        conns = Counter((c["space_id"], c["name"]) for c in tenant["connections"].values())
        found += _repeated(conns, "connection", where)
        found += _repeated(Counter(g["name"] for g in tenant["groups"].values()), "group", where)
        assigned = Counter(
            (a["space_id"], a["assignee_id"]) for a in tenant["assignments"].values()
        )
        found += _repeated(assigned, "assignment", where)
        tasks = Counter(t["app_id"] for t in tenant.get("reload_tasks", {}).values())
        found += _repeated(tasks, "reload task of app", where)
        scheduled = Counter(
            t["app_id"]
            for t in tenant.get("scheduling_tasks", {}).values()
            if SCHEDULE_MARKER in (t.get("description") or "")
        )
        found += _repeated(scheduled, "scheduling task of app", where)
        ours: Counter[tuple[str, str, str]] = Counter()
        for app in tenant["apps"].values():
            role = _app_role(app)
            if role is not None and role[0] in ("build", "published"):
                ours[(app["space_id"], *role)] += 1
            if settled and IMPORTING in app["name"]:
                found.append(f"{where}: half-done import {app['name']!r}")
        found += _repeated(ours, "app (space, role, template)", where)
    return found


def missing(state: dict[str, Any], fleet: DesiredFleet) -> list[str]:
    """Desired build and published apps that do not exist exactly once where they belong."""
    problems: list[str] = []
    by_host = tenants_by_host(state)
    for tenant in fleet.tenants:
        found = by_host.get(tenant.hostname.lower())
        if found is None:
            problems.append(f"{tenant.name}: tenant {tenant.hostname} missing")
            continue
        spaces = {s["name"]: s["id"] for s in found["spaces"].values()}
        roles = Counter(
            (app["space_id"], *role)
            for app in found["apps"].values()
            if (role := _app_role(app)) is not None
        )
        for app in tenant.apps:
            wanted = [(spaces.get(app.space), "build", app.template)]
            if app.publish_to:
                wanted.append((spaces.get(app.publish_to), "published", app.template))
            for key in wanted:
                if roles[key] != 1:
                    problems.append(f"{tenant.name}: {key[1]} {key[2]} x{roles[key]}")
    return problems


def community_sheets(state: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(host, app id) -> titles of its community sheets, for every app that has some."""
    out: dict[tuple[str, str], list[str]] = {}
    for tenant in state["tenants"].values():
        for app in tenant["apps"].values():
            titles = sorted(s["title"] for s in app.get("sheets", []) if s["type"] == "community")
            if titles:
                out[(tenant["hostnames"][0], app["id"])] = titles
    return out


def _fingerprint(item: dict[str, Any], drop: Iterable[str]) -> str:
    return json.dumps({k: v for k, v in item.items() if k not in drop}, sort_keys=True)


def unowned(state: dict[str, Any], ids: Iterable[str]) -> dict[str, str]:
    """Fingerprints of the spaces, connections and apps with these ids (absent: 'gone')."""
    wanted = set(ids)
    out = dict.fromkeys(wanted, "gone")
    volatile = ("last_reload_at",)
    for tenant in state["tenants"].values():
        for kind in ("spaces", "connections", "apps"):
            for ident, item in tenant[kind].items():
                if ident in wanted:
                    out[ident] = _fingerprint(item, volatile)
    return out
