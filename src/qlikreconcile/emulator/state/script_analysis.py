"""Reading a load script the way the emulated engine needs: connections used, tables loaded.

Not a parser of Qlik's script language: it strips comments, splits statements on ``;`` and
recognises ``LIB CONNECT TO``, ``lib://`` paths and ``Label:`` before ``LOAD``/``SQL``/``SELECT``.

Row counts are made up (deterministic, seeded), except that a table whose statements have a
``WHERE`` that holds for no row loads 0 rows (quirk ``reloads.data_model``): a clause that is
false whatever the data, such as ``WHERE 1 = 0``, ``WHERE 'a' = 'b'``, ``WHERE FALSE`` or
``WHERE customer_id = 7 AND 1 = 2``. That is how a test makes a tenant's data fail a check.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from qlikreconcile.emulator.state.apps import DataModel, TableModel

_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"(?m)(^|\s)//.*$")
_REM = re.compile(r"(?im)^\s*REM\b[^;]*;")
_LIB_CONNECT = re.compile(
    r"(?i)\bLIB\s+CONNECT\s+TO\s+(?:'([^']*)'|\"([^\"]*)\"|\[([^\]]*)\]|(\S+?))\s*(?:;|$)"
)
_LIB_PATH = re.compile(r"(?i)lib://([^/'\"\]\n]+)/")
_LABELLED = re.compile(
    r"^\s*(\[[^\]]+\]|[A-Za-z_][\w ]*?)\s*:\s*(?:(?:NoConcatenate|Concatenate(?:\s*\(\w+\))?)\s+)?"
    r"(LOAD|SQL|SELECT)\b(.*)$",
    re.I | re.S,
)
_SELECT_LIST = re.compile(r"(?is)\bSELECT\b(.*?)\bFROM\b")
_LOAD_LIST = re.compile(
    r"(?is)^\s*(?:DISTINCT\s+)?(.*?)(?:\bFROM\b|\bRESIDENT\b|\bINLINE\b|\bAUTOGENERATE\b|;|$)"
)
_ALIAS = re.compile(r"(?is)\bas\s+(\[[^\]]+\]|\"[^\"]+\"|[\w.]+)\s*$")

# Built-in per-space file store: every space has it, it is never a data connection object.
BUILTIN_CONNECTIONS = frozenset({"DataFiles"})


@dataclass(frozen=True)
class ConnectionRef:
    """A connection named by the script: ``space`` is None when unprefixed or ``:Name``."""

    space: str | None
    name: str

    def display(self) -> str:
        return f"{self.space}:{self.name}" if self.space else self.name


def strip_comments(script: str) -> str:
    return _LINE_COMMENT.sub(r"\1", _REM.sub("", _BLOCK_COMMENT.sub("", script)))


def _split_ref(text: str) -> ConnectionRef:
    if ":" in text:
        space, name = text.split(":", 1)
        return ConnectionRef(space.strip() or None, name.strip())
    return ConnectionRef(None, text.strip())


def connection_refs(script: str) -> list[ConnectionRef]:
    """Connections in order of first use, without duplicates."""
    text = strip_comments(script)
    found: list[tuple[int, ConnectionRef]] = []
    for m in _LIB_CONNECT.finditer(text):
        raw = next(g for g in m.groups() if g is not None)
        found.append((m.start(), _split_ref(raw)))
    for m in _LIB_PATH.finditer(text):
        found.append((m.start(), _split_ref(m.group(1))))
    refs: list[ConnectionRef] = []
    for _, ref in sorted(found, key=lambda pair: pair[0]):
        if ref.name and ref.name not in BUILTIN_CONNECTIONS and ref not in refs:
            refs.append(ref)
    return refs


def _field_name(expr: str) -> str | None:
    expr = expr.strip()
    if not expr or expr == "*":
        return None
    alias = _ALIAS.search(expr)
    name = alias.group(1) if alias else expr.split(".")[-1]
    name = name.strip().strip('[]"`')
    return name if re.fullmatch(r"[\w ]+", name) else None


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _fields_of(keyword: str, rest: str, label: str) -> list[str]:
    match = _SELECT_LIST.search(rest) if keyword.upper() != "LOAD" else _LOAD_LIST.match(rest)
    columns = match.group(1) if match else ""
    names: list[str] = []
    for expr in _split_top_level(columns):
        name = _field_name(expr)
        if name and name not in names:
            names.append(name)
    return names or [f"{label}ID", f"{label}Name", f"{label}Value"]


def loaded_tables(script: str) -> list[tuple[str, list[str]]]:
    """(label, fields) for every labelled LOAD/SQL/SELECT statement, first label wins."""
    tables: dict[str, list[str]] = {}
    for statement in strip_comments(script).split(";"):
        m = _LABELLED.match(statement)
        if not m:
            continue
        label = m.group(1).strip().strip("[]")
        if label.upper() in ("SET", "LET", "LIB CONNECT TO"):
            continue
        keyword = m.group(2)
        # LOAD lists start right after the keyword; SELECT lists are found by searching.
        body = m.group(3) if keyword.upper() == "LOAD" else keyword + m.group(3)
        fields = _fields_of(keyword, body, label)
        if label in tables:
            tables[label].extend(f for f in fields if f not in tables[label])
        else:
            tables[label] = fields
    return list(tables.items())


_WHERE = re.compile(r"(?is)\bWHERE\b(.*?)(?=\bGROUP\s+BY\b|\bORDER\s+BY\b|\bHAVING\b|\bUNION\b|$)")
_LITERAL = r"(?:-?\d+(?:\.\d+)?|'[^']*')"
_COMPARISON = re.compile(rf"^({_LITERAL})\s*(=|<>|!=|<=|>=|<|>)\s*({_LITERAL})$")
_COMPARE = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}
_STATEMENT_START = re.compile(r"(?is)^\s*(LOAD|SQL|SELECT)\b")


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _unwrap(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _split_on(text: str, word: str) -> list[str]:
    """``text`` split on the keyword ``word`` outside parentheses and quotes."""
    parts, depth, start = [], 0, 0
    for m in re.finditer(rf"'[^']*'|[()]|\b{word}\b", text, re.I):
        token = m.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0 and not token.startswith("'"):
            parts.append(text[start : m.start()])
            start = m.end()
    parts.append(text[start:])
    return parts


def _literal(text: str) -> float | str:
    return text[1:-1] if text.startswith("'") else float(text)


def selects_nothing(clause: str) -> bool:
    """True when a WHERE clause is false whatever the data (literal comparisons, FALSE)."""
    text = _unwrap(clause)
    branches = _split_on(text, "OR")
    if len(branches) > 1:
        return all(selects_nothing(b) for b in branches)
    terms = _split_on(text, "AND")
    if len(terms) > 1:
        return any(selects_nothing(t) for t in terms)
    if text.upper() in ("FALSE", "0"):
        return True
    match = _COMPARISON.match(text)
    if match is None:
        return False
    left, op, right = _literal(match.group(1)), match.group(2), _literal(match.group(3))
    if isinstance(left, str) != isinstance(right, str):
        return False
    return not _COMPARE[op](left, right)


def empty_tables(script: str) -> set[str]:
    """Labels of the tables whose statements filter every row out (see the module docstring).

    A table's statements are its labelled statement and the unlabelled ``LOAD``/``SQL``/
    ``SELECT`` statements right after it (a preceding load and its ``SQL SELECT``).
    """
    empty: set[str] = set()
    label: str | None = None
    for statement in strip_comments(script).split(";"):
        m = _LABELLED.match(statement)
        if m and m.group(1).strip().upper() not in ("SET", "LET", "LIB CONNECT TO"):
            label = m.group(1).strip().strip("[]")
        elif not _STATEMENT_START.match(statement):
            label = None
            continue
        if label and any(selects_nothing(w.group(1)) for w in _WHERE.finditer(statement)):
            empty.add(label)
    return empty


def script_digest(script: str) -> str:
    return hashlib.sha256(script.encode()).hexdigest()


def build_data_model(app_id: str, script: str) -> DataModel:
    """Deterministic plausible row counts seeded from app id, script digest and table label;
    0 rows for a table whose WHERE holds for no row."""
    digest = script_digest(script)
    empty = empty_tables(script)
    tables = []
    for label, fields in loaded_tables(script):
        seed = hashlib.sha256(f"{app_id}:{digest}:{label}".encode()).digest()
        rows = 0 if label in empty else 50 + int.from_bytes(seed[:4], "big") % 50_000
        tables.append(TableModel(name=label, rows=rows, fields=fields))
    return DataModel(tables=tables)
