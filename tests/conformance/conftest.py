"""Conformance suite fixtures: the emulator target, and a summary printed after the run."""

from __future__ import annotations

import pytest

from qlikreconcile.emulator import SOURCE_HOST
from tests.conformance.target import Target
from tests.emulator.conftest import make_emu

SUMMARY: list[str] = []


def emulator_target() -> Target:
    emu = make_emu()

    async def advance(seconds: float) -> None:
        emu.clock.advance(seconds)

    return Target(
        name="emulator",
        live=False,
        tenant_host=SOURCE_HOST,
        register_host="register.eu.qlikcloud.com",
        client_id=emu.config.client_id,
        client_secret=emu.config.client_secret,
        transport=emu.transport,
        advance=advance,
    )


@pytest.fixture
def summary() -> list[str]:
    return SUMMARY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.write_sep("-", "Qlik OpenAPI conformance")
        for line in SUMMARY:
            terminalreporter.write_line(line)
