"""The small subset of SCIM filters the emulated list endpoints accept.

``attr eq "value"`` clauses joined by ``and``/``or`` (no parentheses nesting beyond a flat
group); attribute names are case-insensitive. Enough for ``name eq "X"``, ``qName eq "X"``,
``status eq "FAILED" or status eq "EXCEEDED_LIMIT"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qlikreconcile.emulator.api.endpoint import Ctx
from qlikreconcile.emulator.api.errors import bad_request

_CLAUSE = re.compile(
    r'^\s*\(?\s*([A-Za-z_][\w.]*)\s+(eq|co|sw)\s+"((?:[^"\\]|\\.)*)"\s*\)?\s*$', re.I
)

Attributes = dict[str, str]


def _clause(ctx: Ctx, text: str) -> Callable[[Attributes], bool]:
    m = _CLAUSE.match(text)
    if not m:
        raise bad_request(ctx.service, f"Unsupported filter expression '{text.strip()}'")
    attr, op, value = m.group(1).lower(), m.group(2).lower(), m.group(3).replace('\\"', '"')

    def test(attrs: Attributes) -> bool:
        actual = attrs.get(attr)
        if actual is None:
            return False
        if op == "eq":
            return actual == value
        if op == "co":
            return value.lower() in actual.lower()
        return actual.lower().startswith(value.lower())

    return test


def compile_filter(ctx: Ctx, expression: str | None) -> Callable[[Attributes], bool]:
    """Predicate over a dict of attributes keyed by lower-case attribute name."""
    if not expression:
        return lambda _attrs: True
    groups = [
        [_clause(ctx, c) for c in re.split(r"\s+and\s+", part, flags=re.I)]
        for part in re.split(r"\s+or\s+", expression, flags=re.I)
    ]
    # `or` binds looser than `and`; flat expressions cover the documented examples.
    return lambda attrs: any(all(c(attrs) for c in group) for group in groups)
