"""The bad-input corpus: every broken fleet fails with one clear problem, and no API call.

Committed cases live under tests/fixtures/invalid/NAME/: a minimal desired/ tree plus
expected.txt::

    position: desired/tenants/acme.yaml:12:15     (file:line[:col] of the problem)
    message: unknown template 'salez'             (a substring of its message)

Cases that must not be committed (a 50 MB file, binary and non-UTF-8 files, symlink loops, a
missing desired/ folder) are built at test time from tests/fixtures/minimal/ by :data:`BUILT`.

Each case is checked three ways: the loader reports exactly that problem with a fix; ``validate``
and ``plan`` exit 1 with the position, message and fix and no traceback; and no API call is made
(``plan`` against the embedded emulator creates no state, and against a served emulator leaves
its request log empty).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qlikreconcile.cli import main
from qlikreconcile.errors import SpecError
from qlikreconcile.spec import load_fleet
from tests.robustness.served import Served, served_emulator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INVALID = FIXTURES / "invalid"
MINIMAL = FIXTURES / "minimal" / "desired"
STATIC = sorted(p.name for p in INVALID.iterdir() if (p / "expected.txt").is_file())
TENANT = Path("desired/tenants/acme.yaml")
FIFTY_MB = 50 * 1024 * 1024


def _binary(desired: Path) -> None:
    (desired / TENANT.relative_to("desired")).write_bytes(b"tenant: {name: acme}\n\x00\x01\x02")


def _huge(desired: Path) -> None:
    line = b"# " + b"x" * 1021 + b"\n"  # 1 KiB of YAML comment per line
    with (desired / TENANT.relative_to("desired")).open("ab") as out:
        for _ in range(FIFTY_MB // len(line)):
            out.write(line)


def _not_utf8(desired: Path) -> None:
    path = desired / TENANT.relative_to("desired")
    path.write_bytes(path.read_bytes().replace(b"acme-viewers", b"acme-caf\xe9"))


def _symlink_loop(desired: Path) -> None:
    path = desired / TENANT.relative_to("desired")
    path.unlink()
    path.symlink_to(path.name)


def _broken_symlink(desired: Path) -> None:
    path = desired / TENANT.relative_to("desired")
    path.unlink()
    path.symlink_to("gone.yaml")


def _no_desired(desired: Path) -> None:
    shutil.rmtree(desired)


BUILT: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "binary_file": (_binary, str(TENANT), "binary file, expected UTF-8 text"),
    "huge_file": (_huge, str(TENANT), "more than the 1048576 byte limit"),
    "not_utf8": (_not_utf8, str(TENANT), "not UTF-8 text (invalid byte at offset"),
    "symlink_loop": (_symlink_loop, str(TENANT), "symlink loop"),
    "broken_symlink": (_broken_symlink, str(TENANT), "broken symlink"),
    "missing_desired": (_no_desired, "{desired}", "desired-state folder not found"),
}
CASES = STATIC + sorted(BUILT)


def _expected(case: str) -> dict[str, str]:
    text = (INVALID / case / "expected.txt").read_text(encoding="utf-8")
    return dict(line.split(": ", 1) for line in text.splitlines() if line.strip())


def materialise(case: str, root: Path) -> tuple[Path, str, str]:
    """The case's desired/ folder under ``root``, its expected position and message."""
    desired = root / "desired"
    if case in BUILT:
        build, position, message = BUILT[case]
        shutil.copytree(MINIMAL, desired)
        build(desired)
        return desired, position.format(desired=desired), message
    shutil.copytree(INVALID / case / "desired", desired, symlinks=True)
    expected = _expected(case)
    return desired, expected["position"], expected["message"]


def test_the_corpus_covers_every_listed_case() -> None:
    assert len(CASES) >= 30
    for wanted in (
        "yaml_syntax_error",
        "tabs_in_indentation",
        "duplicate_key",
        "unknown_key",
        "wrong_type",
        "unknown_template",
        "unknown_release",
        "digest_mismatch",
        "bad_region",
        "duplicate_tenant_name",
        "duplicate_hostname",
        "invalid_hostname",
        "undefined_variable",
        "bad_rrule",
        "app_unknown_space",
        "empty_fleet",
        "missing_desired",
        "binary_file",
        "huge_file",
        "symlink_loop",
    ):
        assert wanted in CASES


@pytest.mark.parametrize("case", CASES)
def test_loader_reports_the_expected_problem(case: str, tmp_path: Path) -> None:
    desired, position, message = materialise(case, tmp_path)
    with pytest.raises(SpecError) as caught:
        load_fleet(desired)
    matches = [p for p in caught.value.problems if message in p.message]
    assert len(matches) == 1, f"{case}: {caught.value}"
    problem = matches[0]
    assert str(problem.position) == position
    assert problem.fix, f"{case}: problem has no fix"
    assert str(problem).startswith(f"{position}: ")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out + err


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_emulator(tmp_path_factory.mktemp("served")) as running:
        yield running


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("DW_PASSWORD", "corpus-password")
    monkeypatch.delenv("QLIKRECONCILE_TARGET", raising=False)
    return tmp_path


@pytest.mark.parametrize("case", CASES)
def test_cli_exits_1_with_one_clear_message_and_no_api_call(
    case: str, workdir: Path, served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    desired, position, message = materialise(case, workdir)
    served.admin("DELETE", "/_emulator/requests")
    for argv in (
        ["validate", "-d", str(desired)],
        ["plan", "-d", str(desired)],
        ["plan", "-d", str(desired), "--target", served.url],
    ):
        code, output = _run(capsys, *argv)
        assert code == 1, f"{case} {argv[0]}: {output}"
        assert f"{position}: " in output, output
        assert message in output, output
        assert "(fix: " in output, output
        assert "Traceback" not in output
    assert not (workdir / ".qlikreconcile").exists(), "plan touched the embedded emulator"
    assert served.requests() == [], "plan sent requests to the served emulator"


def test_missing_secret_stops_apply_before_any_call(
    workdir: Path,
    served: Served,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desired = workdir / "desired"
    shutil.copytree(MINIMAL, desired)
    monkeypatch.delenv("DW_PASSWORD")
    served.admin("DELETE", "/_emulator/requests")
    code, output = _run(
        capsys, "apply", "-d", str(desired), "--target", served.url, "--auto-approve"
    )
    assert code == 1
    assert "DW_PASSWORD" in output
    assert "desired/tenants/acme.yaml" in output
    assert "Traceback" not in output
    assert served.requests() == []
    assert "DW_PASSWORD" not in os.environ
