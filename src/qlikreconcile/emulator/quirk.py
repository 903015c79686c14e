"""One declared assumption of the emulator (see :mod:`.quirks` for the list and the switches)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quirk:
    """One undocumented or ambiguous behaviour and the assumption the emulator takes."""

    name: str
    source: str
    assumption: str
