"""The tenant file an import writes, as data: what the tenant holds, in the spec's format.

Values are written as literal text: a value holding jinja2 markers (``{{``, ``{%``, ``{#``) is
wrapped in ``{% raw %}`` so the loader renders it back to itself. Connection passwords become
``{env: NAME}`` references with a generated name (Qlik never returns the password, and a value
would not belong in git anyway). What the format cannot hold becomes a note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qlikreconcile.qlik.inventory import FoundConnection, FoundSpace, TenantInventory
from qlikreconcile.qlik.kinds.connection import connect_statement
from qlikreconcile.reconcile.importing.report import AppMatch
from qlikreconcile.spec.desired_state import Connection, Template
from qlikreconcile.spec.value_checks import ROLES_BY_SPACE_TYPE, check_space_name

ADOPT_UNMARKED_KEY = "adopt_unmarked"
"""The top-level key an imported tenant file carries (set to true), so that apply adopts the
unmarked resources the file describes (adds our markers) instead of leaving them alone. The key
belongs to the adoption work (issue 12 item 2); the spec loader validates it once that is
merged."""

_MARKERS = ("{{", "{%", "{#")


def literal(text: str) -> str:
    """``text`` as a spec value that renders to exactly ``text``."""
    if any(m in text for m in _MARKERS):
        return "{% raw %}" + text + "{% endraw %}"
    return text


def secret_name(tenant: str, connection: str) -> str:
    """The environment variable an imported connection's password is read from."""
    own = connection.lower().startswith(tenant.lower())  # acme_pg, not ACME_ACME_PG
    words = f"{connection}_password" if own else f"{tenant}_{connection}_password"
    raw = re.sub(r"[^A-Za-z0-9]+", "_", words).strip("_").upper()
    return raw if re.match(r"^[A-Z_]", raw) else f"T_{raw}"


@dataclass
class TenantDocument:
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)


def tenant_document(
    name: str,
    region: str,
    hostname: str | None,
    inventory: TenantInventory,
    apps: list[AppMatch],
    templates: Mapping[str, Template],
) -> TenantDocument:
    """``hostname`` is written only when it is not the default ``NAME.REGION.qlikcloud.com``."""
    header: dict[str, Any] = {"name": name, "region": region}
    if hostname:
        header["hostname"] = hostname
    doc = TenantDocument({"tenant": header, ADOPT_UNMARKED_KEY: True})
    variables = _variables(apps, doc.notes)
    if variables:
        doc.data["variables"] = variables
    spaces = [s for s in inventory.spaces if _expressible(s, doc.notes)]
    if spaces:
        doc.data["spaces"] = [_space(s, doc.notes) for s in spaces]
    connections = _connections(name, inventory, {s.name for s in spaces}, doc)
    if connections:
        doc.data["connections"] = connections
    if apps:
        doc.data["apps"] = [_app(a, templates) for a in apps]
    return doc


def _variables(apps: list[AppMatch], notes: list[str]) -> dict[str, str]:
    """Variables are per tenant: two apps needing different values of one cannot both be met."""
    merged: dict[str, str] = {}
    source: dict[str, str] = {}
    for app in apps:
        for key, value in app.variables.items():
            if key in merged and merged[key] != value:
                notes.append(
                    f"variable '{key}' is {merged[key]!r} in app '{source[key]}' but {value!r} "
                    f"in app '{app.app}': a tenant has one value; the first is written"
                )
                continue
            merged.setdefault(key, value)
            source.setdefault(key, app.app)
    return {k: literal(v) for k, v in sorted(merged.items())}


def _expressible(space: FoundSpace, notes: list[str]) -> bool:
    problem = check_space_name(space.name)
    if problem is not None:
        notes.append(f"space '{space.name}': {problem}: not imported")
        return False
    if space.type not in ROLES_BY_SPACE_TYPE:
        notes.append(f"space '{space.name}' of type '{space.type}': not imported")
        return False
    return True


