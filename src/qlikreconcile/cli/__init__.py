"""The command line: the only package that prints, and the one that maps errors to exit codes.

Exit codes: 0 success (and, with ``plan --detailed-exitcode``, the fleet matches the spec); 2
changes, or divergences the run will not repair, present (only with ``--detailed-exitcode``);
1 any error, usage errors and unreadable tenants included; 3 (apply) a wave halted the rollout
and later waves were not started; 4 (apply) the blast-radius guard refused the plan. Errors are
shown as one clear message, never a traceback (``-v`` adds debug logs, with secrets redacted).
"""

from __future__ import annotations

import sys

import click
from rich.text import Text

from qlikreconcile.cli.base import cli
from qlikreconcile.cli.console import fail, make_console
from qlikreconcile.errors import GuardError, QlikReconcileError, SpecError

__all__ = ["cli", "main"]

GUARD_REFUSED = 4
"""Exit code of an apply the blast-radius guard refused before any change."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every outcome into an exit code."""
    try:
        code = cli.main(args=argv, prog_name="qlikreconcile", standalone_mode=False)
    except SpecError as exc:
        err = make_console(stderr=True)
        err.print(Text(str(exc).split("\n", 1)[0] + ":", style="red"))
        for problem in exc.problems:
            err.print(Text(f"  {problem}"))
        code = 1
    except GuardError as exc:
        fail(str(exc))
        code = GUARD_REFUSED
    except QlikReconcileError as exc:
        code = fail(str(exc))
    except click.exceptions.Abort:
        code = fail("interrupted")
    except click.ClickException as exc:
        exc.show()
        code = 1
    except KeyboardInterrupt:
        code = fail("interrupted")
    sys.exit(code if isinstance(code, int) else 0)
