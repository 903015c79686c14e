"""A freshly published app answers 403 for a while (emulator quirk apps.access_after_publish):
apply reads it back with a bounded backoff in virtual time, and fails clearly past the bound."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from pydantic import SecretStr

from qlikreconcile.emulator import EmulatorConfig
from qlikreconcile.emulator.quirks import Quirks
from qlikreconcile.engine.report import Status
from qlikreconcile.qlik import quirks
from qlikreconcile.qlik.auth import Credentials
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.transport import asgi_transport
from tests.e2e.harness import Harness, copy_desired


class VirtualTime:
    """One clock for the emulator and the client: sleeping moves it forward at once."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return time.time() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.offset += seconds


class VirtualHarness(Harness):
    def __init__(self, desired: Path, delay: float) -> None:
        self.time = VirtualTime()
        config = EmulatorConfig(
            reload_queue_seconds=0.01,
            reload_run_seconds=0.02,
            clock=self.time,
            quirks=dataclasses.replace(Quirks(), published_access_delay_seconds=delay),
        )
        super().__init__(desired, config=config)

    def session(self) -> QlikSession:
        credentials = Credentials(
            client_id=self.config.client_id, client_secret=SecretStr(self.config.client_secret)
        )
        return QlikSession(
            credentials=credentials,
            transport=asgi_transport(self.app),
            clock=self.time,
            sleep=self.time.sleep,
        )


async def _denied_reads(harness: Harness) -> int:
    log = await harness.admin("GET", "/_emulator/requests")
    return sum(
        1
        for r in log["data"]
        if r["method"] == "GET" and r["path"].startswith("/api/v1/apps/") and r["status"] == 403
    )


async def test_apply_waits_out_the_403_after_publishing(tmp_path: Path) -> None:
    harness = VirtualHarness(copy_desired(tmp_path), delay=120)
    report = await harness.apply()
    assert report.ok, report
    assert await _denied_reads(harness) > 0  # access really was refused for a while
    assert (await harness.plan()).plan.operations == ()


async def test_apply_fails_clearly_when_access_never_arrives(tmp_path: Path) -> None:
    harness = VirtualHarness(copy_desired(tmp_path), delay=quirks.PUBLISHED_ACCESS_WAIT_SECONDS * 4)
    report = await harness.apply()
    failed = [r for r in report.results if r.status is Status.FAILED]
    assert failed
    assert all("still answers 403" in r.reason for r in failed)
    assert all(r.key.kind == "published_app" for r in failed), failed
    # the bound held: no publish waited much longer than it (waits between reads only)
    assert sum(s for s in harness.time.slept if s >= 1.0) < (
        quirks.PUBLISHED_ACCESS_WAIT_SECONDS * (len(failed) + 1) + 60
    )
