"""A fleet copied to a temp folder, an emulator, and the plan/apply use cases wired together.

The emulator runs in-process through the ASGI transport (or over real HTTP for the served
variant); reloads are fast but still pass through QUEUED and RELOADING.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from qlikreconcile.emulator import EmulatorConfig, create_app
from qlikreconcile.engine.report import ApplyReport
from qlikreconcile.engine.rollout import FailureBudget
from qlikreconcile.qlik.auth import Credentials
from qlikreconcile.qlik.kinds.base import ReloadPolling
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.qlik.transport import asgi_transport
from qlikreconcile.reconcile.service import (
    ArtifactReader,
    Planned,
    apply_plan,
    plan_fleet,
    record_tenants,
)
from qlikreconcile.spec.desired_state import DesiredFleet
from qlikreconcile.spec.fleet_loader import load_fleet

REPO = Path(__file__).resolve().parents[2]
SECRETS = {
    "VENDOR_DW_PASSWORD": "vendor-dw-pw",
    "GLOBEX_PG_PASSWORD": "globex-pg-pw",
    "QLIKRECONCILE_FINGERPRINT_KEY": "test-fingerprint-key-5b1e0c",
}
FAST_POLLING = ReloadPolling(first=0.01, factor=1.5, cap=0.05, timeout=30)


def fast_config() -> EmulatorConfig:
    return EmulatorConfig(reload_queue_seconds=0.01, reload_run_seconds=0.02)


def copy_desired(tmp_path: Path) -> Path:
    target = tmp_path / "desired"
    shutil.copytree(REPO / "desired", target)
    return target


def edit(path: Path, pattern: str, replacement: str) -> None:
    """Change one line of a spec file the way a pull request would."""
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert count == 1, f"{pattern!r} not found in {path}"
    path.write_text(changed, encoding="utf-8")


def one_wave(desired: Path) -> Path:
    """The example fleet with every tenant in one wave: for tests about what every tenant does
    in one apply, which a canary halting the rollout would cut short."""
    for path in (desired / "tenants").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^wave: .*\n", "", text), encoding="utf-8")
    return desired


class Harness:
    """One fleet against one emulator; every call opens a fresh session like a CLI run."""

    def __init__(
        self,
        desired: Path,
        *,
        app: Any = None,
        transport: httpx.AsyncBaseTransport | None = None,
        config: EmulatorConfig | None = None,
    ) -> None:
        self.desired = desired
        self.config = config or fast_config()
        self.app = app if app is not None else create_app(config=self.config)
        self.transport = transport
        self.environ = dict(SECRETS)
        """The environment plan and apply read secrets from (a test may rotate one)."""

    @property
    def secrets(self) -> dict[str, SecretStr]:
        return {k: SecretStr(v) for k, v in self.environ.items()}

    def fleet(self) -> DesiredFleet:
        return load_fleet(self.desired)

    def session(self) -> QlikSession:
        credentials = Credentials(
            client_id=self.config.client_id, client_secret=SecretStr(self.config.client_secret)
        )
        return QlikSession(
            credentials=credentials, transport=self.transport or asgi_transport(self.app)
        )

    async def plan(self, *, clock: Callable[[], float] = time.time) -> Planned:
        async with self.session() as session:
            return await plan_fleet(
                self.fleet(), session, target="test emulator", clock=clock, environ=self.environ
            )

    async def apply(
        self,
        *,
        force: bool = False,
        max_failures: FailureBudget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> ApplyReport:
        """Plan and apply; ``force`` passes the blast-radius guard (a fleet-wide change)."""
        fleet = self.fleet()
        async with self.session() as session:
            planned = await plan_fleet(
                fleet, session, target="test emulator", environ=self.environ, clock=clock
            )
            report = await apply_plan(
                planned,
                session,
                secrets=self.secrets,
                artifacts=ArtifactReader(self.desired.parent),
                polling=FAST_POLLING,
                force=force,
                max_failures=max_failures,
            )
            await record_tenants(planned, session, report)  # as the CLI's apply does
            return report

    async def admin(self, method: str, path: str, json: Mapping[str, Any] | None = None) -> Any:
        transport = self.transport or httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            response = await client.request(method, path, json=json)
            response.raise_for_status()
            return response.json() if response.content else None

    async def app_by_template(self, host: str, template: str, role: str) -> dict[str, Any]:
        """The emulator's full record of the app qlikreconcile marked for ``template``."""
        state = await self.admin("GET", "/_emulator/state")
        tenant = next(t for t in state["tenants"].values() if host in t["hostnames"])
        marker = f"[managed by qlikreconcile: {role} template={template}"
        app = next(a for a in tenant["apps"].values() if marker in (a.get("description") or ""))
        return dict(await self.admin("GET", f"/_emulator/tenants/{host}/apps/{app['id']}"))
