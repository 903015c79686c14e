"""Recording a new template release in git: the artifact file and its entry in template.yaml.

The entry is appended as text, not by re-dumping the YAML, so the file's comments and layout
survive and the change reads as a small diff in the pull request that bumps the release.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from qlikreconcile.spec.desired_state import Release, Template

RELEASES_DIR = "releases"
_EMPTY_LIST = re.compile(r"^releases:\s*\[\s*\]\s*(#.*)?$", re.MULTILINE)
_BLOCK = re.compile(r"^releases:\s*(#.*)?$", re.MULTILINE)


def next_version(template: Template) -> int:
    return max((r.version for r in template.releases), default=0) + 1


def write_release(
    template: Template, data: bytes, *, created: str, source_app_id: str
) -> Release | None:
    """Store ``data`` as the template's next release; None when it equals the newest release."""
    digest = hashlib.sha256(data).hexdigest()
    latest = template.latest
    if latest is not None and latest.sha256 == digest:
        return None
    version = next_version(template)
    relative = f"{RELEASES_DIR}/{version}.qvf"
    artifact = template.folder / relative
    artifact.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_bytes(data)
    release = Release(
        version=version,
        artifact=relative,
        sha256=digest,
        created=created,
        source_app_id=source_app_id,
    )
    _append_entry(template.folder / "template.yaml", release)
    return release


def _append_entry(path: Path, release: Release) -> None:
    entry = (
        f"  - version: {release.version}\n"
        f"    artifact: {release.artifact}\n"
        f"    sha256: {release.sha256}\n"
        f'    created: "{release.created}"\n'
        f"    source_app_id: {release.source_app_id}\n"
    )
    text = path.read_text(encoding="utf-8")
    if _EMPTY_LIST.search(text):
        text = _EMPTY_LIST.sub(lambda m: "releases:", text, count=1)
    elif not _BLOCK.search(text):
        text = text.rstrip("\n") + "\nreleases:"
    lines = (text if text.endswith("\n") else text + "\n").splitlines(keepends=True)
    head = next(i for i, line in enumerate(lines) if _BLOCK.match(line))
    end = head + 1
    while end < len(lines) and (lines[end].startswith((" ", "-", "#")) or not lines[end].strip()):
        end += 1
    while end > head + 1 and not lines[end - 1].strip():
        end -= 1  # keep blank lines that separate the block from the next key after it
    lines.insert(end, entry)
    path.write_text("".join(lines), encoding="utf-8")
