"""Which release of a template an imported app was made from.

Qlik keeps no link from an imported app to the file it was imported from, so the release is
inferred from dates: the newest release created before the app was. Every answer says so in
its evidence; an app older than every release is reported as a guess.
"""

from __future__ import annotations

from datetime import datetime

from qlikreconcile.spec.desired_state import Release, Template


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def release_for(template: Template, created: str) -> tuple[int | None, str, bool]:
    """(version, evidence, certain) for an app of ``template`` created at ``created``."""
    releases = sorted(template.releases, key=lambda r: r.version)
    if not releases:
        return None, f"template {template.name} has no release", False
    if len(releases) == 1:
        only = releases[0].version
        return only, f"release {only} is the only release of template {template.name}", True
    made = _when(created)
    before: list[Release] = []
    if made is not None:
        before = [r for r in releases if (c := _when(r.created)) is not None and c <= made]
    if before:
        found = before[-1].version
        return found, f"release {found} is the newest created before the app ({created})", True
    newest = releases[-1].version
    return newest, f"no release is known to predate the app ({created}): newest {newest}", False
