"""What every plan renderer shows about the rollout: waves, thresholds, held tenants.

Built from the plan alone (its rollout, held tenants and operations), so a plan loaded from a
file renders the same. Plans without a rollout (saved before waves existed) show none of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from qlikreconcile.engine.guard import blast_radius
from qlikreconcile.engine.plan import Plan


@dataclass(frozen=True, slots=True)
class WaveView:
    number: int
    name: str
    tenants: tuple[str, ...]
    changing: tuple[str, ...]
    """Tenants of the wave that have operations in this plan."""


@dataclass(frozen=True, slots=True)
class RolloutView:
    waves: tuple[WaveView, ...]
    budget: str
    """The failure-budget rule in words."""
    guard: tuple[str, ...]
    """The guard's figures for each kind of change the plan makes."""
    refused: bool
    """True when apply will refuse the plan without --force."""


def rollout_view(plan: Plan) -> RolloutView | None:
    rollout = plan.rollout
    if rollout is None:
        return None
    with_ops = {op.key.tenant for op in plan.operations}
    waves = tuple(
        WaveView(
            n,
            w.name,
            w.tenants,
            tuple(t for t in w.tenants if t in with_ops),
        )
        for n, w in enumerate(rollout.waves, start=1)
    )
    budget = f"a wave halts the rollout when more than {rollout.max_failures} of its tenants fail"
    if len(waves) > 1:
        budget += f"; any failure in the first wave, {waves[0].name}, halts it"
    radii = blast_radius(plan)
    return RolloutView(waves, budget, tuple(str(r) for r in radii), any(r.exceeded for r in radii))


def wave_order(plan: Plan) -> list[str]:
    """The plan's tenants in rollout order: by wave, then by name."""
    names = list(plan.tenants) or sorted({op.key.tenant for op in plan.operations})
    rollout = plan.rollout
    if rollout is None:
        return names
    order = {w.name: i for i, w in enumerate(rollout.waves)}
    return sorted(names, key=lambda t: (order.get(rollout.wave_of(t), 0), t))
