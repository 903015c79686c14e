"""Everything qlikreconcile shows a person: text on stdout, messages and progress on stderr.

Colour only on a terminal and never with ``NO_COLOR``; rich drops it by itself when piped.
Progress is a live bar on a terminal and one line per finished operation in CI logs.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.text import Text

from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.report import OpResult

STYLES = (
    (re.compile(r"^\s*(\+|↻|⇪) "), "green"),
    (re.compile(r"^\s*(~|⇪~) "), "yellow"),
    (re.compile(r"^\s*(-/\+|-|⊘) "), "red"),
    (re.compile(r"^\s+\+(?!\+\+)"), "green"),
    (re.compile(r"^\s+-(?!--)"), "red"),
    (re.compile(r"^\s+! "), "yellow"),
    (re.compile(r"^\s+failed "), "red"),
    (re.compile(r"^Plan: |^No changes"), "bold"),
)


def make_console(stderr: bool = False) -> Console:
    no_color = bool(os.environ.get("NO_COLOR"))
    return Console(stderr=stderr, no_color=no_color, highlight=False, soft_wrap=True)


def echo(text: str) -> None:
    """Print rendered plain text, coloured by line on a terminal (rich drops colour when piped)."""
    con = make_console()
    for line in text.rstrip("\n").split("\n"):
        style = next((s for pattern, s in STYLES if pattern.search(line)), None)
        con.print(Text(line, style=style or ""))


def warn(message: str) -> None:
    make_console(stderr=True).print(Text(message, style="yellow"))


def note(message: str) -> None:
    make_console(stderr=True).print(Text(message, style="dim"))


class _Progress:
    """Progress on stderr: a live bar on a terminal, one line per finished operation in CI logs."""

    @contextlib.contextmanager
    def reading(self, total: int) -> Iterator[Callable[[Any], None]]:
        con = make_console(stderr=True)
        if not con.is_terminal or total < 2:
            yield lambda _ref: None
            return
        with Progress(console=con, transient=True) as bar:
            task = bar.add_task("Reading tenants", total=total)
            yield lambda _ref: bar.advance(task)

    def __init__(self) -> None:
        self.streamed: set[str] = set()
        """Ids of the results already printed as they finished (no terminal), not to repeat."""

    @contextlib.contextmanager
    def applying(self, total: int) -> Iterator[Callable[[Operation, OpResult | None], None]]:
        con = make_console(stderr=True)
        self.streamed = set()
        if not con.is_terminal:

            def line(op: Operation, result: OpResult | None) -> None:
                # These lines are the list of results in CI: the closing report only sums up.
                if result is None:
                    return
                self.streamed.add(result.op_id)
                ok = result.status.value == "succeeded"
                why = "" if ok else f": {result.reason}"
                con.print(Text(f"  {result.status.value:9} {op.action.glyph:3} {op.key}{why}"))
                if result.detail and result.status.value == "failed":
                    con.print(Text(f"              Qlik: {result.detail}"))

            yield line
            return
        with Progress(console=con, transient=True) as bar:
            task = bar.add_task("Applying", total=total)

            def advance(op: Operation, result: OpResult | None) -> None:
                if result is None:
                    bar.update(task, description=f"{op.action.value} {op.key}")
                else:
                    bar.advance(task)

            yield advance


progress = _Progress()


def fail(message: str) -> int:
    make_console(stderr=True).print(Text(f"Error: {message}", style="red"))
    return 1
