"""Planner: create/update/replace/refresh decisions, ownership, ordering and determinism."""

from __future__ import annotations

from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.planner import make_plan
from qlikreconcile.engine.state import ActualResource, ActualState, DesiredResource

KINDS = {
    "space": KindSpec("space", 1),
    "app": KindSpec("app", 2, immutable_fields=frozenset({"release"})),
    "script": KindSpec("script", 3, create_action=Action.UPDATE, text_fields=frozenset({"script"})),
    "reload": KindSpec(
        "reload",
        4,
        create_action=Action.RELOAD,
        update_action=Action.RELOAD,
        refresh_action=Action.RELOAD,
    ),
    "conn": KindSpec("conn", 1, sensitive_fields=frozenset({"password"})),
}


def k(kind: str, name: str, tenant: str = "acme") -> ResourceKey:
    return ResourceKey(tenant, kind, name)


def fleet(script: str = "LOAD 1;", release: int = 1) -> list[DesiredResource]:
    return [
        DesiredResource(k("space", "build"), {"type": "shared"}),
        DesiredResource(k("app", "sales"), {"release": release}, depends_on=(k("space", "build"),)),
        DesiredResource(k("script", "sales"), {"script": script}, parent=k("app", "sales")),
        DesiredResource(
            k("reload", "sales"),
            {"status": "SUCCEEDED"},
            parent=k("app", "sales"),
            refresh_on=(k("script", "sales"),),
        ),
    ]


def actual(*resources: ActualResource) -> ActualState:
    return ActualState({r.key: r for r in resources})


CONVERGED = (
    ActualResource(k("space", "build"), {"type": "shared"}, ident="s1"),
    ActualResource(k("app", "sales"), {"release": 1}, ident="a1"),
    ActualResource(k("script", "sales"), {"script": "LOAD 1;"}),
    ActualResource(k("reload", "sales"), {"status": "SUCCEEDED"}),
)


def plan_of(desired: list[DesiredResource], state: ActualState) -> list[tuple[str, Action]]:
    plan = make_plan(desired, state, KINDS, target="test", tenants=["acme"])
    return [(str(op.key), op.action) for op in plan.operations]


def test_empty_actual_plans_everything_in_dependency_order() -> None:
    plan = make_plan(fleet(), actual(), KINDS, target="test", tenants=["acme"])
    assert [(str(o.key), o.action) for o in plan.operations] == [
        ("acme/space/build", Action.CREATE),
        ("acme/app/sales", Action.CREATE),
        ("acme/script/sales", Action.UPDATE),
        ("acme/reload/sales", Action.RELOAD),
    ]
    reload_op = plan.operations[-1]
    assert set(reload_op.depends_on) == {"acme/app/sales:create", "acme/script/sales:update"}
    assert plan.operations[2].reason == "acme/app/sales is new"


def test_converged_state_plans_nothing() -> None:
    assert plan_of(fleet(), actual(*CONVERGED)) == []


def test_script_change_plans_update_and_refresh_reload() -> None:
    ops = make_plan(
        fleet(script="LOAD 2;"), actual(*CONVERGED), KINDS, target="t", tenants=["acme"]
    )
    assert [(str(o.key), o.action) for o in ops.operations] == [
        ("acme/script/sales", Action.UPDATE),
        ("acme/reload/sales", Action.RELOAD),
    ]
    change = ops.operations[0].changes[0]
    assert (change.path, change.before, change.after, change.text) == (
        "script",
        "LOAD 1;",
        "LOAD 2;",
        True,
    )
    assert ops.operations[1].reason == "after changes to acme/script/sales"


def test_immutable_field_plans_replace_and_children_as_new() -> None:
    result = plan_of(fleet(release=2), actual(*CONVERGED))
    assert result == [
        ("acme/app/sales", Action.REPLACE),
        ("acme/script/sales", Action.UPDATE),
        ("acme/reload/sales", Action.RELOAD),
    ]


def test_unowned_resource_is_left_alone_and_blocks_dependents() -> None:
    state = actual(ActualResource(k("space", "build"), {"type": "managed"}, owned=False))
    plan = make_plan(fleet(), state, KINDS, target="t", tenants=["acme"])
    assert plan.operations == ()
    assert any("ownership marker" in w for w in plan.divergences)


def test_sensitive_fields_are_masked() -> None:
    desired = [DesiredResource(k("conn", "dw"), {"password": "s3cret", "user": "u"})]
    plan = make_plan(desired, actual(), KINDS, target="t", tenants=["acme"])
    assert "s3cret" not in repr(plan.canonical())
    assert plan.operations[0].changes[0].after == "(sensitive)"


def test_unreadable_tenant_is_not_planned_and_warned() -> None:
    state = ActualState({}, unreadable={"acme": "403 Forbidden"})
    plan = make_plan(fleet(), state, KINDS, target="t", tenants=["acme"])
    assert plan.operations == ()
    assert plan.divergences == ("acme: not planned, it could not be read: 403 Forbidden",)
    assert plan.unread == ("acme",)
    assert plan.nothing_read
    assert not plan.matches


def test_plans_are_deterministic() -> None:
    a = make_plan(
        [*fleet(), DesiredResource(k("space", "x", "beta"), {"type": "shared"})],
        actual(),
        KINDS,
        target="t",
        tenants=["beta", "acme"],
    )
    b = make_plan(
        [*list(reversed(fleet())), DesiredResource(k("space", "x", "beta"), {"type": "shared"})],
        actual(),
        KINDS,
        target="t",
        tenants=["acme", "beta"],
    )
    assert a.checksum == b.checksum


def test_fixed_field_difference_blocks_with_warning() -> None:
    kinds = {**KINDS, "space": KindSpec("space", 1, fixed_fields=frozenset({"type"}))}
    state = actual(ActualResource(k("space", "build"), {"type": "managed"}))
    plan = make_plan(fleet(), state, kinds, target="t", tenants=["acme"])
    assert plan.operations == ()
    assert plan.divergences == (
        "acme/space/build: cannot change type ('managed' -> 'shared') on an existing space; "
        "left alone",
    )
