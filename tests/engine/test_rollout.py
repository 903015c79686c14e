"""Rollout policy, wave-by-wave execution and the blast-radius guard, on plain plans."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qlikreconcile.engine.executor import execute
from qlikreconcile.engine.guard import blast_radius, refusals
from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.plan import Held, Operation, Plan
from qlikreconcile.engine.plan_file import dumps, from_document, load, save
from qlikreconcile.engine.report import ApplyReport, OpResult, Status, WaveStatus
from qlikreconcile.engine.rollout import (
    FailureBudget,
    Rollout,
    RolloutValueError,
    Threshold,
    Wave,
)
from qlikreconcile.engine.waves import reached_health, run_waves
from tests.engine.test_executor import Recorder, op


def rollout(*waves: tuple[str, tuple[str, ...]], budget: str = "0") -> Rollout:
    return Rollout(tuple(Wave(n, t) for n, t in waves), FailureBudget.parse(budget))


def plan_of(ops: list[Operation], policy: Rollout, tenants: tuple[str, ...]) -> Plan:
    return Plan("test", tuple(ops), tenants=tenants, rollout=policy)


@pytest.mark.parametrize(
    ("text", "size", "allowed"),
    [("0", 10, 0), ("2", 10, 2), ("10%", 10, 1), ("10%", 9, 0), ("100%", 3, 3), (" 25 % ", 8, 2)],
)
def test_failure_budget(text: str, size: int, allowed: int) -> None:
    assert FailureBudget.parse(text).allowed(size) == allowed


@pytest.mark.parametrize("text", ["ten", "-1", "101%", "1.5", ""])
def test_failure_budget_refuses_nonsense(text: str) -> None:
    with pytest.raises(RolloutValueError):
        FailureBudget.parse(text)


def test_a_tenant_no_wave_names_is_in_the_last() -> None:
    policy = rollout(("canary", ("a",)), ("main", ()))
    assert policy.wave_of("a") == "canary"
    assert policy.wave_of("zed") == "main"
    assert Rollout.from_dict(policy.to_dict()) == policy


def run(recorder: Recorder, plan: Plan) -> ApplyReport:
    return asyncio.run(run_waves(plan, lambda wave: execute(wave, recorder)))


def test_waves_run_in_order_and_a_canary_failure_halts() -> None:
    ops = [op("a", "app"), op("b", "app"), op("c", "app")]
    policy = rollout(("canary", ("a",)), ("early", ("b",)), ("main", ("c",)), budget="100%")
    recorder = Recorder(fail={ops[0].id})
    report = run(recorder, plan_of(ops, policy, ("a", "b", "c")))
    assert recorder.order == [ops[0].id]
    assert [w.status for w in report.waves] == [
        WaveStatus.HALTED,
        WaveStatus.NOT_STARTED,
        WaveStatus.NOT_STARTED,
    ]
    assert report.halted
    assert "canary" in report.halted
    assert [r.status for r in report.results] == [Status.FAILED, Status.SKIPPED, Status.SKIPPED]
    assert [w.name for w in report.not_started] == ["early", "main"]


def test_failures_within_the_budget_let_the_next_wave_start() -> None:
    ops = [op(t, "app") for t in "abcd"]
    policy = rollout(("canary", ("a",)), ("early", ("b", "c")), ("main", ("d",)), budget="1")
    report = run(Recorder(fail={ops[1].id}), plan_of(ops, policy, tuple("abcd")))
    assert [w.status for w in report.waves] == [
        WaveStatus.COMPLETED,
        WaveStatus.FAILED,
        WaveStatus.COMPLETED,
    ]
    assert report.halted is None
    report = run(Recorder(fail={ops[1].id, ops[2].id}), plan_of(ops, policy, tuple("abcd")))
    assert [w.status for w in report.waves][1:] == [WaveStatus.HALTED, WaveStatus.NOT_STARTED]


def test_one_wave_never_reports_waves_not_started() -> None:
    ops = [op("a", "app"), op("b", "app")]
    report = run(Recorder(fail={ops[0].id}), plan_of(ops, Rollout.single(["a", "b"]), ("a", "b")))
    assert [w.status for w in report.waves] == [WaveStatus.FAILED]
    assert report.halted is None
    assert not report.not_started


def test_an_unread_tenant_is_not_healthy() -> None:
    ops = [op("b", "app")]
    policy = rollout(("canary", ("a",)), ("main", ("b",)))
    plan = Plan("test", tuple(ops), tenants=("a", "b"), rollout=policy, unread=("a",))
    report = run(Recorder(), plan)
    assert report.waves[0].failed == (("a", "could not be read, so its health is unknown"),)
    assert report.results[0].status is Status.SKIPPED


def test_health_is_every_operation_succeeding() -> None:
    key = ResourceKey("a", "reload", "sales")
    good = OpResult("x", key, Action.RELOAD, Status.SUCCEEDED, "ok")
    bad = OpResult("y", key, Action.RELOAD, Status.FAILED, "reload FAILED")
    assert reached_health("a", []) is None
    assert reached_health("a", [good]) is None
    assert "reload FAILED" in str(reached_health("a", [good, bad]))


def republish(tenant: str) -> Operation:
    return Operation(ResourceKey(tenant, "published_app", "sales"), Action.REPUBLISH, "new")


def test_guard_needs_both_the_count_and_the_share_exceeded() -> None:
    policy = Rollout(guard={"republish": Threshold(50.0, 2)})
    tenants = tuple("abcd")
    for touched, refused in ((["a", "b"], False), (["a", "b", "c"], True)):
        plan = Plan("t", tuple(republish(t) for t in touched), tenants=tenants, rollout=policy)
        assert bool(refusals(plan)) is refused
        assert not refusals(plan, force=True)
    plan = Plan("t", tuple(republish(t) for t in "abc"), tenants=tuple("abcdefgh"), rollout=policy)
    (radius,) = blast_radius(plan)
    assert not radius.exceeded
    assert "3 of 8 tenants (38%)" in str(radius)


def test_a_plan_without_tenants_never_deletes_even_forced() -> None:
    delete = Operation(ResourceKey("a", "app", "x~1"), Action.DELETE, "retired")
    plan = Plan("t", (delete,), tenants=())
    assert refusals(plan, force=True)


def test_rollout_and_held_survive_a_saved_plan(tmp_path: Path) -> None:
    policy = rollout(("canary", ("a",)), ("main", ("b",)), budget="10%")
    plan = Plan(
        "t",
        (republish("a"),),
        tenants=("a", "b"),
        rollout=policy,
        held=(Held("b", "frozen until 2027-01-01T00:00:00Z", 3),),
    )
    save(plan, tmp_path / "plan.json")
    loaded = load(tmp_path / "plan.json")
    assert loaded.rollout == policy
    assert loaded.held == plan.held
    assert loaded.checksum == plan.checksum
    old = Plan("t", (republish("a"),), tenants=("a",))
    assert "rollout" not in dumps(old, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert from_document(json.loads(dumps(old))).rollout is None


def test_an_interruption_stops_the_rollout_without_calling_it_a_halt() -> None:
    ops = [op("a", "app"), op("b", "app")]
    policy = rollout(("canary", ("a",)), ("main", ("b",)))
    stop = asyncio.Event()
    stop.set()
    report = asyncio.run(
        run_waves(plan_of(ops, policy, ("a", "b")), lambda w: execute(w, Recorder(), stop=stop))
    )
    assert report.interrupted
    assert report.halted is None
    assert report.waves[1].status is WaveStatus.NOT_STARTED
    assert report.results[1].reason == "not started: apply was interrupted"
