"""Generated fleets: a ``desired/`` tree written from plain data, and hypothesis strategies.

Templates are the repository's real ones (``sales``, ``inventory``: their releases are real app
files the emulator imports); tenants, their variables, connections, groups, publishing and pinning
are drawn. Every tenant's load script connects to a connection that exists in that tenant, so
reloads fail only when a fault says so.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = ("sales", "inventory")
SHARED_PASSWORD_ENV = "VENDOR_DW_PASSWORD"

FLEET_YAML = """\
fleet: generated
source:
  hostname: vendor-source.eu.qlikcloud.com
  region: eu
regions: [eu, us]
defaults:
  variables:
    build_space: "{{ tenant.name | capitalize }} build"
    analytics_space: "{{ tenant.name | capitalize }} analytics"
    connection: vendor_dw
    connection_space: "{{ build_space }}"
    where: ""
  connections:
    - name: vendor_dw
      space: "{{ build_space }}"
      type: postgres
      connect: "host=dw.vendor.example;port=5432;database=analytics"
      username: qlik_reader
      password: {env: VENDOR_DW_PASSWORD}
  reload:
    schedule: "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0"
    timezone: UTC
    max_age: 26h
"""


@dataclass(frozen=True)
class AppSpec:
    template: str
    pinned: bool = False
    publish: bool = True


@dataclass(frozen=True)
class TenantSpec:
    name: str
    region: str = "eu"
    customer_id: int = 1
    apps: tuple[AppSpec, ...] = (AppSpec("sales"),)
    own_connection: str | None = None
    groups: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return f"{self.name}.{self.region}.qlikcloud.com"

    @property
    def title(self) -> str:
        return self.name.capitalize()

    def password_env(self) -> str:
        return f"{self.name.upper()}_DB_PASSWORD"


@dataclass(frozen=True)
class FleetSpec:
    tenants: tuple[TenantSpec, ...]
    templates: tuple[str, ...] = TEMPLATES
    notes: dict[str, str] = field(default_factory=dict, compare=False)

    def secrets(self) -> dict[str, str]:
        out = {SHARED_PASSWORD_ENV: "vendor-dw-secret-pw"}
        for tenant in self.tenants:
            if tenant.own_connection:
                out[tenant.password_env()] = f"{tenant.name}-db-secret-pw"
        return out

    def with_customer_ids(self, bump: int) -> FleetSpec:
        """Every tenant's rows filter changed: new scripts, reloads and republishes."""
        return replace(
            self, tenants=tuple(replace(t, customer_id=t.customer_id + bump) for t in self.tenants)
        )


def tenant_yaml(t: TenantSpec) -> str:
    # The name is quoted: YAML reads a bare "true", "null" or "off" as something else.
    lines = [
        f'tenant: {{name: "{t.name}", region: {t.region}}}',
        "variables:",
        f"  customer_id: {t.customer_id}",
        '  where: "WHERE customer_id = {{ customer_id }}"',
    ]
    if t.own_connection:
        lines.append(f"  connection: {t.own_connection}")
    lines += ["spaces:", f"  - {{name: {t.title} build, type: shared}}"]
    lines.append(f"  - name: {t.title} analytics")
    lines.append("    type: managed")
    if t.groups:
        lines.append("    members:")
        lines += [f"      - {{group: {g}, roles: [consumer]}}" for g in t.groups]
    if t.own_connection:
        lines += [
            "connections:",
            f"  - name: {t.own_connection}",
            f"    space: {t.title} build",
            "    type: postgres",
            f'    connect: "host=db.{t.name}.example;database=sales"',
            "    username: qlik",
            f"    password: {{env: {t.password_env()}}}",
        ]
    lines.append("apps:")
    for app in t.apps:
        lines.append(f"  - template: {app.template}{'@1' if app.pinned else ''}")
        lines.append(f"    space: {t.title} build")
        if app.publish:
            lines.append(f"    publish_to: {t.title} analytics")
    return "\n".join(lines) + "\n"


def write_fleet(spec: FleetSpec, root: Path) -> Path:
    """Write ``root/desired`` for ``spec`` (replacing tenant files); its path."""
    desired = root / "desired"
    (desired / "tenants").mkdir(parents=True, exist_ok=True)
    (desired / "fleet.yaml").write_text(FLEET_YAML, encoding="utf-8")
    for template in spec.templates:
        target = desired / "templates" / template
        if not target.exists():
            shutil.copytree(REPO / "desired" / "templates" / template, target)
    for old in (desired / "tenants").glob("*.yaml"):
        old.unlink()
    for tenant in spec.tenants:
        (desired / "tenants" / f"{tenant.name}.yaml").write_text(tenant_yaml(tenant), "utf-8")
    return desired


_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8)
_GROUPS = st.lists(
    st.sampled_from(["viewers", "analysts", "finance", "ops"]), unique=True, max_size=2
)


@st.composite
def tenant_specs(draw: st.DrawFn, name: str) -> TenantSpec:
    templates = draw(st.lists(st.sampled_from(TEMPLATES), min_size=1, max_size=2, unique=True))
    apps = tuple(AppSpec(t, draw(st.booleans()), draw(st.booleans())) for t in templates)
    own = draw(st.none() | st.sampled_from(["crm_pg", "erp_db", "sales_src"]))
    return TenantSpec(
        name=name,
        region=draw(st.sampled_from(["eu", "us"])),
        customer_id=draw(st.integers(min_value=1, max_value=99_999)),
        apps=apps,
        own_connection=own,
        groups=tuple(f"{name}-{g}" for g in draw(_GROUPS)),
    )


@st.composite
def fleet_specs(draw: st.DrawFn, *, max_tenants: int) -> FleetSpec:
    names = draw(st.lists(_NAMES, min_size=1, max_size=max_tenants, unique=True))
    names = [n for n in names if n != "vendor"] or ["acme"]
    return FleetSpec(tuple(draw(tenant_specs(n)) for n in names))


@st.composite
def fault_schedules(draw: st.DrawFn, *, max_rate: float = 0.1) -> dict[str, object]:
    rate = st.floats(min_value=0.0, max_value=max_rate, allow_nan=False)
    return {
        "429": draw(rate),
        "500": draw(rate),
        "drop": draw(rate),
        "reset": draw(rate),
        "reload-fail": draw(st.floats(min_value=0.0, max_value=0.2, allow_nan=False)),
        "retry-after": draw(st.integers(min_value=0, max_value=3)),
        "seed": draw(st.integers(min_value=0, max_value=2**31)),
    }
