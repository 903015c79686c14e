"""The spec's git revision, when the desired state lives in a git work tree."""

from __future__ import annotations

import subprocess
from pathlib import Path


def revision(desired: Path) -> str | None:
    """``HEAD``'s short commit id, with ``-dirty`` when desired/ has uncommitted changes."""
    folder = desired.absolute()
    if not folder.is_dir():
        return None
    try:
        head = git(folder, "rev-parse", "--short=12", "HEAD")
        dirty = git(folder, "status", "--porcelain", "--", ".")
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return None
    return f"{head}-dirty" if dirty else head


def git(folder: Path, *args: str) -> str:
    """The output of ``git -C folder ARGS`` (CalledProcessError when git fails)."""
    done = subprocess.run(
        ["git", "-C", str(folder), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    )
    return done.stdout.strip()
