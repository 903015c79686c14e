"""`rollout:`, `wave:` and `freeze_until:` as the loader reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from qlikreconcile.spec.fleet_loader import load_fleet
from qlikreconcile.spec.rollout_checks import parse_freeze

EXAMPLE = Path(__file__).resolve().parents[2] / "desired"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24", datetime(2026, 12, 24, tzinfo=UTC)),
        ("2026-12-24T18:00:00+01:00", datetime(2026, 12, 24, 17, tzinfo=UTC)),
        ("2026-12-24T18:00:00Z", datetime(2026, 12, 24, 18, tzinfo=UTC)),
        ("2026-12-24T18:00:00", None),  # no offset: whose evening?
        ("next tuesday", None),
    ],
)
def test_freeze_dates(text: str, expected: datetime | None) -> None:
    assert parse_freeze(text) == expected


def test_the_example_fleet_declares_its_waves() -> None:
    fleet = load_fleet(EXAMPLE)
    assert fleet.rollout.waves == ("canary", "early", "main")
    assert fleet.rollout.max_failures == "10%"
    assert {t.name: t.wave for t in fleet.tenants} == {
        "acme": "canary",
        "initech": "early",
        "globex": None,  # the last wave
    }
    assert fleet.rollout.guard["republish"].share == 50.0
    assert "replace" not in fleet.rollout.guard  # the default applies
