"""The apply lease (issue 9): two applies at once over real HTTP leave no duplicate behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from qlikreconcile.emulator import EmulatorConfig
from qlikreconcile.qlik.control import ControlRecords
from qlikreconcile.qlik.lease import Lease
from qlikreconcile.qlik.transport import LoopbackTransport
from qlikreconcile.reconcile.targeting import shard_of
from tests.e2e.harness import SECRETS, Harness, copy_desired
from tests.e2e.test_served_emulator import served

pytestmark = pytest.mark.http
__all__ = ["served"]
BASE = [sys.executable, "-m", "qlikreconcile"]
LEASE_SPACE = "qlikreconcile-control lease apply"


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, **SECRETS, "NO_COLOR": "1", **extra}


def _start(desired: Path, url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*BASE, *args, "-d", str(desired), "--target", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(**env),
    )


def _run(desired: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BASE, *args, "-d", str(desired), "--target", url],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=180,
        check=False,
    )


def _state(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/_emulator/state", timeout=10).json())


_MARKER = re.compile(r"\[managed by qlikreconcile(?:: (\w+) template=([^\s\]]+))?")


def _managed_copies(url: str) -> Counter[tuple[str, str, str]]:
    """Owned apps and spaces by (tenant, kind, what): a count above 1 is a duplicate."""
    found: Counter[tuple[str, str, str]] = Counter()
    for tenant in _state(url)["tenants"].values():
        for collection in ("apps", "spaces"):
            for item in tenant.get(collection, {}).values():
                marker = _MARKER.search(str(item.get("description") or ""))
                if marker is not None:
                    what = (
                        f"{marker.group(1)} {marker.group(2)}" if marker.group(1) else item["name"]
                    )
                    found[(tenant["name"], collection, what)] += 1
        for task in tenant.get("reload_tasks", {}).values():
            found[(tenant["name"], "reload_tasks", str(task["app_id"]))] += 1
    return found


def test_two_concurrent_applies_one_waits_and_nothing_is_duplicated(
    served: str, tmp_path: Path
) -> None:
    desired = copy_desired(tmp_path)
    first = _start(desired, served, "apply", "--auto-approve", "--lock-timeout", "150s")
    second = _start(desired, served, "apply", "--auto-approve", "--lock-timeout", "150s")
    outs = [p.communicate(timeout=200) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outs
    copies = _managed_copies(served)
    assert copies, "the apply created owned objects"
    assert {k: n for k, n in copies.items() if n > 1} == {}
    # One of the two applied everything; the other, after waiting, found nothing to do.
    assert any("No changes." in out for out, _ in outs), outs
    assert not any(
        s["name"] == LEASE_SPACE
        for t in _state(served)["tenants"].values()
        for s in t["spaces"].values()
    ), "the lease is released at the end"
    again = _run(desired, served, "plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


async def _hold(url: str, desired: Path, owner: str, ttl: float) -> None:
    """Take the lease as another machine's run would (``ttl`` < 0: one that already expired)."""
    harness = Harness(
        desired, app=object(), transport=LoopbackTransport(url), config=EmulatorConfig()
    )
    async with harness.session() as session:
        records = ControlRecords(session.client(harness.fleet().source.hostname))
        await Lease(records, owner=owner, ttl=ttl).acquire()


async def test_a_held_lease_refuses_at_once_naming_the_holder_and_can_be_broken(
    served: str, tmp_path: Path
) -> None:
    desired = copy_desired(tmp_path)
    await _hold(served, desired, "ci-runner-7@build", ttl=3600)
    plan = _run(desired, served, "plan")
    assert plan.returncode == 0, plan.stderr
    assert "held by ci-runner-7@build" in plan.stderr
    refused = _run(desired, served, "apply", "--auto-approve")
    assert refused.returncode == 1
    assert "another apply holds the fleet's lease: ci-runner-7@build" in refused.stderr
    assert "lease break" in refused.stderr
    assert _managed_copies(served) == Counter(), "nothing was written"
    broken = _run(desired, served, "lease", "break")
    assert broken.returncode == 0, broken.stderr
    assert "Broke the apply lease held by ci-runner-7@build" in broken.stdout
    applied = _run(desired, served, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert _run(desired, served, "lease", "show").stdout.strip() == "No apply holds the lease."


async def test_an_expired_lease_is_taken_over_with_a_log_line(served: str, tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    await _hold(served, desired, "crashed@laptop", ttl=-60)
    applied = _run(desired, served, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "taking over the expired apply lease of crashed@laptop" in applied.stderr


def test_shards_apply_side_by_side_and_the_roster_keeps_every_tenant(
    served: str, tmp_path: Path
) -> None:
    desired = copy_desired(tmp_path)
    runs = [
        _start(desired, served, "apply", "--auto-approve", "--shard", f"{i}/2", "--force")
        for i in (1, 2)
    ]
    outs = [p.communicate(timeout=200) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], outs
    assert not any("holds the fleet's lease" in err for _, err in outs), outs
    copies = _managed_copies(served)
    assert {k: n for k, n in copies.items() if n > 1} == {}
    listed = _run(desired, served, "lease", "show")
    assert "No apply holds the lease." in listed.stdout, listed.stdout + listed.stderr
    again = _run(desired, served, "plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    # Both shards added their tenants to the roster (one write never lost the other's): a
    # tenant of each shard removed from the spec is reported.
    by_shard = {shard_of(t, 2): t for t in ("acme", "globex", "initech")}
    assert set(by_shard) == {1, 2}
    for tenant in by_shard.values():
        (desired / "tenants" / f"{tenant}.yaml").unlink()
    removed = _run(desired, served, "plan")
    for tenant in by_shard.values():
        assert f"{tenant}: " in removed.stdout, removed.stdout + removed.stderr
