"""The apply lease: one holder, waiting, renewal, an expired lease taken over by one run only."""

from __future__ import annotations

import asyncio

import pytest

from qlikreconcile.qlik import QlikClient
from qlikreconcile.qlik.control import ControlRecords
from qlikreconcile.qlik.lease import (
    Lease,
    LeaseHeld,
    break_lease,
    default_owner,
    holders,
    rivals,
    shard_subject,
)


def _lease(source: QlikClient, owner: str, ttl: float = 60.0) -> Lease:
    return Lease(ControlRecords(source), owner=owner, ttl=ttl)


async def test_one_holder_at_a_time_and_released_for_the_next(source: QlikClient) -> None:
    first = _lease(source, "alice@laptop")
    await first.acquire()
    with pytest.raises(LeaseHeld) as held:
        await _lease(source, "ci-run-9").acquire()
    assert held.value.holder is not None
    assert held.value.holder.owner == "alice@laptop"
    assert held.value.holder.run_id == first.run_id
    await first.release()
    second = _lease(source, "ci-run-9")
    await second.acquire()
    assert second.held


async def test_a_waiting_run_gets_the_lease_when_it_is_released(source: QlikClient) -> None:
    first = _lease(source, "alice@laptop")
    await first.acquire()
    waiter = Lease(ControlRecords(source), owner="bob", sleep=lambda _s: asyncio.sleep(0.01))

    async def release_soon() -> None:
        await asyncio.sleep(0.05)
        await first.release()

    await asyncio.gather(waiter.acquire(wait=30), release_soon())
    holder = await waiter.holder()
    assert holder is not None
    assert holder.owner == "bob"


async def test_renewal_pushes_the_expiry(source: QlikClient) -> None:
    now = [1000.0]
    lease = Lease(ControlRecords(source), owner="a", ttl=60, clock=lambda: now[0])
    await lease.acquire()
    now[0] = 1050.0
    await lease.renew()
    holder = await lease.holder()
    assert holder is not None
    assert holder.expires == 1110.0


async def test_two_runs_seeing_an_expired_lease_only_one_takes_it(source: QlikClient) -> None:
    await _lease(source, "crashed@laptop", ttl=-5).acquire()
    runs = [_lease(source, f"run-{i}") for i in range(3)]
    outcomes = await asyncio.gather(*(r.acquire() for r in runs), return_exceptions=True)
    winners = [r for r, o in zip(runs, outcomes, strict=True) if o is None]
    assert len(winners) == 1
    assert all(isinstance(o, LeaseHeld) for o in outcomes if o is not None)
    holder = await winners[0].holder()
    assert holder is not None
    assert holder.owner == winners[0].owner
    assert len(await ControlRecords(source).all("lease")) == 1


async def test_break_deletes_whoever_holds_it(source: QlikClient) -> None:
    records = ControlRecords(source)
    assert await break_lease(records) is None
    await _lease(source, "dead@ci").acquire()
    broken = await break_lease(records)
    assert broken is not None
    assert broken.owner == "dead@ci"
    assert await records.get("lease", "apply") is None


def test_the_owner_names_the_ci_run_or_user_at_host() -> None:
    env = {"GITHUB_RUN_ID": "42", "GITHUB_REPOSITORY": "acme/fleet"}
    assert default_owner(env) == "github:acme/fleet/actions/runs/42"
    assert "@" in default_owner({})


def _shard(source: QlikClient, owner: str, index: int, shards: int) -> Lease:
    subject = shard_subject((index, shards))
    return Lease(ControlRecords(source), owner=owner, ttl=60.0, subject=subject)


async def test_shards_of_one_count_hold_their_leases_side_by_side(source: QlikClient) -> None:
    shards = [_shard(source, f"runner-{i}", i, 4) for i in range(1, 5)]
    await asyncio.gather(*(s.acquire() for s in shards))
    assert all(s.held for s in shards)
    held = await holders(ControlRecords(source))
    assert set(held) == {f"apply shard {i} of 4" for i in range(1, 5)}


async def test_the_whole_fleet_and_a_shard_exclude_each_other(source: QlikClient) -> None:
    shard = _shard(source, "runner-2", 2, 4)
    await shard.acquire()
    with pytest.raises(LeaseHeld) as held:
        await _lease(source, "nightly").acquire()
    assert held.value.holder is not None
    assert held.value.holder.owner == "runner-2"
    # The refused run gave its own record back: only the shard's lease is left.
    assert set(await holders(ControlRecords(source))) == {"apply shard 2 of 4"}
    with pytest.raises(LeaseHeld):
        await _shard(source, "other-count", 1, 3).acquire()  # other counts overlap
    await shard.release()
    whole = _lease(source, "nightly")
    await whole.acquire()
    with pytest.raises(LeaseHeld) as refused:
        await _shard(source, "runner-1", 1, 4).acquire()
    assert refused.value.holder is not None
    assert refused.value.holder.owner == "nightly"


async def test_rivals_claiming_at_once_never_both_hold(source: QlikClient) -> None:
    for _ in range(5):
        whole = _lease(source, "nightly")
        shard = _shard(source, "runner-1", 1, 2)
        await asyncio.gather(whole.acquire(), shard.acquire(), return_exceptions=True)
        assert not (whole.held and shard.held)
        await whole.release()
        await shard.release()


def test_which_leases_are_rivals() -> None:
    whole, one, two, other = (
        "apply",
        "apply shard 1 of 4",
        "apply shard 2 of 4",
        "apply shard 1 of 3",
    )
    assert rivals(whole, one)
    assert rivals(one, whole)
    assert not rivals(one, two)
    assert rivals(one, other)
    assert not rivals(whole, whole)
    assert not rivals(one, "roster")
