"""Adoption in the planner: ADOPT for resources reported for adoption, how it composes with
updates and refreshes, and what the blast-radius guard and the Markdown risk column make of it."""

from __future__ import annotations

from pathlib import Path

from qlikreconcile.engine import plan_file
from qlikreconcile.engine.guard import blast_radius
from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.planner import make_plan
from qlikreconcile.engine.rollout import Rollout
from qlikreconcile.engine.state import ActualResource, ActualState, DesiredResource
from qlikreconcile.render.markdown import TenantSection

KINDS = {
    "space": KindSpec("space", 1),
    "conn": KindSpec("conn", 2, marker_fields=frozenset({"password"})),
    "app": KindSpec("app", 3, immutable_fields=frozenset({"release"})),
    "script": KindSpec("script", 4, create_action=Action.UPDATE),
    "reload": KindSpec(
        "reload", 5, create_action=Action.RELOAD, update_action=Action.RELOAD,
        refresh_action=Action.RELOAD,
    ),
    "published": KindSpec(
        "published", 6, create_action=Action.PUBLISH, update_action=Action.REPUBLISH,
        refresh_action=Action.REPUBLISH,
    ),
}  # fmt: skip


def k(kind: str, name: str = "sales") -> ResourceKey:
    return ResourceKey("acme", kind, name)


def desired(script: str = "LOAD 1;") -> list[DesiredResource]:
    return [
        DesiredResource(k("space", "build"), {"description": "ours"}),
        DesiredResource(k("conn", "dw"), {"statement": "db", "password": "fp"}),
        DesiredResource(k("app"), {"release": 1}, depends_on=(k("space", "build"),)),
        DesiredResource(k("script"), {"script": script}, parent=k("app")),
        DesiredResource(
            k("reload"),
            {"status": "SUCCEEDED"},
            parent=k("app"),
            refresh_on=(k("script"), k("conn", "dw")),
        ),
        DesiredResource(
            k("published"),
            {"content": "c1"},
            depends_on=(k("reload"),),
            refresh_on=(k("app"), k("reload")),
        ),
    ]


def adoptable(script: str = "LOAD 1;", password: str | None = None) -> ActualState:
    """Everything exists without our marker, as the spec describes it, reported for adoption
    (the script as the spec's when its text matches)."""
    found = [
        ActualResource(k("space", "build"), {"description": ""}, owned=False, adopt=True),
        ActualResource(
            k("conn", "dw"), {"statement": "db", "password": password}, owned=False, adopt=True
        ),
        ActualResource(k("app"), {"release": 1}, owned=False, adopt=True, ident="a1"),
        ActualResource(k("script"), {"script": script}, adopt=script == "LOAD 1;", ident="a1"),
        ActualResource(k("reload"), {"status": "SUCCEEDED"}, ident="a1"),
        ActualResource(
            k("published"),
            {"content": "c1" if script == "LOAD 1;" else None},
            owned=False,
            adopt=True,
            ident="p1",
        ),
    ]
    return ActualState({r.key: r for r in found})


def plan(state: ActualState, script: str = "LOAD 1;") -> Plan:
    return make_plan(desired(script), state, KINDS, target="t", tenants=["acme"])


def actions(p: Plan) -> dict[str, tuple[Action, Action | None]]:
    return {f"{op.key.kind}/{op.key.name}": (op.action, op.then) for op in p.operations}


def test_unmarked_resources_reported_for_adoption_are_adopted_and_refresh_nothing() -> None:
    p = plan(adoptable())
    assert actions(p) == {
        "space/build": (Action.ADOPT, None),  # with the description it differs in
        "conn/dw": (Action.ADOPT, None),  # only a marker field: no reload
        "app/sales": (Action.ADOPT, None),
        "script/sales": (Action.ADOPT, None),
        "published/sales": (Action.ADOPT, None),
    }
    space = p.operations[0]
    assert [(c.path, c.before, c.after) for c in space.changes] == [("description", "", "ours")]
    assert not any(op.drift for op in p.operations)
    assert p.divergences == ()


def test_a_changed_script_is_an_update_and_the_adopted_published_copy_then_republishes() -> None:
    p = plan(adoptable(script="LOAD 0;"), script="LOAD 2;")
    found = actions(p)
    assert found["script/sales"] == (Action.UPDATE, None)
    assert found["reload/sales"] == (Action.RELOAD, None)
    assert found["published/sales"] == (Action.ADOPT, Action.REPUBLISH)
    published = next(op for op in p.operations if op.key.kind == "published")
    assert published.reason.endswith("then republish after changes to acme/reload/sales")
    assert published.effects == {Action.ADOPT, Action.REPUBLISH}
    assert "acme/reload/sales:reload" in published.depends_on


def test_an_adoption_that_changes_content_refreshes_what_depends_on_it() -> None:
    state = adoptable()
    changed = ActualResource(
        k("conn", "dw"), {"statement": "other", "password": None}, owned=False, adopt=True
    )
    state = ActualState({**state.resources, changed.key: changed})
    found = actions(plan(state))
    assert found["conn/dw"] == (Action.ADOPT, None)
    assert found["reload/sales"] == (Action.RELOAD, None)
    assert found["published/sales"] == (Action.ADOPT, Action.REPUBLISH)


def test_an_immutable_difference_is_never_adopted_by_a_replace() -> None:
    state = adoptable()
    other = ActualResource(k("app"), {"release": 0}, owned=False, adopt=True, ident="a1")
    p = plan(ActualState({**state.resources, other.key: other}))
    assert "app/sales" not in actions(p)
    assert "script/sales" not in actions(p)  # it waits for its app
    assert any("cannot be taken over: it differs in release" in d for d in p.divergences)


def test_unmarked_resources_not_reported_for_adoption_stay_left_alone() -> None:
    state = adoptable()
    space = ActualResource(k("space", "build"), {"description": ""}, owned=False)
    p = plan(ActualState({**state.resources, space.key: space}))
    assert "space/build" not in actions(p)
    assert any("adopt_unmarked: true" in d for d in p.divergences)


def test_the_guard_counts_an_adoption_only_when_it_republishes(tmp_path: Path) -> None:
    rollout = Rollout.single(["acme"])
    assert blast_radius(plan(adoptable()), rollout) == ()
    assert TenantSection("acme", list(plan(adoptable()).operations)).risks == []
    republishing = plan(adoptable(script="LOAD 0;"), script="LOAD 2;")
    assert [r.kind for r in blast_radius(republishing, rollout)] == ["republish"]
    assert TenantSection("acme", list(republishing.operations)).risks == ["republish"]
    path = tmp_path / "plan.json"
    plan_file.save(republishing, path)
    loaded = plan_file.load(path)
    assert loaded.checksum == republishing.checksum
    assert actions(loaded)["published/sales"] == (Action.ADOPT, Action.REPUBLISH)
