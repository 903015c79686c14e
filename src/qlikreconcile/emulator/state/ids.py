"""Seeded, reproducible identifiers in the shapes Qlik uses.

Ids are derived from ``sha256(seed:counter:kind)`` with the counter kept in the persisted state,
so a run is reproducible from its seed and a reloaded state file continues the same sequence.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Literal

IdKind = Literal["tenant", "user", "hex24", "uuid", "token"]


def _digest(seed: int, counter: int, kind: str) -> bytes:
    return hashlib.sha256(f"{seed}:{counter}:{kind}".encode()).digest()


def format_id(digest: bytes, kind: IdKind) -> str:
    """Shape a digest like the corresponding Qlik id."""
    if kind in ("tenant", "user"):
        # e.g. TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69: 32 base64url characters.
        return base64.urlsafe_b64encode(digest).decode()[:32]
    if kind == "hex24":
        # Spaces, reloads, items, groups: 24 hex digits (e.g. 62716f4b39b865ece543cd45).
        return digest.hex()[:24]
    if kind == "uuid":
        h = digest.hex()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
    return "emu." + base64.urlsafe_b64encode(digest).decode().rstrip("=")


class IdSource:
    """Hands out ids; the counter lives in the state so persistence continues the sequence."""

    def __init__(self, seed: int, counter: int = 0) -> None:
        self.seed = seed
        self.counter = counter

    def new(self, kind: IdKind) -> str:
        self.counter += 1
        return format_id(_digest(self.seed, self.counter, kind), kind)


def stable_id(text: str, kind: IdKind) -> str:
    """An id that depends only on ``text`` (role ids, licence ids): same in every tenant."""
    return format_id(hashlib.sha256(text.encode()).digest(), kind)
