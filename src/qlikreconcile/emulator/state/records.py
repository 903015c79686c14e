"""How every service changes a stored record: set the given fields, or replace it by a copy.

A replacement builds the changed copy before it is stored, so a change is all or nothing and a
reader holding the old record never sees half of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

Record = TypeVar("Record", bound=BaseModel)


def set_given(record: BaseModel, **fields: object) -> None:
    """Set the fields whose value is not None (None: leave unchanged)."""
    for name, value in fields.items():
        if value is not None:
            setattr(record, name, value)


def replace_changed(
    records: dict[str, Record], key: str, changes: Mapping[str, Any], now: float
) -> Record:
    """Store a copy of ``records[key]`` carrying ``changes`` (attribute names) and
    ``updated_at=now`` in its place; answers the copy."""
    changed = records[key].model_copy(deep=True, update={**changes, "updated_at": now})
    records[key] = changed
    return changed
