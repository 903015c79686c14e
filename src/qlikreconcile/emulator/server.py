"""``serve``: run the emulator under uvicorn on a loopback port (blocks)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import uvicorn

from qlikreconcile.emulator.app import create_app
from qlikreconcile.emulator.config import SOURCE_HOST, EmulatorConfig
from qlikreconcile.emulator.control.faults import QuietInjected

log = logging.getLogger(__name__)


def serve(
    *,
    host: str = "127.0.0.1",
    port: int,
    state_file: Path | None,
    config: EmulatorConfig,
    default_host: str | None = None,
) -> None:
    """Serve until interrupted.

    ``default_host`` (else ``config.default_host``, else the seeded source tenant) is the Qlik
    host that requests with a non-Qlik ``Host`` (``127.0.0.1:PORT``, ``localhost``) address.
    """
    if default_host is not None:
        config = replace(config, default_host=default_host.strip().lower() or None)
    app = create_app(state_file=state_file, config=config)
    log.info(
        "Qlik Cloud emulator on http://%s:%d (default host %s, state file: %s)",
        host,
        port,
        config.default_host or SOURCE_HOST,
        state_file or "none",
    )
    # Injected connection faults (config.faults) are not server errors worth a traceback.
    logging.getLogger("uvicorn.error").addFilter(QuietInjected())
    # The engine's websocket (/app/APPID) is served by the websockets library's sans-I/O core.
    uvicorn.run(
        app, host=host, port=port, log_level="info", access_log=False, ws="websockets-sansio"
    )
