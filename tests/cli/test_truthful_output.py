"""The CLI says what happened once, in the right words: issue 9, reproductions 4 and 6.

CI output is printed once, a stale-plan refusal is not called "Apply complete", -v works after
the subcommand, and a retry line names the request that failed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.cli.test_cli import run, workdir
from tests.e2e.harness import SECRETS, copy_desired, edit
from tests.robustness.rig import Rig

__all__ = ["workdir"]


def test_apply_without_a_terminal_lists_each_result_once(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    results = [line for line in (out + err).splitlines() if line.startswith("  succeeded ")]
    assert results, "no result was listed at all"
    assert len(results) == len(set(results)), "a result was printed twice"
    assert "Apply complete:" in out.splitlines()[-1]


def test_stale_saved_plan_is_not_called_complete(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "plan", "--out", "plan.json")
    assert code == 0, out + err
    code, out, err = run(capsys, "apply", "plan.json", "--auto-approve")
    assert code == 0, out + err
    # The same plan again: every tenant it touches changed since (this plan made them).
    code, out, err = run(capsys, "apply", "plan.json", "--auto-approve")
    assert code == 1
    assert "stale plan" in err
    last = out.strip().splitlines()[-1]
    assert not last.startswith("Apply complete"), last
    assert last.startswith("Apply refused: 0 succeeded, 0 failed, 0 skipped, 3 tenants refused")


@pytest.mark.parametrize("argv", [("plan", "-vv"), ("-vv", "plan"), ("-v", "plan", "-v")])
def test_verbose_before_or_after_the_subcommand(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 0, out + err
    assert "DEBUG " in err, "-vv gave no debug log"


async def test_retry_line_names_the_token_request_that_failed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rig = Rig(copy_desired(tmp_path), secrets=SECRETS)
    caplog.set_level(logging.INFO, logger="qlikreconcile.qlik.retry")
    await rig.faults({"once": {"POST /oauth/token": "500-before"}})
    await rig.run()
    retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retrying")]
    assert len(retries) == 1, retries
    assert "POST https://" in retries[0]
    assert "/oauth/token failed with HTTP 500" in retries[0]


def test_removed_app_is_a_divergence_not_a_match(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    edit(
        workdir / "desired" / "tenants" / "acme.yaml",
        r"^  - template: inventory\n    space: Acme build\n    publish_to: Acme analytics\n.*\n",
        "",
    )
    code, out, err = run(capsys, "plan", "--detailed-exitcode")
    assert code == 2, out + err
    assert "Not repaired by this run:" in out
    assert "no longer in the spec; left in place" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("No changes to make, but the fleet does not match"), last
    code, out, _ = run(capsys, "plan", "-o", "json")
    document = json.loads(out)
    assert any("inventory" in d for d in document["divergences"])
    code, out, _ = run(capsys, "plan", "-o", "markdown")
    assert "**Not repaired by this run**" in out


def test_a_removed_tenant_is_a_divergence_until_disowned(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reproduction 4: a deleted tenant file, whose schedules keep running, is never silent."""
    code, out, err = run(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    code, out, err = run(capsys, "tenant", "disown", "initech")
    assert code == 1
    assert "initech is still in the spec" in out + err
    (workdir / "desired" / "tenants" / "initech.yaml").unlink()
    code, out, err = run(capsys, "plan", "--detailed-exitcode")
    assert code == 2, out + err
    assert "initech/reload_task/sales: left in a tenant no longer in the spec" in out
    assert "The fleet matches the desired state" not in out
    code, out, err = run(capsys, "tenant", "disown", "initech")
    assert code == 0, out + err
    assert "initech: disowned (initech.eu.qlikcloud.com)" in out
    code, out, err = run(capsys, "plan", "--detailed-exitcode")
    assert code == 0, out + err
    assert "initech" not in out
