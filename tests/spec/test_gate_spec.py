"""template.yaml `checks:` (the health gate) and fleet.yaml `defaults.reload` retry settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qlikreconcile.spec import load_fleet
from qlikreconcile.spec.desired_state import DataCheck

from .conftest import ARTIFACT, TEMPLATE_YAML, TENANT_YAML, problems_of, sha256

MakeFleet = Callable[..., Path]
TEMPLATE = TEMPLATE_YAML.format(sha=sha256(ARTIFACT))


def with_checks(fleet_dir: MakeFleet, checks: str) -> Path:
    return fleet_dir({"templates/sales/template.yaml": TEMPLATE + "checks:\n" + checks})


def test_checks_load_as_written(fleet_dir: MakeFleet) -> None:
    fleet = load_fleet(
        with_checks(
            fleet_dir,
            "  - {table: Orders, min_rows: 1, max_rows: 100000}\n"
            "  - {table: Orders}\n"
            "  - {field: OrderID}\n"
            "  - {field: Amount, table: Orders}\n",
        )
    )
    assert fleet.templates["sales"].checks == (
        DataCheck(table="Orders", min_rows=1, max_rows=100000),
        DataCheck(table="Orders"),
        DataCheck(field="OrderID"),
        DataCheck(field="Amount", table="Orders"),
    )
    assert load_fleet(fleet_dir()).templates["sales"].checks == ()


def test_every_bad_check_is_reported_at_its_position(fleet_dir: MakeFleet) -> None:
    start = len(TEMPLATE.splitlines()) + 2  # the line of checks[0]
    problems = problems_of(
        with_checks(
            fleet_dir,
            "  - {min_rows: 1}\n"
            "  - {field: OrderID, min_rows: 1}\n"
            "  - {table: Orders, min_rows: 5, max_rows: 2}\n"
            "  - {table: Orders}\n"
            "  - {table: Orders}\n"
            '  - {table: " "}\n',
        )
    )
    where = "desired/templates/sales/template.yaml"
    assert problems == [
        f"{where}:{start}:5: a data check names a `table` or a `field` (fix: write e.g."
        " {table: Orders, min_rows: 1} or {field: CustomerID})",
        f"{where}:{start + 1}:32: row bounds apply to a table, not to a field (fix: put the"
        " bounds in a check of its own: {table: NAME, min_rows: N})",
        f"{where}:{start + 2}:44: max_rows 2 is below min_rows 5 (fix: swap or correct them)",
        f"{where}:{start + 4}:5: the same data check is listed twice (also checks[3]) (fix: keep"
        " one of them)",
        f"{where}:{start + 5}:13: `table` is empty (fix: write the table name as the load script"
        " has it)",
    ]


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("{table: Orders, min_rows: -1}", "min_rows"),
        ("{table: Orders, min_rows: '1'}", "min_rows"),
        ("{table: Orders, rows: 1}", "unknown key 'rows'"),
        ("Orders", "checks[0]"),
    ],
)
def test_check_structure_is_validated(fleet_dir: MakeFleet, entry: str, words: str) -> None:
    (problem,) = problems_of(with_checks(fleet_dir, f"  - {entry}\n"))
    assert "template.yaml:" in problem
    assert words in problem


def fleet_with_reload(fleet_dir: MakeFleet, reload: str) -> Path:
    text = (fleet_dir() / "fleet.yaml").read_text()
    return fleet_dir({"fleet.yaml": text + f"  reload: {reload}\n"})


def test_reload_retry_settings_are_read_with_defaults(fleet_dir: MakeFleet) -> None:
    fleet = load_fleet(fleet_dir())
    assert (fleet.reload_retries, fleet.reload_retry_delay) == (3, 30)
    fleet = load_fleet(fleet_with_reload(fleet_dir, "{retries: 0, retry_delay: 1m30s}"))
    assert (fleet.reload_retries, fleet.reload_retry_delay) == (0, 90)


@pytest.mark.parametrize(
    ("reload", "words"),
    [
        ("{retries: -1}", "retries"),
        ("{retries: 11}", "retries"),
        ("{retries: two}", "retries"),
        ("{retry_delay: 5x}", "retry_delay '5x' is not a duration like 30s, 2m or 1m30s"),
        ("{retry_delay: 0s}", "retry_delay '0s' must be from 1s to 10m"),
        ("{retry_delay: 11m}", "retry_delay '11m' must be from 1s to 10m"),
    ],
)
def test_reload_retry_settings_are_validated(fleet_dir: MakeFleet, reload: str, words: str) -> None:
    desired = fleet_with_reload(fleet_dir, reload)
    line = len((desired / "fleet.yaml").read_text().splitlines())
    (problem,) = problems_of(desired)
    assert f"fleet.yaml:{line}:" in problem
    assert words in problem


def test_an_app_cannot_set_the_retry_settings(fleet_dir: MakeFleet) -> None:
    (problem,) = problems_of(
        fleet_dir({"tenants/acme.yaml": TENANT_YAML + "    reload: {retries: 2}\n"})
    )
    assert "tenants/acme.yaml:" in problem
    assert "unknown key 'retries'" in problem
