"""State file: JSON of :class:`EmulatorState`, loaded at start, saved atomically."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from qlikreconcile.emulator.state.model import EmulatorState

log = logging.getLogger(__name__)


def load_state(path: Path) -> EmulatorState | None:
    if not path.exists():
        return None
    log.info("loading emulator state from %s", path)
    return EmulatorState.model_validate_json(path.read_text(encoding="utf-8"))


def save_state(path: Path, state: EmulatorState) -> None:
    """Write to a temporary file in the same directory, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(state.model_dump_json(indent=1))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
