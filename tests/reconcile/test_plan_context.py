"""The plan's context: typed, versioned, refused with the fix when it is not ours."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from qlikreconcile.engine import plan_file
from qlikreconcile.errors import PlanError
from qlikreconcile.reconcile.plan_context import CONTEXT_VERSION, context_of, parse_context
from tests.e2e.harness import Harness, copy_desired


async def test_the_context_round_trips_through_a_saved_plan(tmp_path: Path) -> None:
    planned = await Harness(copy_desired(tmp_path)).plan()
    context = context_of(planned.plan)
    assert context.version == CONTEXT_VERSION
    assert set(context.tenants) == {"acme", "globex", "initech"}
    path = tmp_path / "plan.json"
    plan_file.save(planned.plan, path)
    loaded = context_of(plan_file.load(path))
    assert loaded == context
    assert loaded.refs() == context.refs()
    assert [a.template for a in context.tenants["acme"].apps] == ["sales", "inventory"]


async def test_a_plan_of_format_version_1_is_refused(tmp_path: Path) -> None:
    planned = await Harness(copy_desired(tmp_path)).plan()
    path = tmp_path / "plan.json"
    plan_file.save(planned.plan, path)
    document = json.loads(path.read_text())
    document["format_version"] = 1
    path.write_text(json.dumps(document))
    with pytest.raises(PlanError, match=r"format_version 1 is not supported.*make the plan again"):
        plan_file.load(path)


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda c: c.pop("version"), "context.version"),
        (lambda c: c.update(version=2), "context.version"),
        (lambda c: c.update(reload_max_concurrent=0), "context.reload_max_concurrent"),
        (lambda c: c["tenants"]["acme"].update(hots="x"), "context.tenants.acme.hots"),
        (lambda c: c["tenants"]["acme"].pop("host"), "context.tenants.acme.host"),
    ],
)
async def test_a_context_this_version_did_not_write_is_refused_with_the_fix(
    tmp_path: Path, edit: object, where: str
) -> None:
    planned = await Harness(copy_desired(tmp_path)).plan()
    context = json.loads(json.dumps(dict(planned.plan.context)))
    edit(context)  # type: ignore[operator]
    with pytest.raises(PlanError, match=rf"{where}: .*make the plan again"):
        parse_context(context)
    with pytest.raises(PlanError):
        context_of(dataclasses.replace(planned.plan, context=context))


def test_the_context_keeps_every_field_discovery_takes() -> None:
    # The context is the persisted contract and the refs are discovery's runtime input: two
    # types on purpose, which must not drift apart (a field missing here would be lost when a
    # saved plan is applied).
    from qlikreconcile.qlik.refs import AppRef, TenantRef
    from qlikreconcile.reconcile.plan_context import AppContext, TenantContext

    assert set(AppContext.model_fields) == {f.name for f in dataclasses.fields(AppRef)} - {"script"}
    assert set(TenantContext.model_fields) == {f.name for f in dataclasses.fields(TenantRef)} - {
        "name"
    }


async def test_the_context_a_plan_stores_is_the_models_own_dump(tmp_path: Path) -> None:
    # plan_fleet writes the context's JSON object directly (no model of every tenant built only
    # to be dumped); it must be exactly what the model dumps, key order included.
    planned = await Harness(copy_desired(tmp_path)).plan()
    written = dict(planned.plan.context)
    dumped = parse_context(written).model_dump(mode="json")
    assert json.dumps(written) == json.dumps(dumped)
