"""``serve``: run the emulator under uvicorn on a loopback port (blocks)."""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn

from qlikreconcile.emulator.app import create_app
from qlikreconcile.emulator.config import EmulatorConfig

log = logging.getLogger(__name__)


def serve(
    *, host: str = "127.0.0.1", port: int, state_file: Path | None, config: EmulatorConfig
) -> None:
    app = create_app(state_file=state_file, config=config)
    log.info(
        "Qlik Cloud emulator on http://%s:%d (state file: %s)", host, port, state_file or "none"
    )
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
