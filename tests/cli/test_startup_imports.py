"""Start-up: `--help`, `validate` and a Qlik Cloud target never load the emulator (Starlette,
uvicorn and its routes), which only the emulator targets and `emulator serve` use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EMULATOR_ONLY = (
    "qlikreconcile.emulator.app",
    "qlikreconcile.emulator.server",
    "starlette",
    "uvicorn",
)

PROBE = """
import json, sys
from click.testing import CliRunner
from qlikreconcile.cli import cli
args = json.loads(sys.argv[1])
if args == ["qlik-cloud"]:
    from qlikreconcile.reconcile import fleet, target
    source, settings, _ = fleet.load_sources(__import__("pathlib").Path("desired"))
    env = {"QLIKRECONCILE_CLIENT_ID": "id", "QLIKRECONCILE_CLIENT_SECRET": "secret"}
    target.resolve("qlik-cloud", settings=settings, source=source, environ=env).session()
else:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
roots = {"qlikreconcile", "starlette", "uvicorn"}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in roots)))
"""


@pytest.mark.parametrize("args", [["--help"], ["validate", "-d", "desired"], ["qlik-cloud"]])
def test_commands_that_do_not_serve_the_emulator_do_not_import_it(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert not loaded & set(EMULATOR_ONLY), sorted(loaded & set(EMULATOR_ONLY))
