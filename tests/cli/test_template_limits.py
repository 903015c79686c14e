"""Templating cannot blow up: each resource limit is a file:line error from validate and plan.

Every case must end with exit 1, the file and line in the message, the limit named, no
traceback, and no API call (the embedded emulator's state directory is never created).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qlikreconcile.spec import jinja_limits
from tests.cli.test_cli import run, workdir
from tests.e2e.harness import edit

__all__ = ["workdir"]

ACME = "desired/tenants/acme.yaml"
SALES = "desired/templates/sales/sales.qvs.j2"
VALUE_LINE = r"^  customer_id: 4711$"
SCRIPT_LINE = r"^SET ThousandSep=',';$"
REPO = Path(__file__).resolve().parents[2]


def _line(path: str, pattern: str) -> int:
    """Where the edited line is in the example fleet (it moves when the examples change)."""
    lines = (REPO / path).read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, 1) if re.match(pattern, text))


VALUE_POS = f"{ACME}:{_line(ACME, VALUE_LINE) + 1}:8"  # the line added below it

CASES = {
    "string repeat": (
        ACME,
        VALUE_LINE,
        "  big: \"{{ 'a' * 5000000000 }}\"",
        VALUE_POS,
        "1,000,000",
    ),
    "power": (ACME, VALUE_LINE, '  big: "{{ 10 ** 100000000 }}"', VALUE_POS, "4,096 bits"),
    "format width": (
        ACME,
        VALUE_LINE,
        "  big: \"{{ '%5000000000d' % 1 }}\"",
        VALUE_POS,
        "1,000,000",
    ),
    "width filter": (
        ACME,
        VALUE_LINE,
        "  big: \"{{ 'a'|center(5000000000) }}\"",
        VALUE_POS,
        "1,000,000",
    ),
    "value output": (
        ACME,
        VALUE_LINE,
        "  big: \"{% for i in range(20000) %}{{ 'x' * 100 }}{% endfor %}\"",
        VALUE_POS,
        "more than 1,000,000 characters",
    ),
    "script output": (
        SALES,
        SCRIPT_LINE,
        "{% for i in range(100000) %}{{ 'x' * 200 }}{% endfor %}",
        f"{SALES}:3",
        "more than 10,000,000 characters",
    ),
    "time": (
        SALES,
        SCRIPT_LINE,
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        f"{SALES}:3",
        "longer than 0.3 s",
    ),
    "recursion": (
        SALES,
        SCRIPT_LINE,
        "{% macro deep(n) %}{{ deep(n + 1) }}{% endmacro %}{{ deep(0) }}",
        SALES,
        "RecursionError",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_template_limit_is_a_file_line_error_before_any_call(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    if case == "time":  # the other cases must not depend on the speed of a shared machine
        monkeypatch.setattr(jinja_limits, "MAX_RENDER_SECONDS", 0.3)
    file, line, extra, where, limit = CASES[case]
    edit(workdir / file, line, line.strip("^$").replace("\\", "") + "\n" + extra)
    for command in (["validate"], ["plan", "--detailed-exitcode"]):
        code, out, err = run(capsys, *command)
        assert code == 1, (command, out, err)
        assert where in err, err
        assert limit in err, err
        assert "Traceback" not in out + err
        assert not (workdir / ".qlikreconcile").exists(), "no API call with a broken template"
