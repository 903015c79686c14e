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

SOURCE_HOST = "vendor-source.eu.qlikcloud.com"
"""The seeded source tenant (the vendor's templates), and the host of requests that name none."""

ENV_CLIENT_ID = "QLIKRECONCILE_EMULATOR_CLIENT_ID"
ENV_CLIENT_SECRET = "QLIKRECONCILE_EMULATOR_CLIENT_SECRET"
ENV_RATE_LIMITS = "QLIKRECONCILE_EMULATOR_RATE_LIMITS"
ENV_DEFAULT_HOST = "QLIKRECONCILE_EMULATOR_DEFAULT_HOST"


@dataclass
class EmulatorConfig:
    """Knobs of one emulator instance.

    ``client_id``/``client_secret`` are accepted on every host, like a regional OAuth client
    that is also valid on each tenant of its region. ``default_host`` is the Qlik host that
    requests with a non-Qlik Host header (``127.0.0.1:PORT``, ``localhost``) address; None
    means the seeded source tenant.
    """

    client_id: str = "emulator-client"
    client_secret: str = "emulator-secret"
    reload_queue_seconds: float = 0.2
    reload_run_seconds: float = 0.5
    reload_slots: int = 10
    """Reloads RELOADING at once per subscription (quirk ``reloads.subscription_queue``)."""
    token_ttl_seconds: int = 21600
    clock: Callable[[], float] = time.time
    seed: int = 0
    rate_limits: bool = False
    temp_content_ttl_seconds: int = 3600
    faults: str | None = None
    """A ``--faults`` SPEC (:mod:`.control.faults`) applied at start, over saved state."""
    quirks: Quirks = field(default_factory=Quirks)
    default_host: str | None = None

    @classmethod
    def from_env(cls) -> EmulatorConfig:
        """Defaults overridden by ``QLIKRECONCILE_EMULATOR_*`` environment variables."""
        config = cls()
        config.client_id = os.environ.get(ENV_CLIENT_ID, config.client_id)
        config.client_secret = os.environ.get(ENV_CLIENT_SECRET, config.client_secret)
        flag = os.environ.get(ENV_RATE_LIMITS, "").strip().lower()
        config.rate_limits = flag in {"1", "true", "yes", "on"}
        config.default_host = os.environ.get(ENV_DEFAULT_HOST) or None
        return config
