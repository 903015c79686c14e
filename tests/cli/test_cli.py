"""The CLI contract: commands, exit codes, the target shown first, errors without tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from qlikreconcile.cli import main
from tests.e2e.harness import SECRETS, copy_desired, edit


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy_desired(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("QLIKRECONCILE_TARGET", raising=False)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_validate_the_example_fleet(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert "Valid: fleet demo-oem, 3 tenants, 2 templates" in out


def test_plan_apply_plan_with_the_embedded_emulator(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "plan", "--detailed-exitcode")
    assert code == 2
    assert out.splitlines()[0] == (
        "Target: emulator (embedded, state .qlikreconcile/emulator-state.json)"
    )
    assert "Plan: " in out

    code, out, _ = run(capsys, "plan")
    assert code == 0, "without --detailed-exitcode changes are not an error"

    code, out, err = run(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    assert out.startswith("Target: emulator")
    assert (workdir / ".qlikreconcile" / "emulator-state.json").exists()

    code, out, _ = run(capsys, "plan", "--detailed-exitcode")
    assert code == 0
    assert "No changes." in out


def test_apply_refuses_without_a_terminal_and_without_auto_approve(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "apply")
    assert code == 1
    assert "--auto-approve" in err
    assert "Apply complete" not in out


def test_spec_error_exits_1_with_file_and_line_and_no_traceback(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        workdir / "desired" / "tenants" / "acme.yaml",
        r"^wave: canary$",
        "wave: canary\ncolour: red",
    )
    for command in (["validate"], ["plan", "--detailed-exitcode"], ["apply", "--auto-approve"]):
        code, out, err = run(capsys, *command)
        assert code == 1, command
        assert "desired/tenants/acme.yaml:5:1" in err, err
        assert "Traceback" not in out + err
        assert not (workdir / ".qlikreconcile").exists(), "no API call before the spec is valid"


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "--no-such-flag"],
        ["frobnicate"],
        ["template", "release"],
        ["plan", "--target"],
        ["apply", "--max-failures", "lots"],
    ],
)
def test_usage_errors_exit_1_never_2(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err


def test_unknown_target_is_an_error_not_a_fallback(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "plan", "--target", "staging")
    assert code == 1
    assert "unknown target 'staging'" in err
    code, _out, err = run(capsys, "plan", "--target", "qlik-cloud")
    assert code == 1
    assert "QLIKRECONCILE_CLIENT_ID" in err


def test_missing_secret_fails_apply_before_any_call(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GLOBEX_PG_PASSWORD")
    code, _, err = run(capsys, "apply", "--auto-approve")
    assert code == 1
    assert "GLOBEX_PG_PASSWORD" in err
    assert not (workdir / ".qlikreconcile").exists()


def test_secrets_never_reach_output_or_debug_logs(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sentinels = {name: f"SENTINEL-{name}-5f3a9c" for name in SECRETS}
    for name, value in sentinels.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("QLIKRECONCILE_EMULATOR_CLIENT_SECRET", "SENTINEL-client-secret-77")
    edit(
        workdir / "desired" / "tenants" / "globex.yaml",
        r"^  connection: globex_pg$",
        "  connection: gone_pg",
    )
    seen = []
    for argv in (["-vv", "validate"], ["-vv", "plan"], ["-vv", "apply", "--auto-approve"]):
        code, out, err = run(capsys, *argv)
        seen.append(out + err)
    assert code == 1, "the globex reloads fail"
    assert "Connection not found" in seen[-1]
    everything = "\n".join(seen)
    assert "DEBUG" in everything, "debug logging was on"
    for value in [*sentinels.values(), "SENTINEL-client-secret-77"]:
        assert value not in everything


def test_tenant_forget_without_a_pending_create(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "tenant", "forget", "acme")
    assert code == 0
    assert out.splitlines()[0].startswith("Target: emulator (embedded")
    assert "acme: no pending create is recorded in vendor-source.eu.qlikcloud.com" in out
