"""Emulator configuration: credentials, reload timing, clock, id seed and switches.

Every input the emulator would otherwise take from the outside world (time, randomness,
credentials) is a field here so tests can inject fakes and runs are reproducible.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from qlikreconcile.emulator.quirks import Quirks

ENV_CLIENT_ID = "QLIKRECONCILE_EMULATOR_CLIENT_ID"
ENV_CLIENT_SECRET = "QLIKRECONCILE_EMULATOR_CLIENT_SECRET"
ENV_RATE_LIMITS = "QLIKRECONCILE_EMULATOR_RATE_LIMITS"


@dataclass
class EmulatorConfig:
    """Knobs of one emulator instance.

    ``client_id``/``client_secret`` are accepted on every host, like a regional OAuth client
    that is also valid on each tenant of its region.
    """

    client_id: str = "emulator-client"
    client_secret: str = "emulator-secret"
    reload_queue_seconds: float = 0.2
    reload_run_seconds: float = 0.5
    token_ttl_seconds: int = 21600
    clock: Callable[[], float] = time.time
    seed: int = 0
    rate_limits: bool = False
    temp_content_ttl_seconds: int = 3600
    quirks: Quirks = field(default_factory=Quirks)

    @classmethod
    def from_env(cls) -> EmulatorConfig:
        """Defaults overridden by ``QLIKRECONCILE_EMULATOR_*`` environment variables."""
        config = cls()
        config.client_id = os.environ.get(ENV_CLIENT_ID, config.client_id)
        config.client_secret = os.environ.get(ENV_CLIENT_SECRET, config.client_secret)
        flag = os.environ.get(ENV_RATE_LIMITS, "").strip().lower()
        config.rate_limits = flag in {"1", "true", "yes", "on"}
        return config
