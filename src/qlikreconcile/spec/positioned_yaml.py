"""Safe YAML loading that remembers where every key and value came from.

Every mapping becomes a :class:`PosDict` and every sequence a :class:`PosList`: plain ``dict`` and
``list`` subclasses that also carry the :class:`~qlikreconcile.errors.SourcePosition` of the
container itself, of each key and of each value. Validation later turns a path such as
``("spaces", 1, "type")`` back into ``desired/tenants/acme.yaml:7:22`` with :func:`locate`.

The loader is deliberately stricter than YAML:

* duplicate keys are errors (naming both positions), never "last one wins";
* keys must be strings;
* aliases (``*name``, reported at the anchored value) and merge keys (``<<``) are refused: fleet
  defaults and variables cover reuse, and an aliased value would have two positions;
* timestamps stay strings (``created: 2024-05-01T10:00:00Z`` is text, as Qlik writes it);
* tabs in indentation, binary content, files over :data:`MAX_BYTES` and symlink loops are
  reported with a clear message instead of a scanner error.

Nothing here raises for a user mistake: :func:`load_yaml_file` returns the document (or ``None``)
together with every :class:`~qlikreconcile.errors.Problem` found, so callers can keep going and
report all problems at once. The model is octoDNS's ``yaml.py``/``context.py``.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from qlikreconcile.errors import Problem, SourcePosition

MAX_BYTES = 1024 * 1024
"""Largest YAML file we read (1 MiB); a spec file larger than that is a mistake."""


class PosDict(dict[str, Any]):
    """A mapping loaded from YAML, with the position of itself, each key and each value."""

    pos: SourcePosition
    key_pos: dict[str, SourcePosition]
    value_pos: dict[str, SourcePosition]

    def __init__(self, pos: SourcePosition) -> None:
        super().__init__()
        self.pos = pos
        self.key_pos = {}
        self.value_pos = {}

    def put(self, key: str, value: Any, key_pos: SourcePosition, value_pos: SourcePosition) -> None:
        self[key] = value
        self.key_pos[key] = key_pos
        self.value_pos[key] = value_pos


class PosList(list[Any]):
    """A sequence loaded from YAML, with the position of itself and of each item."""

    pos: SourcePosition
    item_pos: list[SourcePosition]

    def __init__(self, pos: SourcePosition) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos = []

    def add(self, value: Any, pos: SourcePosition) -> None:
        self.append(value)
        self.item_pos.append(pos)


def locate(doc: Any, path: Sequence[str | int], *, key: bool = False) -> SourcePosition | None:
    """The position of the value at `path` in `doc` (of the key itself with `key=True`).

    Walks as far as the path exists and returns the deepest known position, so a missing key is
    reported at the mapping that should hold it. ``None`` only when `doc` carries no position.
    """
    best: SourcePosition | None = getattr(doc, "pos", None)
    node = doc
    for index, step in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, PosDict) and isinstance(step, str) and step in node:
            best = node.key_pos[step] if (key and last) else node.value_pos[step]
            node = node[step]
        elif isinstance(node, PosList) and isinstance(step, int) and 0 <= step < len(node):
            best = node.item_pos[step]
            node = node[step]
        else:
            break
    return best


def plain(node: Any) -> Any:
    """A copy of `node` made of plain dicts and lists, without positions."""
    if isinstance(node, dict):
        return {key: plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(value) for value in node]
    return node


if TYPE_CHECKING:
    _BaseLoader = yaml.SafeLoader
else:  # libyaml's parser when PyYAML has it (several times faster), else the pure-Python one
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """SafeLoader building PosDict/PosList, collecting problems instead of raising for them."""

    file: str
    problems: list[Problem]

    def _pos(self, node: Node) -> SourcePosition:
        mark = node.start_mark
        return SourcePosition(self.file, mark.line + 1, mark.column + 1)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # The composer hands an aliased node out twice; the second construction is the alias.
        if node in self.constructed_objects or node in self.recursive_objects:
            mark: Any = node.start_mark
            raise yaml.constructor.ConstructorError(
                problem="YAML anchors and aliases (&name, *name) are not supported;"
                " this value is reused by an alias",
                problem_mark=mark,
            )
        return super().construct_object(node, deep=deep)

    def construct_mapping(  # type: ignore[override]  # a dict subclass with positions
        self, node: MappingNode, deep: bool = False
    ) -> PosDict:
        result = PosDict(self._pos(node))
        for key_node, value_node in node.value:
            key_pos = self._pos(key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(
                    Problem(
                        key_pos,
                        "YAML merge keys (<<) are not supported",
                        "write the keys out, or use fleet defaults and variables",
                    )
                )
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                self.problems.append(
                    Problem(
                        key_pos,
                        f"keys must be text, got {type(key).__name__} {key!r}",
                        f"quote the key: '{key_node.value}'",
                    )
                )
                continue
            if key in result:
                first = result.key_pos[key]
                self.problems.append(
                    Problem(
                        key_pos,
                        f"duplicate key '{key}' (first defined at {first})",
                        "keep only one of them",
                    )
                )
                continue
            value = self.construct_object(value_node, deep=True)
            result.put(key, value, key_pos, self._pos(value_node))
        return result

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> PosList:
        result = PosList(self._pos(node))
        for child in node.value:
            result.add(self.construct_object(child, deep=True), self._pos(child))
        return result

    def _construct_pos_mapping(self, node: MappingNode) -> PosDict:
        return self.construct_mapping(node)

    def _construct_pos_sequence(self, node: SequenceNode) -> PosList:
        return self.construct_sequence(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader._construct_pos_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader._construct_pos_sequence)
# Timestamps stay text: drop the implicit resolver (per first character) for them.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _tab_problems(text: str, file: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            problems.append(
                Problem(
                    SourcePosition(file, number, indent.index("\t") + 1),
                    "tab character in indentation; YAML indents with spaces only",
                    "replace the tabs with spaces",
                )
            )
    return problems


def load_yaml_text(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Parse `text` (named `file` in positions); return the document and every problem found."""
    loader = _Loader(text)
    loader.file = file
    loader.problems = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        tabs = _tab_problems(text, file)
        if tabs:
            return None, tabs
        mark = exc.problem_mark or exc.context_mark
        pos = SourcePosition(file, mark.line + 1, mark.column + 1) if mark else SourcePosition(file)
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            started = exc.context_mark
            where = f" at {started.line + 1}:{started.column + 1}" if started else ""
            message = f"{exc.problem} ({exc.context}{where})"
        fix = (
            "use plain mappings and lists" if "not supported" in message else "fix the YAML syntax"
        )
        return None, [Problem(pos, f"YAML error: {message}", fix)]
    except yaml.YAMLError as exc:
        return None, [Problem(SourcePosition(file), f"YAML error: {exc}", "fix the YAML syntax")]
    finally:
        loader.dispose()
    return data, loader.problems


