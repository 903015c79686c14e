"""Several published copies of one template in its managed space (two applies raced).

The copy customers use is the one managed: the most community (and visible private) sheets,
counted through the engine (:mod:`.engine`), then the oldest. The others are duplicates:
deleted only on the spec's explicit decision and while no customer's sheet is seen in them,
otherwise reported for a person to settle (docs/robustness.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from qlikreconcile.engine.state import ActualResource
from qlikreconcile.qlik import app_items, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.engine import SheetCounts, count_sheets_or_none


async def published_copies(
    client: QlikClient,
    tenant: str,
    template: str,
    copies: list[dict[str, Any]],
    *,
    heal: bool,
) -> tuple[dict[str, Any], list[ActualResource]]:
    """The published copy to manage, and the others (two applies raced) as duplicates.

    The copy customers use is kept: the most community (and visible private) sheets, counted
    through the engine, then the oldest. When the sheets of any copy cannot be counted the
    oldest is kept and nothing is deleted. ``heal`` (an explicit spec decision) deletes the
    others that hold no sheet of customers'; the rest are reported.
    """
    if len(copies) == 1:
        return copies[0], []
    counts = await asyncio.gather(
        *(count_sheets_or_none(client, app_items.app_id(c)) for c in copies)
    )
    known = all(n is not None for n in counts)
    ranked = sorted(
        zip(copies, counts, strict=True),
        key=lambda pair: (
            -(pair[1].customers if known and pair[1] else 0),
            app_items.created(pair[0]),
        ),
    )
    kept, kept_counts = ranked[0]
    extras = [
        _duplicate_published(
            tenant, template, item, sheets, kept=(app_items.app_id(kept), kept_counts), heal=heal
        )
        for item, sheets in ranked[1:]
    ]
    return kept, extras


def _duplicate_published(
    tenant: str,
    template: str,
    item: dict[str, Any],
    sheets: SheetCounts | None,
    *,
    kept: tuple[str, SheetCounts | None],
    heal: bool,
) -> ActualResource:
    """A second published copy of one template: deleted only when the spec says so and no
    customer's sheet is seen in it, else reported for a person to settle."""
    app_id = app_items.app_id(item)
    kept_id, kept_sheets = kept
    seen = f"sheets: {sheets}" if sheets is not None else "its sheets could not be counted"
    why = (
        f"second published copy of {template} (id {app_id}; {seen}) beside the managed copy "
        f"{kept_id}" + (f" ({kept_sheets})" if kept_sheets is not None else "")
    )
    if heal and sheets is not None and sheets.customers == 0:
        why += (
            "; customers use the managed copy, so this one is deleted "
            "(duplicates.published_apps: delete_without_sheets)"
        )
        return app_items.extra_copy(
            tenant, resources.PUBLISHED_APP, template, app_id, why, garbage=True
        )
    if sheets is not None and sheets.customers > 0:
        why += "; customers' sheets live in it: move them to the managed copy, then delete it"
    elif heal:
        why += "; not deleted while its sheets cannot be counted"
    else:
        why += (
            "; customers' private sheets may live in it (only their owners see them): delete "
            "it after checking, or set duplicates.published_apps: delete_without_sheets in "
            "fleet.yaml"
        )
    return app_items.extra_copy(
        tenant, resources.PUBLISHED_APP, template, app_id, why, duplicate=True
    )
