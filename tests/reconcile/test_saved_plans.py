"""Saved plans: the file round-trips, applies exactly, and refuses tenants that changed since."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qlikreconcile.engine import plan_file
from qlikreconcile.errors import PlanError, SecretError
from qlikreconcile.reconcile.service import (
    ArtifactReader,
    apply_plan,
    plan_secrets,
    refresh_saved,
)
from tests.e2e.harness import FAST_POLLING, SECRETS, Harness, copy_desired, edit


async def test_saved_plan_round_trips_with_the_same_checksum(tmp_path: Path) -> None:
    planned = await Harness(copy_desired(tmp_path)).plan()
    path = tmp_path / "plan.json"
    plan_file.save(planned.plan, path)
    loaded = plan_file.load(path)
    assert loaded.checksum == planned.plan.checksum
    assert loaded.canonical() == planned.plan.canonical()


async def test_edited_or_foreign_plan_files_are_refused(tmp_path: Path) -> None:
    planned = await Harness(copy_desired(tmp_path)).plan()
    path = tmp_path / "plan.json"
    plan_file.save(planned.plan, path)
    document = json.loads(path.read_text())
    document["tenants"][0]["operations"][0]["reason"] = "trust me"
    path.write_text(json.dumps(document))
    with pytest.raises(PlanError, match="checksum mismatch"):
        plan_file.load(path)
    document["format_version"] = 99
    path.write_text(json.dumps(document))
    with pytest.raises(PlanError, match="format_version 99 is not supported"):
        plan_file.load(path)
    path.write_text("{not json")
    with pytest.raises(PlanError, match="not a plan file"):
        plan_file.load(path)


async def test_saved_plan_applies_exactly_and_refuses_stale_tenants(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    edit(desired / "tenants" / "acme.yaml", r"^  customer_id: 4711$", "  customer_id: 4712")
    edit(desired / "tenants" / "initech.yaml", r"^  customer_id: 815$", "  customer_id: 816")
    planned = await harness.plan()
    path = tmp_path / "plan.json"
    plan_file.save(planned.plan, path)
    saved = plan_file.load(path)
    assert {op.key.tenant for op in saved.operations} == {"acme", "initech"}

    # Someone edits acme's sales script in the tenant after the plan was made.
    build = await harness.app_by_template("acme.eu.qlikcloud.com", "sales", "build")
    async with harness.session() as session:
        await session.client("acme.eu.qlikcloud.com").post_json(
            f"/api/v1/apps/{build['id']}/scripts",
            {"script": "// hand edit\nLOAD 1 AS x AUTOGENERATE 1;", "versionMessage": "hotfix"},
        )
        refreshed = await refresh_saved(saved, session)
        assert set(refreshed.stale) == {"acme"}
        assert any("acme/script/sales changed" in r for r in refreshed.stale["acme"])
        assert {op.key.tenant for op in refreshed.planned.plan.operations} == {"initech"}
        report = await apply_plan(
            refreshed.planned,
            session,
            secrets=plan_secrets(saved, SECRETS),
            artifacts=ArtifactReader(desired.parent),
            polling=FAST_POLLING,
        )
    assert report.ok
    assert [r.op_id for r in report.results] == [op.id for op in refreshed.planned.plan.operations]
    after = await harness.plan()
    assert {op.key.tenant for op in after.plan.operations} == {"acme"}


def test_saved_plan_needs_its_secrets_before_any_call() -> None:
    from qlikreconcile.engine.keys import Action, ResourceKey
    from qlikreconcile.engine.plan import Operation, Plan

    plan = Plan(
        "t",
        (
            Operation(
                ResourceKey("acme", "connection", "b:dw"),
                Action.CREATE,
                "does not exist",
                inputs={
                    "name": "dw",
                    "space": "acme/space/b",
                    "qtype": "QvOdbcConnectorPackage.exe",
                    "password_env": "DW_PASSWORD",
                },
            ),
        ),
    )
    with pytest.raises(SecretError, match="DW_PASSWORD"):
        plan_secrets(plan, {})
    with pytest.raises(SecretError, match="QLIKRECONCILE_FINGERPRINT_KEY"):
        plan_secrets(plan, {"DW_PASSWORD": "x"})
    environ = {"DW_PASSWORD": "x", "QLIKRECONCILE_FINGERPRINT_KEY": "k" * 16}
    assert plan_secrets(plan, environ)["DW_PASSWORD"].get_secret_value() == "x"