def _space(space: FoundSpace, notes: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": literal(space.name), "type": space.type}
    if space.description:
        entry["description"] = literal(space.description)
    allowed = ROLES_BY_SPACE_TYPE[space.type]
    members = []
    for assignment in sorted(space.assignments, key=lambda a: (a.kind, a.name or a.assignee)):
        if assignment.kind != "group":
            notes.append(
                f"space '{space.name}': a {assignment.kind or 'non-group'} assignment "
                f"({assignment.assignee}, roles {', '.join(assignment.roles)}): the spec assigns "
                "roles to groups only: not imported"
            )
            continue
        if assignment.name is None:
            notes.append(
                f"space '{space.name}': group {assignment.assignee} cannot be read: its "
                "assignment is not imported"
            )
            continue
        roles = [r for r in assignment.roles if r in allowed]
        unknown = [r for r in assignment.roles if r not in allowed]
        if unknown:
            notes.append(
                f"space '{space.name}', group '{assignment.name}': roles {', '.join(unknown)} "
                f"are unknown in a {space.type} space: not imported"
            )
        if roles:
            members.append({"group": literal(assignment.name), "roles": roles})
    if members:
        entry["members"] = members
    return entry


def _connections(
    tenant: str, inventory: TenantInventory, spaces: set[str], doc: TenantDocument
) -> list[dict[str, Any]]:
    out = []
    for conn in sorted(inventory.connections, key=lambda c: (c.space or "", c.name)):
        if conn.space is None or conn.space not in spaces:
            where = f"space '{conn.space}'" if conn.space else "no space (personal)"
            doc.notes.append(f"data connection '{conn.name}' in {where}: not imported")
            continue
        if not conn.name or not conn.type:
            doc.notes.append(
                f"data connection '{conn.name}' in '{conn.space}' has no name or data source "
                "type: not imported"
            )
            continue
        env = secret_name(tenant, conn.name)
        doc.secrets.append(env)
        out.append(
            {
                "name": literal(conn.name),
                "space": literal(conn.space),
                "type": conn.type,
                "connect": literal(_connect(conn, doc.notes)),
                "password": {"env": env},
            }
        )
    if out:
        doc.notes.append(
            "data connection usernames and passwords are write-only in Qlik: each password is "
            "read from the environment variable named in the file (set "
            f"{', '.join(doc.secrets)}); add `username:` where the connection needs one"
        )
    return out


def _connect(conn: FoundConnection, notes: list[str]) -> str:
    """The spec's ``connect``: what apply wraps in Qlik's CUSTOM CONNECT form, unwrapped."""
    probe = Connection(name=conn.name, space=conn.space or "", type=conn.type, connect="\0")
    head, _, tail = connect_statement(probe)[1].partition("\0")
    statement = conn.connect
    if (
        statement.startswith(head)
        and statement.endswith(tail)
        and len(statement) >= len(head + tail)
    ):
        return statement[len(head) : len(statement) - len(tail)]
    notes.append(
        f"data connection '{conn.name}' in '{conn.space}': its connection statement is not in "
        f"the form apply writes ({head}...{tail}); written as it is, apply will rewrite it in "
        "that form"
    )
    return statement


def _app(app: AppMatch, templates: Mapping[str, Template]) -> dict[str, Any]:
    ref = app.template if app.release is None else f"{app.template}@{app.release}"
    entry: dict[str, Any] = {"template": ref}
    if templates[app.template].display_name != app.app:
        entry["name"] = literal(app.app)
    entry["space"] = literal(app.space)
    if app.publish_to:
        entry["publish_to"] = literal(app.publish_to)
    # Written out in full, so that fleet defaults cannot add a schedule the tenant does not have.
    if app.schedule:
        entry["reload"] = {"schedule": app.schedule, "timezone": app.timezone}
    else:
        entry["reload"] = {"schedule": None}
    return entry
