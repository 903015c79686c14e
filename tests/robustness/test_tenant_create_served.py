"""The CLI against ``emulator serve --faults ...,only=POST /api/v1/tenants``: never two tenants.

Real processes and a real socket: every tenant create loses its answer (drop: made; reset: not
made). Three applies in a row fail for every tenant with the recovery steps, and leave at most
one tenant per spec entry (counted in the emulator's own state). The operator's recovery (the
ids in the spec, or ``tenant forget``) then converges with exactly one tenant each.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qlikreconcile.emulator import SOURCE_HOST
from tests.e2e.harness import one_wave
from tests.robustness.served import Served, served_emulator

pytestmark = pytest.mark.http

REPO = Path(__file__).resolve().parents[2]
SECRETS = {
    "VENDOR_DW_PASSWORD": "vendor-dw-pw",
    "GLOBEX_PG_PASSWORD": "globex-pg-pw",
    "QLIKRECONCILE_FINGERPRINT_KEY": "test-fingerprint-key-5b1e0c",
}
TENANTS = {"acme": "eu", "globex": "us", "initech": "eu"}


def _cli(served: Served, desired: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qlikreconcile", *args, "-d", str(desired), "--target", served.url],
        capture_output=True,
        text=True,
        env={**os.environ, **SECRETS, "NO_COLOR": "1"},
        cwd=desired.parent,
        timeout=120,
        check=False,
    )


def _customers(served: Served) -> dict[str, str]:
    """Tenant id -> region of every tenant but the source."""
    tenants = served.state()["tenants"].values()
    return {t["id"]: t["region"] for t in tenants if SOURCE_HOST not in t["hostnames"]}


@pytest.mark.parametrize("fault", ["drop", "reset"])
def test_repeated_applies_never_create_twice(tmp_path: Path, fault: str) -> None:
    desired = tmp_path / "desired"
    one_wave(shutil.copytree(REPO / "desired", desired))  # every tenant's create is tried
    with served_emulator(tmp_path, "--faults", f"{fault}=1,only=POST /api/v1/tenants") as served:
        for run in range(3):
            applied = _cli(served, desired, "apply", "--auto-approve")
            output = applied.stdout + applied.stderr
            assert applied.returncode == 1, output
            for name in TENANTS:
                assert f"qlikreconcile tenant forget {name}" in output
            assert "Traceback" not in output
            assert len(_customers(served)) == (3 if fault == "drop" else 0), f"run {run + 1}"
        creates = [
            r for r in served.requests() if (r["method"], r["path"]) == ("POST", "/api/v1/tenants")
        ]
        assert len(creates) == 3  # one per tenant, in the first run only
        served.admin("POST", "/_emulator/faults", {})
        plan = _cli(served, desired, "plan")
        assert plan.returncode == 1
        assert "is blocked" in plan.stderr
        if fault == "drop":  # made, answer lost: name them (any new one of the region fits)
            unused = _customers(served)
            for name, region in TENANTS.items():
                tenant_id = next(i for i, r in unused.items() if r == region)
                del unused[tenant_id]
                path = desired / "tenants" / f"{name}.yaml"
                header = f"tenant: {{name: {name}, region: {region}"
                text = path.read_text()
                assert header in text
                path.write_text(text.replace(header, f"{header}, id: {tenant_id}"))
        else:  # nothing was created: say so
            for name in TENANTS:
                forgot = _cli(served, desired, "tenant", "forget", name)
                assert forgot.returncode == 0, forgot.stdout + forgot.stderr
                assert f"qlikreconcile-control tenant-create {name}" in forgot.stdout
        applied = _cli(served, desired, "apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        if fault == "drop":
            assert "⇐" in applied.stdout  # the plan shows the adoption
        final = _cli(served, desired, "plan", "--detailed-exitcode")
        assert final.returncode == 0, final.stdout + final.stderr
        assert len(_customers(served)) == 3
