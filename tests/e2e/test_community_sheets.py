"""Managed spaces where customers can share sheets: the example fleet, validate's warning, and
the emulator refusing a community sheet from a group that may not contribute."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from qlikreconcile.cli import main
from tests.e2e.harness import Harness, copy_desired, edit

ACME = "acme.eu.qlikcloud.com"


async def test_only_a_contributor_group_shares_sheets_in_the_example_fleet(
    tmp_path: Path,
) -> None:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    published = await harness.app_by_template(ACME, "sales", "published")
    path = f"/_emulator/tenants/{ACME}/apps/{published['id']}/sheets"
    shared = await harness.admin(
        "POST", path, {"title": "Q3", "type": "community", "group": "acme-analysts"}
    )
    assert shared["type"] == "community"
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await harness.admin(
            "POST", path, {"title": "Q4", "type": "community", "group": "acme-viewers"}
        )
    assert refused.value.response.status_code == 403
    assert "contributor" in refused.value.response.text


async def test_validate_and_plan_warn_when_nobody_can_share_sheets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    desired = copy_desired(tmp_path)
    tenant = desired / "tenants" / "initech.yaml"
    edit(tenant, r"^      - \{group: initech-analysts.*$", "")
    line = next(
        n
        for n, text in enumerate(tenant.read_text(encoding="utf-8").splitlines(), 1)
        if "publish_to: Initech analytics" in text
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(["validate"])
    assert exited.value.code == 0  # a warning, not an error
    out, err = capsys.readouterr()
    assert f"desired/tenants/initech.yaml:{line}:" in err
    assert "managed space 'Initech analytics' gives no group the contributor role" in err
    assert "1 warning(s)." in out
    plan = (await Harness(desired).plan()).plan
    assert any("Initech analytics' gives no group the contributor role" in w for w in plan.warnings)
    assert not any("Acme analytics" in w for w in plan.warnings)
