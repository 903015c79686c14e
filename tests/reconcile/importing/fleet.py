"""The five tutorial-deployed tenants the import tests read, and helpers to check the files."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.reconcile.importing.tutorial import TutorialApp, TutorialTenant

DAILY = "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0"
SIX_HOURLY = "RRULE:FREQ=HOURLY;INTERVAL=6"

FLEET = (
    TutorialTenant(
        "acme",
        "eu",
        "acme-Secret-pw-41",
        where="WHERE customer_id = 4711",
        apps=(TutorialApp("sales", schedule=DAILY),),
        groups={"viewers": ["consumer"], "analysts": ["consumer", "contributor"]},
    ),
    TutorialTenant(
        "initech",
        "eu",
        "initech-Secret-pw-42",
        where="WHERE customer_id = 815",
        apps=(TutorialApp("sales", name="Initech Sales"),),
    ),
    TutorialTenant(
        "globex",
        "us",
        "globex-Secret-pw-43",
        apps=(
            TutorialApp("sales"),
            TutorialApp("inventory", schedule=SIX_HOURLY, timezone="America/New_York"),
        ),
    ),
    TutorialTenant(
        "umbrella",
        "eu",
        "umbrella-Secret-pw-44",
        where="WHERE customer_id = 12",
        apps=(TutorialApp("sales", script_suffix="// edited by hand\n"),),
    ),
    TutorialTenant(
        "hooli",
        "us",
        "hooli-Secret-pw-45",
        where="WHERE customer_id = 99",
        extra_apps=("Hooli board",),
    ),
)
PASSWORDS = tuple(t.password for t in FLEET)


def read_yaml(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
