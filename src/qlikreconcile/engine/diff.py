"""Field-level differences between an observed and a desired resource.

The only user of deepdiff in qlikreconcile. Paths are rendered as dotted names with list
indices (``members[0].roles``) so plans read the same in every output format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qlikreconcile.engine.plan import SENSITIVE, FieldChange

_MISSING = object()


def _path(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _clean(value: Any) -> Any:
    return None if value is _MISSING or type(value).__name__ == "NotPresent" else value


def diff_fields(
    actual: Mapping[str, Any],
    desired: Mapping[str, Any],
    *,
    sensitive: frozenset[str] = frozenset(),
    text: frozenset[str] = frozenset(),
) -> tuple[FieldChange, ...]:
    """The changes that turn ``actual`` into ``desired``, over the desired fields only.

    Fields the actual resource has but the spec does not manage are ignored: the spec owns
    what it names and nothing more.
    """
    changes: dict[str, FieldChange] = {}
    for name in sorted(desired):
        before = actual.get(name, _MISSING)
        after = desired[name]
        if before is not _MISSING and before == after:
            continue
        top_level = (
            name in text
            or name in sensitive
            or before is _MISSING
            or not isinstance(after, Mapping | list)
        )
        if top_level:
            changes[name] = _change(name, _clean(before), after, sensitive, text)
            continue
        # Imported here: deepdiff takes about 0.1 s to import, and a plan without changes (the
        # common case of a scheduled fleet plan) never gets this far.
        from deepdiff import DeepDiff

        tree = DeepDiff({name: before}, {name: after}, ignore_order=False, view="tree")
        for report in tree.values():
            for level in report:
                path = _path(level.path(output_format="list"))
                changes[path] = _change(path, _clean(level.t1), _clean(level.t2), sensitive, text)
    return tuple(changes[p] for p in sorted(changes))


def create_changes(
    desired: Mapping[str, Any],
    *,
    sensitive: frozenset[str] = frozenset(),
    text: frozenset[str] = frozenset(),
) -> tuple[FieldChange, ...]:
    """Every desired field, as changes from nothing."""
    return tuple(_change(n, None, desired[n], sensitive, text) for n in sorted(desired))


def _change(
    path: str, before: Any, after: Any, sensitive: frozenset[str], text: frozenset[str]
) -> FieldChange:
    root = path.split(".", 1)[0].split("[", 1)[0]
    if root in sensitive:
        return FieldChange(
            path,
            None if before is None else SENSITIVE,
            None if after is None else SENSITIVE,
            sensitive=True,
        )
    return FieldChange(path, before, after, text=root in text)
