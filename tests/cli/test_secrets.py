"""Secrets, proven: a sentinel in every secret never reaches output, logs, plan files or errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.e2e.harness import SECRETS, copy_desired, edit

SENTINELS = {name: f"SENTINEL-{name}-d41d8cd9" for name in SECRETS}
CLIENT_SECRET = "SENTINEL-CLIENT-SECRET-8f00b204"
ROTATED = "SENTINEL-ROTATED-PASSWORD-3c59dc04"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy_desired(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("QLIKRECONCILE_TARGET", raising=False)
    monkeypatch.setenv("QLIKRECONCILE_EMULATOR_CLIENT_SECRET", CLIENT_SECRET)
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_no_secret_anywhere(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def cli(*argv: str) -> int:
        code, out, err = run(capsys, *argv)
        seen.append(out + err)
        return code

    assert cli("-vv", "validate") == 0
    for output in ("text", "json", "markdown"):
        assert cli("-vv", "plan", "--output", output, "--out", f"plan-{output}.json") == 0
    for output in ("text", "json", "markdown"):
        assert cli("show", "plan-text.json", "--output", output) == 0
    assert cli("-vv", "apply", "plan-text.json", "--auto-approve") == 0
    monkeypatch.setenv("GLOBEX_PG_PASSWORD", ROTATED)
    for output in ("text", "json", "markdown"):
        assert cli("-vv", "plan", "--output", output, "--out", f"plan-rotated-{output}.json") == 0
    assert 'password: changed "(sensitive)"' in seen[-3]
    assert cli("-vv", "apply", "plan-rotated-text.json", "--auto-approve") == 0
    assert cli("plan", "--detailed-exitcode") == 0, "rotation applied: nothing left to do"
    edit(
        workdir / "desired" / "tenants" / "globex.yaml",
        r"^  connection: globex_pg$",
        "  connection: gone_pg",
    )
    assert cli("-vv", "apply", "--auto-approve") == 1, "the globex reloads fail"
    assert "Connection not found" in seen[-1]

    files = [p.read_text(errors="replace") for p in workdir.glob("plan-*.json")]
    logs = [r.getMessage() for r in caplog.records]
    logs += [str(r.exc_info[1]) for r in caplog.records if r.exc_info]
    everything = "\n".join([*seen, *files, *logs])
    assert "DEBUG" in "\n".join(seen), "debug logging was on"
    for secret in [*SENTINELS.values(), CLIENT_SECRET, ROTATED]:
        assert secret not in everything


def test_missing_fingerprint_key_names_the_variable_before_any_call(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QLIKRECONCILE_FINGERPRINT_KEY")
    for argv in (["plan"], ["apply", "--auto-approve"]):
        code, out, err = run(capsys, *argv)
        assert code == 1
        assert "QLIKRECONCILE_FINGERPRINT_KEY is not set" in err
        assert "Traceback" not in out + err
        assert not (workdir / ".qlikreconcile").exists(), "refused before any API call"
