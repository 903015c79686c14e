"""Each broken fleet under tests/fixtures/invalid/NAME/ fails with its expected problem.

Each fixture is a minimal desired/ tree plus expected.txt::

    position: desired/tenants/acme.yaml:12:15     (file:line[:col] of the problem)
    message: unknown template 'salez'             (a substring of its message)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qlikreconcile.errors import SpecError
from qlikreconcile.spec import load_fleet

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "invalid"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())


def _expected(case: str) -> dict[str, str]:
    text = (FIXTURES / case / "expected.txt").read_text(encoding="utf-8")
    return dict(line.split(": ", 1) for line in text.splitlines() if line.strip())


def test_there_are_enough_fixtures() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_invalid_fleet_reports_the_expected_problem(case: str) -> None:
    expected = _expected(case)
    with pytest.raises(SpecError) as caught:
        load_fleet(FIXTURES / case / "desired")
    matches = [p for p in caught.value.problems if expected["message"] in p.message]
    assert len(matches) == 1, f"{case}: {caught.value}"
    problem = matches[0]
    assert str(problem.position) == expected["position"]
    assert problem.position.line is not None or ":" not in expected["position"]
    assert problem.fix, f"{case}: problem has no fix"
    assert str(problem).startswith(f"{expected['position']}: ")
