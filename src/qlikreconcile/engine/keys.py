"""Resource identity and the actions a plan can take on a resource.

Resources are addressed by natural keys, never by Qlik ids: (tenant, kind, name). The action
enum carries its display glyph and verb, Terraform-style, so every renderer shows the same sign.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, slots=True, order=True)
class ResourceKey:
    """The natural key of one resource: which tenant, what kind, and its name within the kind."""

    tenant: str
    kind: str
    name: str

    def __str__(self) -> str:
        # Interned: the kinds' inputs name their app, space or connection by key text, several
        # times per app (one string each was 3 MiB of a 5,000-tenant plan); equal keys share one.
        return sys.intern(f"{self.tenant}/{self.kind}/{self.name}")

    @classmethod
    def parse(cls, text: str) -> ResourceKey:
        tenant, kind, name = text.split("/", 2)
        return cls(tenant, kind, name)


class Action(Enum):
    """What an operation does. Values are the stable names used in plan files."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    RELOAD = "reload"
    PUBLISH = "publish"
    REPUBLISH = "republish"
    DEACTIVATE = "deactivate"
    ADOPT = "adopt"

    @property
    def glyph(self) -> str:
        return _GLYPHS[self]

    @property
    def destructive(self) -> bool:
        """True when the action removes or overwrites something customers may see (reviewers
        are shown these first; the blast-radius guard counts them)."""
        return self in (Action.REPUBLISH, Action.REPLACE, Action.DELETE, Action.DEACTIVATE)


_GLYPHS: dict[Action, str] = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.RELOAD: "↻",
    Action.PUBLISH: "⇪",
    Action.REPUBLISH: "⇪~",
    Action.DEACTIVATE: "⊘",
    Action.ADOPT: "⇐",
}
