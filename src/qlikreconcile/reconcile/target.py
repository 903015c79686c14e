"""Where plan and apply run: the embedded emulator, a served emulator, or Qlik Cloud.

The target is always explicit and shown first in every plan and apply. It comes from
``--target``, else ``QLIKRECONCILE_TARGET``, else the fleet's ``target.default``; a target that
cannot be used is an error, never a silent fallback to another one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from qlikreconcile.emulator import config as emulator_config
from qlikreconcile.emulator.config import EmulatorConfig
from qlikreconcile.errors import TargetError
from qlikreconcile.qlik.auth import Credentials
from qlikreconcile.qlik.reach import Reach
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.transport import LoopbackTransport, asgi_transport
from qlikreconcile.qlik.versions import DEFAULT_API_VERSION
from qlikreconcile.spec.desired_state import SourceTenant, TargetSettings

ENV_TARGET = "QLIKRECONCILE_TARGET"
ENV_CLIENT_ID = "QLIKRECONCILE_CLIENT_ID"
ENV_CLIENT_SECRET = "QLIKRECONCILE_CLIENT_SECRET"


@dataclass
class Target:
    """A resolved target: how to reach it and how to name it to the user."""

    kind: str  # "emulator" | "served-emulator" | "qlik-cloud"
    label: str
    credentials: Credentials
    transport: Any = None
    """The httpx transport requests go through (None: the internet)."""
    state_file: Path | None = None
    emulator_app: Any = field(default=None, repr=False)
    """The in-process emulator (embedded target only), for tests and admin calls."""

    api_version: str = DEFAULT_API_VERSION
    """The ``qlik-api-version`` every request carries (``target.api_version`` in fleet.yaml)."""

    def reach(self) -> Reach | None:
        """How another process reaches this target; None when none can (the embedded emulator
        lives in this process; a transport of a test's own is not to be guessed at)."""
        if self.kind == "emulator":
            return None
        if isinstance(self.transport, LoopbackTransport):
            return Reach(self.credentials, self.api_version, loopback=str(self.transport.base_url))
        if self.transport is None:
            return Reach(self.credentials, self.api_version)
        return None

    def session(self, **options: Any) -> QlikSession:
        return QlikSession(
            credentials=self.credentials,
            transport=self.transport,
            api_version=self.api_version,
            **options,
        )


def choose(option: str | None, settings: TargetSettings, environ: Mapping[str, str]) -> str:
    """The target name: flag, then environment, then the fleet's default."""
    return option or environ.get(ENV_TARGET) or settings.default


def resolve(
    name: str,
    *,
    settings: TargetSettings,
    source: SourceTenant,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Target:
    """The target called ``name``; ``settings`` and ``source`` come from fleet.yaml."""
    environ = os.environ if environ is None else environ
    found = _resolve(name, settings=settings, source=source, environ=environ, cwd=cwd)
    if settings.api_version:
        found.api_version = settings.api_version
    return found


def _resolve(
    name: str,
    *,
    settings: TargetSettings,
    source: SourceTenant,
    environ: Mapping[str, str],
    cwd: Path | None,
) -> Target:
    if name == "emulator":
        return _embedded(settings.emulator_state, environ, cwd or Path.cwd())
    if name.startswith(("http://", "https://")):
        return _served(name, environ)
    if name == "qlik-cloud":
        return _cloud(source, environ)
    raise TargetError(
        f"unknown target {name!r}: use 'emulator', 'qlik-cloud' or the URL of a served "
        "emulator such as http://127.0.0.1:8765"
    )


def _emulator_config(environ: Mapping[str, str]) -> EmulatorConfig:
    """The emulator's own settings (``QLIKRECONCILE_EMULATOR_*``), never Qlik Cloud's."""
    config = EmulatorConfig()
    config.client_id = environ.get(emulator_config.ENV_CLIENT_ID, config.client_id)
    config.client_secret = environ.get(emulator_config.ENV_CLIENT_SECRET, config.client_secret)
    return config


def _emulator_credentials(config: EmulatorConfig) -> Credentials:
    return Credentials(client_id=config.client_id, client_secret=SecretStr(config.client_secret))


def _embedded(relative: str, environ: Mapping[str, str], cwd: Path) -> Target:
    from qlikreconcile.emulator.app import create_app  # the emulator loads only when it runs

    state_file = (cwd / relative).resolve()
    state_file.parent.mkdir(parents=True, exist_ok=True)
    config = _emulator_config(environ)
    app = create_app(state_file=state_file, config=config)
    return Target(
        kind="emulator",
        label=f"emulator (embedded, state {_shown(state_file, cwd)})",
        credentials=_emulator_credentials(config),
        transport=asgi_transport(app),
        state_file=state_file,
        emulator_app=app,
    )


def _served(url: str, environ: Mapping[str, str]) -> Target:
    if urlsplit(url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise TargetError(
            f"target {url} is not a loopback address: a served emulator runs on this machine "
            "(qlikreconcile emulator serve --port P); use --target qlik-cloud for Qlik Cloud"
        )
    return Target(
        kind="served-emulator",
        label=f"emulator at {url}",
        credentials=_emulator_credentials(_emulator_config(environ)),
        transport=LoopbackTransport(url),
    )


def _cloud(source: SourceTenant, environ: Mapping[str, str]) -> Target:
    missing = [n for n in (ENV_CLIENT_ID, ENV_CLIENT_SECRET) if not environ.get(n)]
    if missing:
        raise TargetError(
            f"target qlik-cloud needs the OAuth client of a regional M2M client in "
            f"{' and '.join(missing)}; set them (in CI, from repository secrets)"
        )
    return Target(
        kind="qlik-cloud",
        label=f"Qlik Cloud (source tenant {source.hostname})",
        credentials=Credentials(
            client_id=environ[ENV_CLIENT_ID], client_secret=SecretStr(environ[ENV_CLIENT_SECRET])
        ),
    )


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd.resolve()))
    except ValueError:
        return str(path)
