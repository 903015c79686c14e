"""Commands load on first use: the root help is written from a table that must match them."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from qlikreconcile.cli import cli
from qlikreconcile.cli.base import LAZY_COMMANDS

REPO = Path(__file__).resolve().parents[2]


def test_the_table_names_every_command_with_its_own_short_help() -> None:
    for module in {m for m, _ in LAZY_COMMANDS.values()}:
        importlib.import_module(f"qlikreconcile.cli.{module}")
    assert set(cli.commands) == set(LAZY_COMMANDS)
    for name, (module, short) in LAZY_COMMANDS.items():
        command = cli.commands[name]
        assert command.callback is not None
        assert command.callback.__module__ == f"qlikreconcile.cli.{module}", name
        assert command.get_short_help_str(1000) == short, name


def test_root_help_imports_no_command_and_no_fleet() -> None:
    probe = (
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from qlikreconcile.cli import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('qlikreconcile'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    commands = {f"qlikreconcile.cli.{m}" for m, _ in LAZY_COMMANDS.values()}
    assert not loaded & commands, sorted(loaded & commands)
    assert not {m for m in loaded if m.startswith(("qlikreconcile.spec", "qlikreconcile.qlik"))}


def test_verbose_works_after_a_lazily_loaded_command_once() -> None:
    result = CliRunner().invoke(cli, ["validate", "-v", "-d", str(REPO / "desired")])
    assert result.exit_code == 0, result.output
    ctx = click.Context(cli)
    command = cli.get_command(ctx, "validate")
    assert command is not None
    cli.get_command(ctx, "validate")
    assert sum(p.name == "verbose" for p in command.params) == 1
