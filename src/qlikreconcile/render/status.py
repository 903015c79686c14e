"""``qlikreconcile status`` as text, JSON and Markdown (a job summary with Mermaid charts)."""

from __future__ import annotations

import json

from qlikreconcile.engine.status import AppStatus, FleetStatus, TenantStatus

FORMAT = "qlikreconcile-status"
VERSION = 1
COLUMNS = ("tenant", "wave", "state", "app", "release", "reload", "data age", "schedule")


def _release(app: AppStatus) -> str:
    if app.release is None:
        return "not deployed"
    text = str(app.release)
    if app.newest is not None and app.release < app.newest:
        text += f" of {app.newest}" + (" (pinned)" if app.pinned else " (upgrade pending)")
    return text


def _age(app: AppStatus) -> str:
    if app.data_age_hours is None:
        return "-"
    shown = f"{app.data_age_hours:g} h"
    if app.max_age_hours is not None:
        over = app.data_age_hours > app.max_age_hours
        shown += f" / {app.max_age_hours:g} h" + (" TOO OLD" if over else "")
    return shown


def _rows(tenant: TenantStatus) -> list[tuple[str, ...]]:
    head = (tenant.name, tenant.wave, tenant.state)
    if not tenant.apps:
        return [(*head, "-", "-", "-", "-", "-")]
    rows: list[tuple[str, ...]] = []
    for n, app in enumerate(tenant.apps):
        first = head if n == 0 else ("", "", "")
        rows.append((*first, app.template, _release(app), app.reload, _age(app), app.schedule))
    return rows


def _label(release: str) -> str:
    return f"release {release}" if release != "none" else "not deployed"


def _skew_lines(status: FleetStatus) -> list[str]:
    lines = []
    for template, counts in status.releases.items():
        parts = [
            f"release {r}: {n}" if r != "none" else f"not deployed: {n}" for r, n in counts.items()
        ]
        lines.append(f"  {template}: " + ", ".join(parts))
    return lines


def render_status_text(status: FleetStatus) -> str:
    rows: list[tuple[str, ...]] = [COLUMNS, *(row for t in status.tenants for row in _rows(t))]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    table = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    table[0] = table[0].upper()
    notes = [f"  {t.name}: {n}" for t in status.tenants for n in t.notes]
    out = [f"Fleet {status.fleet} on {status.target}", "", *table, ""]
    out += ["Releases per template (version skew):", *_skew_lines(status)]
    if notes:
        out += ["", "Held, diverged or unreadable:", *notes]
    counts = _state_counts(status)
    out += ["", "Tenants: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + "."]
    return "\n".join(out)


def _state_counts(status: FleetStatus) -> dict[str, int]:
    counts: dict[str, int] = {}
    for tenant in status.tenants:
        counts[tenant.state] = counts.get(tenant.state, 0) + 1
    return counts


def render_status_json(status: FleetStatus) -> str:
    document = {"format": FORMAT, "version": VERSION, **status.to_dict()}
    return json.dumps(document, indent=2, sort_keys=True)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def _pie(template: str, counts: dict[str, int]) -> list[str]:
    lines = ["```mermaid", f"pie showData title {template}: tenants per release"]
    for release, n in counts.items():
        lines.append(f'    "{_label(release)}" : {n}')
    return [*lines, "```"]


def render_status_markdown(status: FleetStatus) -> str:
    out = [f"## Fleet status: {status.fleet}", "", f"Target: {status.target}", ""]
    counts = _state_counts(status)
    out += ["**Tenants:** " + ", ".join(f"{n} {s}" for s, n in counts.items()), ""]
    out += ["### Releases per template", ""]
    for template, per_release in status.releases.items():
        out += [*_pie(template, per_release), ""]
    out += ["### Tenants", ""]
    out.append("| " + " | ".join(c.capitalize() for c in COLUMNS) + " |")
    out.append("|" + " --- |" * len(COLUMNS))
    out += [
        "| " + " | ".join(_cell(c) for c in row) + " |" for t in status.tenants for row in _rows(t)
    ]
    notes = [f"- **{t.name}**: {_cell(n)}" for t in status.tenants for n in t.notes]
    if notes:
        out += ["", "<details><summary>Held, diverged or unreadable</summary>", "", *notes]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
