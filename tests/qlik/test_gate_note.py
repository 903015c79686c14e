"""The gate note: which reload's data passed which checks, beside an app's ownership marker."""

from __future__ import annotations

from qlikreconcile.qlik import data_checks, ownership

CHECKS = ({"table": "Orders", "min_rows": 1}, {"field": "CustomerID", "table": "Orders"})


def test_the_note_sits_beside_the_marker_and_replaces_an_older_one() -> None:
    marker = ownership.AppMarker(role="build", template="sales", release=2, applied="0123456789ab")
    description = ownership.app_description("Sales for Acme", marker)
    digest = data_checks.digest(CHECKS)
    first = ownership.with_gate_note(description, "reload-1", digest)
    second = ownership.with_gate_note(first, "reload-2", digest)
    assert second.startswith(description)
    assert second.count("[qlikreconcile gate:") == 1
    assert ownership.parse_app_marker(second) == marker  # older versions still read the marker
    assert ownership.parse_gate_note(second) == ("reload-2", digest)
    assert ownership.parse_gate_note(description) is None


def test_passed_only_for_the_noted_reload_and_the_same_checks() -> None:
    digest = data_checks.digest(CHECKS)
    noted = ownership.with_gate_note(
        "[managed by qlikreconcile: build template=sales]", "r1", digest
    )
    assert data_checks.passed(noted, {"id": "r1"}, CHECKS)
    assert data_checks.digest(tuple(reversed(CHECKS))) != digest  # the order is the template's
    assert data_checks.digest([dict(reversed(list(c.items()))) for c in CHECKS]) == digest
    assert not data_checks.passed(noted, {"id": "r2"}, CHECKS)
    assert not data_checks.passed(noted, {"id": "r1"}, CHECKS[:1])
    assert not data_checks.passed(noted, None, CHECKS)
    assert not data_checks.passed(None, {"id": "r1"}, CHECKS)