def read_text_file(
    path: Path, file: str, *, max_bytes: int = MAX_BYTES
) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 text file for the spec, refusing loops, oversize and binary files clearly."""
    pos = SourcePosition(file)
    try:
        path.resolve(strict=True)
        size = path.stat().st_size
    except RuntimeError:
        return None, [Problem(pos, "symlink loop", "point the link at a real file")]
    except FileNotFoundError:
        if path.is_symlink():
            return None, [Problem(pos, "broken symlink", "point the link at a real file")]
        return None, [Problem(pos, "file not found", "create it")]
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, [Problem(pos, "symlink loop", "point the link at a real file")]
        return None, [Problem(pos, f"cannot read file: {exc.strerror}", "check its permissions")]
    if not path.is_file():
        return None, [Problem(pos, "not a regular file", "replace it with a text file")]
    if size > max_bytes:
        return None, [
            Problem(
                pos,
                f"file is {size} bytes, more than the {max_bytes} byte limit",
                "split it or remove what does not belong in the spec",
            )
        ]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(pos, f"cannot read file: {exc.strerror}", "check its permissions")]
    if b"\x00" in raw:
        return None, [
            Problem(pos, "binary file, expected UTF-8 text", "replace it with a text file")
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [
            Problem(
                pos,
                f"not UTF-8 text (invalid byte at offset {exc.start})",
                "save the file as UTF-8",
            )
        ]
    return text, []


def load_yaml_file(
    path: Path, file: str, *, max_bytes: int = MAX_BYTES
) -> tuple[Any, list[Problem]]:
    """Read and parse the YAML file at `path`; positions name it `file` (a display path)."""
    text, problems = read_text_file(path, file, max_bytes=max_bytes)
    if text is None:
        return None, problems
    return load_yaml_text(text, file)
