"""Typed operation inputs: every input the planner writes is one its kind's handler reads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from tests.e2e.harness import copy_desired

from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.plan import Operation
from qlikreconcile.errors import PlanError
from qlikreconcile.qlik import resources
from qlikreconcile.qlik.kinds.app import AppInputs
from qlikreconcile.qlik.kinds.assignment import AssignmentInputs
from qlikreconcile.qlik.kinds.connection import ConnectionInputs
from qlikreconcile.qlik.kinds.inputs import OperationInputs
from qlikreconcile.qlik.kinds.published_app import PublishedAppInputs
from qlikreconcile.qlik.kinds.reload import ReloadInputs
from qlikreconcile.qlik.kinds.reload_task import ReloadTaskInputs
from qlikreconcile.qlik.kinds.script import ScriptInputs
from qlikreconcile.qlik.kinds.tenant import TenantInputs
from qlikreconcile.reconcile.desired import desired_resources
from qlikreconcile.spec.fleet_loader import load_fleet

INPUTS: dict[str, type[OperationInputs]] = {
    resources.TENANT: TenantInputs,
    resources.ASSIGNMENT: AssignmentInputs,
    resources.CONNECTION: ConnectionInputs,
    resources.APP: AppInputs,
    resources.SCRIPT: ScriptInputs,
    resources.RELOAD: ReloadInputs,
    resources.PUBLISHED_APP: PublishedAppInputs,
    resources.RELOAD_TASK: ReloadTaskInputs,
}
"""Each kind with inputs, and its type (the space and the pending-create record have none)."""


def _op(kind: str, inputs: dict[str, object]) -> Operation:
    return Operation(ResourceKey("acme", kind, "x"), Action.CREATE, "test", inputs=inputs)


def test_every_desired_resource_of_the_example_fleet_has_inputs_its_handler_reads(
    tmp_path: Path,
) -> None:
    fleet = load_fleet(copy_desired(tmp_path))
    seen = set()
    for resource in desired_resources(fleet, {}):
        cls = INPUTS.get(resource.key.kind)
        if cls is None:
            assert not resource.inputs, resource.key  # a kind without inputs gets none
            continue
        op = _op(resource.key.kind, dict(resource.inputs))
        typed = cls.of(op)
        assert typed.as_dict() == dict(resource.inputs)
        seen.add(resource.key.kind)
    assert seen == set(INPUTS)


def test_reload_checks_round_trip_through_json_lists() -> None:
    typed = ReloadInputs(app="acme/app/sales", checks=({"table": "Orders", "min_rows": 1},))
    stored = typed.as_dict()
    assert stored == {"app": "acme/app/sales", "checks": [{"table": "Orders", "min_rows": 1}]}
    assert ReloadInputs.of(_op("reload", stored)) == typed


def test_defaults_stay_out_of_the_plan() -> None:
    stored = ConnectionInputs(name="c", space="acme/space/b", qtype="q").as_dict()
    assert stored == {"name": "c", "space": "acme/space/b", "qtype": "q"}


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"name": "c", "space": "s", "qtype": "q", "passwort_env": "X"}, "passwort_env"),
        ({"name": "c", "space": "s"}, "do not fit ConnectionInputs"),
    ],
)
def test_inputs_this_version_does_not_know_refuse_the_operation(
    inputs: dict[str, object], message: str
) -> None:
    with pytest.raises(PlanError, match=message) as refused:
        ConnectionInputs.of(_op("connection", inputs))
    assert "make the plan again" in str(refused.value)


def test_every_inputs_type_is_frozen() -> None:
    for cls in INPUTS.values():
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen, cls
        assert dataclasses.fields(cls), cls
