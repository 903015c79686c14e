"""How another process reaches a target: what a session needs, without its live objects."""

from __future__ import annotations

from dataclasses import dataclass

from qlikreconcile.qlik.auth import Credentials
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.transport import LoopbackTransport


@dataclass(frozen=True, slots=True)
class Reach:
    """How a worker process reaches the target: what a session needs, without live objects."""

    credentials: Credentials
    api_version: str
    loopback: str | None = None
    """A served emulator's URL (``http://127.0.0.1:PORT``); None: Qlik Cloud, over the internet."""

    def session(self) -> QlikSession:
        transport = LoopbackTransport(self.loopback) if self.loopback else None
        return QlikSession(
            credentials=self.credentials, transport=transport, api_version=self.api_version
        )
