"""``qlikreconcile emulator serve`` in a subprocess on a free loopback port, and admin calls.

Used by the tests that need a real process boundary: signals, SIGKILL, ``--faults`` on the
command line, and the client over a socket.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from qlikreconcile.emulator import SOURCE_HOST


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running emulator process: its URL, log file and admin calls."""

    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        with httpx.Client(base_url=self.url, headers={"Host": SOURCE_HOST}, timeout=30) as c:
            response = c.request(method, path, json=json)
        response.raise_for_status()
        return response.json() if response.content else None

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.admin("GET", "/_emulator/state")
        return state

    def requests(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.admin("GET", "/_emulator/requests")["data"]
        return data


@contextmanager
def served_emulator(
    tmp_path: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 20.0
) -> Iterator[Served]:
    """Run ``qlikreconcile emulator serve --port P ARGS...``; stop it (SIGTERM, then kill)."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    command = [sys.executable, "-m", "qlikreconcile", "emulator", "serve", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    served = Served(f"http://127.0.0.1:{port}", log, process)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                served.admin("GET", "/_emulator/quirks")
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    message = f"emulator serve did not start:\n{log.read_text()}"
                    raise AssertionError(message) from None
                time.sleep(0.05)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
