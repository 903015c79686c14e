"""A template change rolls out wave by wave; a failing canary halts it; the guard and freezes.

The example fleet has three waves: acme (canary), initech (early), globex (main). The template
change here makes every sales script connect to ``fx_rates``, a connection no tenant has yet: the
canary's reload fails as Qlik's would, so the later waves must not start and their customers keep
the release they had. Adding the connection to the fleet's defaults fixes it, and the next apply
completes the rollout.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.report import Status, WaveStatus
from qlikreconcile.engine.rollout import FailureBudget
from qlikreconcile.errors import GuardError, SpecError
from qlikreconcile.render.markdown import render_markdown
from qlikreconcile.render.text import render_plan, render_report
from tests.e2e.harness import Harness, copy_desired, edit

HOSTS = {
    "acme": "acme.eu.qlikcloud.com",
    "initech": "initech.eu.qlikcloud.com",
    "globex": "globex.us.qlikcloud.com",
}
FX = "LIB CONNECT TO '{{ connection_space }}:fx_rates';"
FX_CONNECTION = """  connections:
    - name: fx_rates
      space: "{{ build_space }}"
      type: postgres
      connect: "host=fx.vendor.example;database=rates"
      username: qlik_reader
      password: {env: VENDOR_DW_PASSWORD}
    - name: vendor_dw"""


async def published_script(harness: Harness, tenant: str) -> str:
    app = await harness.app_by_template(HOSTS[tenant], "sales", "published")
    return str(app["scripts"][-1]["script"])


async def writes(harness: Harness) -> list[dict[str, Any]]:
    """Every change the apply sent, in the order the emulator received them."""
    log = (await harness.admin("GET", "/_emulator/requests"))["data"]
    return [r for r in log if r["method"] != "GET" and "/oauth/" not in r["path"]]


def first_and_last(requests: list[dict[str, Any]], tenant: str) -> tuple[int, int]:
    positions = [n for n, r in enumerate(requests) if r["host"] == HOSTS[tenant]]
    assert positions, f"no change reached {tenant}"
    return positions[0], positions[-1]


async def test_a_failing_canary_halts_the_rollout_until_fixed(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    first = await harness.apply()
    assert first.ok
    assert [w.status for w in first.waves] == [WaveStatus.COMPLETED] * 3
    before = {t: await published_script(harness, t) for t in HOSTS}

    # A template change that needs a connection nobody has yet.
    script = desired / "templates" / "sales" / "sales.qvs.j2"
    edit(script, r"^LIB CONNECT TO .*$", r"\g<0>\n" + FX.replace("\\", "\\\\"))

    plan = (await harness.plan()).plan
    assert {op.key.tenant for op in plan.operations if op.action is Action.REPUBLISH} == set(HOSTS)
    with pytest.raises(GuardError) as refused:
        await harness.apply()
    assert "republish in 3 of 3 tenants (100%)" in str(refused.value)
    assert "--force" in str(refused.value)
    assert "apply refuses this plan without --force" in render_plan(plan)

    await harness.admin("DELETE", "/_emulator/requests")
    halted = await harness.apply(force=True)
    assert not halted.ok
    assert [(w.name, w.status) for w in halted.waves] == [
        ("canary", WaveStatus.HALTED),
        ("early", WaveStatus.NOT_STARTED),
        ("main", WaveStatus.NOT_STARTED),
    ]
    assert halted.halted
    assert "a canary failure always halts" in halted.halted
    (failed_tenant, why), *_ = halted.waves[0].failed
    assert failed_tenant == "acme"
    assert "reload" in why
    later = [r for r in halted.results if r.key.tenant != "acme"]
    assert later
    assert all(r.status is Status.SKIPPED for r in later)
    assert all(r.reason.startswith("not started: the rollout halted at wave canary") for r in later)
    assert not any(r["host"] != HOSTS["acme"] for r in await writes(harness)), (
        "later waves untouched"
    )
    text = render_report(halted)
    assert "waves not started: early, main" in text
    assert "Apply halted" in text
    # Nobody's customers see the broken change: the failed reload never republished acme's app,
    # and initech and globex still have the previous release.
    assert {t: await published_script(harness, t) for t in HOSTS} == before

    # The fix: the connection, for every tenant, from the fleet's defaults.
    edit(desired / "fleet.yaml", r"^  connections:\n    - name: vendor_dw", FX_CONNECTION)
    await harness.admin("DELETE", "/_emulator/requests")
    done = await harness.apply(force=True)
    assert done.ok, [(r.op_id, r.reason) for r in done.results if r.status is not Status.SUCCEEDED]
    assert [w.status for w in done.waves] == [WaveStatus.COMPLETED] * 3
    assert done.halted is None
    order = await writes(harness)
    acme, initech, globex = (first_and_last(order, t) for t in ("acme", "initech", "globex"))
    assert acme[1] < initech[0], "the early wave waits for the canary"
    assert initech[1] < globex[0], "the main wave waits for the early one"
    for tenant in HOSTS:
        assert "fx_rates" in await published_script(harness, tenant)
    assert (await harness.plan()).plan.empty


async def test_a_budget_lets_a_later_wave_fail_without_halting(tmp_path: Path) -> None:
    """After the canary, failures within --max-failures do not stop the next wave."""
    desired = copy_desired(tmp_path)
    edit(
        desired / "tenants" / "initech.yaml", r"^  where: .*$", '  where: ""\n  connection: nowhere'
    )
    harness = Harness(desired)
    report = await harness.apply(max_failures=FailureBudget.parse("100%"))
    assert [w.status for w in report.waves] == [
        WaveStatus.COMPLETED,
        WaveStatus.FAILED,
        WaveStatus.COMPLETED,
    ]
    assert report.halted is None
    assert not report.not_started
    strict = Harness(copy_desired(tmp_path / "strict"))
    edit(
        strict.desired / "tenants" / "initech.yaml",
        r"^  where: .*$",
        '  where: ""\n  connection: x',
    )
    halted = await strict.apply()  # the fleet's budget: 10% of one tenant allows none
    assert [w.status for w in halted.waves][1:] == [WaveStatus.HALTED, WaveStatus.NOT_STARTED]


async def test_a_frozen_tenant_is_held_until_its_date(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    # Times close to now: the clock also ages the data (max_age), which must stay fresh here.
    now = time.time()
    until = datetime.fromtimestamp(now + 3600, UTC).replace(microsecond=0)
    shown = until.isoformat().replace("+00:00", "Z")
    edit(desired / "tenants" / "globex.yaml", r"^tenant: .*$", rf'\g<0>\nfreeze_until: "{shown}"')
    edit(desired / "templates" / "sales" / "sales.qvs.j2", r"^LIB CONNECT TO .*$", r"\g<0>\n// v2")

    held = (await harness.plan(clock=lambda: now)).plan
    assert not held.for_tenant("globex")
    assert {op.key.tenant for op in held.operations} == {"acme", "initech"}
    (freeze,) = [h for h in held.held if h.tenant == "globex"]
    assert freeze.operations == 3  # the script, its reload, the republish
    assert f"frozen until {shown}" in freeze.reason
    lines = (desired / "tenants" / "globex.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("freeze_until:"))
    assert f"desired/tenants/globex.yaml:{line}:15" in freeze.reason
    assert f"globex: held, frozen until {shown}" in render_plan(held)
    assert "globex" in render_markdown(held).split("**Held by the spec**")[1]

    report = await harness.apply(clock=lambda: now)
    assert report.ok
    assert not any(r.key.tenant == "globex" for r in report.results)
    assert "// v2" not in await published_script(harness, "globex")

    later = now + 7200
    released = (await harness.plan(clock=lambda: later)).plan
    assert {op.key.tenant for op in released.operations} == {"globex"}
    assert not released.held
    assert (await harness.apply(clock=lambda: later)).ok
    assert "// v2" in await published_script(harness, "globex")


async def test_a_pin_below_the_newest_release_is_shown_as_held(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    template = desired / "templates" / "sales" / "template.yaml"
    text = template.read_text(encoding="utf-8")
    release = text[text.index("  - version: 1") :]
    template.write_text(text + release.replace("version: 1", "version: 2"), encoding="utf-8")
    edit(desired / "tenants" / "acme.yaml", r"template: sales ", "template: sales@2 ")
    plan = (await Harness(desired).plan()).plan
    pins = {h.tenant: h.reason for h in plan.held}
    assert set(pins) == {"globex", "initech"}
    assert "pinned to release 1 in desired/tenants/globex.yaml" in pins["globex"]
    assert "newest release is 2" in pins["globex"]
    assert "Held by the spec:" in render_plan(plan)


def test_no_tenants_never_reaches_a_plan(tmp_path: Path) -> None:
    """A spec listing no tenant fails to load: nothing is planned, so nothing is deleted."""
    desired = copy_desired(tmp_path)
    for path in (desired / "tenants").iterdir():
        path.unlink()
    with pytest.raises(SpecError) as caught:
        Harness(desired).fleet()
    assert "the fleet has no tenants" in str(caught.value)
