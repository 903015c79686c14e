"""Capabilities of a resource kind, declared as data.

The planner consults a kind's :class:`KindSpec` instead of special-casing kinds: which action
creates it, which updates it, which fields force a replace, whether it may ever be deleted, and
which action re-runs it when something it is refreshed by changes (a reload after a script
change, a republish after the build app changed). The provider layer (`qlik/`) declares one
``KindSpec`` per kind it implements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qlikreconcile.engine.keys import Action


@dataclass(frozen=True, slots=True)
class KindSpec:
    """What the engine may do with resources of one kind."""

    name: str
    order: int
    """Position among kinds when sorting a plan for display (tenant before space before app)."""
    create_action: Action = Action.CREATE
    update_action: Action | None = Action.UPDATE
    """None: the kind has no in-place update; a difference is reported but not acted on."""
    refresh_action: Action | None = None
    """Action planned when a resource this one is refreshed by gets an operation."""
    immutable_fields: frozenset[str] = field(default_factory=frozenset)
    """A difference in any of these fields plans a REPLACE instead of an update."""
    fixed_fields: frozenset[str] = field(default_factory=frozenset)
    """Fields that can never change on an existing resource: a difference is reported as a
    warning and the resource (and what depends on it) is left alone."""
    create_before_destroy: bool = False
    """A REPLACE creates the new copy first; the old copy is deleted by a later operation that
    waits for every operation built on the resource (the old copy is keyed ``NAME~IDENT``)."""
    deletable: bool = False
    """Whether an owned resource absent from the spec may be deleted when pruning is enabled."""
    sensitive_fields: frozenset[str] = field(default_factory=frozenset)
    marker_fields: frozenset[str] = field(default_factory=frozenset)
    """Fields read back from qlikreconcile's own marker, not from the resource: they cannot be
    changed outside qlikreconcile, so the "applied" digest leaves them out."""
    text_fields: frozenset[str] = field(default_factory=frozenset)
    """Fields holding long text (load scripts) that renderers show as unified diffs."""
    left_behind: str | None = None
    """What keeps running when an owned resource of this kind is no longer in the spec (it is
    kept and listed as a divergence). None: it is part of another resource (a build app's
    script) and is reported with that one."""
    fixed_hint: str = ""
    """How to get a change of a fixed field done anyway, shown with the refusal."""
