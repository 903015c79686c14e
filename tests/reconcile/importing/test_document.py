"""The tenant document from an inventory: what the spec can hold is written, the rest noted."""

from __future__ import annotations

from qlikreconcile.qlik.inventory import (
    FoundAssignment,
    FoundConnection,
    FoundSpace,
    TenantInventory,
)
from qlikreconcile.reconcile.importing.document import (
    ADOPT_UNMARKED_KEY,
    secret_name,
    tenant_document,
)


def _inventory() -> TenantInventory:
    analytics = FoundSpace(
        "s2",
        "Team {{ x }}",
        "managed",
        "",
        (
            FoundAssignment("group", "g1", "viewers", ("consumer", "weird")),
            FoundAssignment("group", "g2", None, ("consumer",)),
            FoundAssignment("user", "u1", None, ("consumer",)),
        ),
    )
    return TenantInventory(
        "acme.eu.qlikcloud.com",
        spaces=(
            FoundSpace("s1", "Build", "shared", "ours"),
            analytics,
            FoundSpace("s3", "bad:name", "shared", ""),
        ),
        connections=(
            FoundConnection("pg", "Build", "postgres", "host=x"),
            FoundConnection("mine", None, "postgres", "host=y"),
            FoundConnection("odd", "bad:name", "postgres", "host=z"),
        ),
        apps=(),
        tasks=(),
    )


def test_what_the_spec_cannot_hold_is_noted_not_dropped() -> None:
    doc = tenant_document("acme", "eu", None, _inventory(), [], {})

    assert doc.data["tenant"] == {"name": "acme", "region": "eu"}
    assert doc.data[ADOPT_UNMARKED_KEY] is True
    build, team = doc.data["spaces"]
    assert build == {"name": "Build", "type": "shared", "description": "ours"}
    assert team["name"] == "{% raw %}Team {{ x }}{% endraw %}"
    assert team["members"] == [{"group": "viewers", "roles": ["consumer"]}]
    assert doc.data["connections"] == [
        {
            "name": "pg",
            "space": "Build",
            "type": "postgres",
            "connect": "host=x",
            "password": {"env": "ACME_PG_PASSWORD"},
        }
    ]
    assert doc.secrets == ["ACME_PG_PASSWORD"]
    notes = "\n".join(doc.notes)
    for expected in (
        "space 'bad:name'",
        "roles weird are unknown in a managed space",
        "group g2 cannot be read",
        "a user assignment (u1",
        "data connection 'mine' in no space (personal): not imported",
        "data connection 'odd' in space 'bad:name': not imported",
        "not in the form apply writes",
        "write-only",
    ):
        assert expected in notes, expected


def test_generated_secret_names_are_environment_names() -> None:
    assert secret_name("acme", "acme_pg") == "ACME_PG_PASSWORD"
    assert secret_name("acme", "vendor-dw") == "ACME_VENDOR_DW_PASSWORD"
    assert secret_name("4you", "db") == "T_4YOU_DB_PASSWORD"
