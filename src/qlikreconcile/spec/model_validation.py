"""Validating a parsed YAML document against a file-format model, with positioned problems.

pydantic reports errors as a location tuple (``("spaces", 1, "type")``) and a message. Here each
one becomes a :class:`~qlikreconcile.errors.Problem` at the position of the offending key or value
(found with :func:`~qlikreconcile.spec.positioned_yaml.locate`), in words a spec author understands:
unknown keys list the allowed ones, missing keys name the mapping that lacks them, and a password
written as text says to use ``{env: NAME}`` without ever echoing the value.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from qlikreconcile.errors import Problem, SourcePosition
from qlikreconcile.spec.positioned_yaml import PosDict, PosList, locate

M = TypeVar("M", bound=BaseModel)

Path = Sequence[str | int]


def label(path: Path) -> str:
    """``("spaces", 1, "type")`` -> ``spaces[1].type``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def describe(value: Any) -> str:
    """The YAML-ish name of a value's type, for messages (never the value itself)."""
    if isinstance(value, PosDict | dict):
        return "a mapping"
    if isinstance(value, PosList | list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _step(tp: Any, step: str | int) -> Any:
    """The type found one step into `tp`, or None when the path leaves the model."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        return _step(members[0], step) if len(members) == 1 else None
    if isinstance(step, int):
        return get_args(tp)[0] if origin in (list, tuple) and get_args(tp) else None
    if origin is dict:
        return get_args(tp)[1]
    if isinstance(tp, type) and issubclass(tp, BaseModel) and step in tp.model_fields:
        return tp.model_fields[step].annotation
    return None


def model_at(model: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The model class describing the mapping at `path` in a document of `model`."""
    tp: Any = model
    for step in path:
        tp = _step(tp, step)
        if tp is None:
            return None
    members = [a for a in get_args(tp) if a is not type(None)] if get_origin(tp) else [tp]
    found = members[0] if len(members) == 1 else None
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def _where(path: Path, what: str) -> str:
    return f"`{label(path)}`" if path else what


def error_problem(
    error: ErrorDetails, doc: Any, model: type[BaseModel], fallback: SourcePosition, what: str
) -> Problem:
    """One pydantic error as a Problem; `what` names the file kind ("tenant file")."""
    path = tuple(error["loc"])
    kind = error["type"]
    parent = path[:-1]
    name = str(path[-1]) if path else ""
    value = error.get("input")
    if kind == "missing":
        pos = locate(doc, parent) or fallback
        return Problem(
            pos, f"missing required key '{name}' in {_where(parent, what)}", f"add `{name}:`"
        )
    if kind == "extra_forbidden":
        pos = locate(doc, path, key=True) or fallback
        owner = model_at(model, parent)
        allowed = list(owner.model_fields) if owner else []
        close = difflib.get_close_matches(name, allowed, n=1)
        fix = f"did you mean '{close[0]}'?" if close else "remove it or correct its spelling"
        return Problem(
            pos,
            f"unknown key '{name}' in {_where(parent, what)} (allowed: {', '.join(allowed)})",
            fix,
        )
    pos = locate(doc, path) or fallback
    where = _where(path, what)
    if name == "password" and kind in ("model_type", "model_attributes_type", "dict_type"):
        return Problem(
            pos,
            f"{where} must be a secret reference like {{env: NAME}}, not {describe(value)}",
            "write `password: {env: SOME_VARIABLE}` and set SOME_VARIABLE in the environment;"
            " never commit a secret",
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return Problem(
            pos, f"{where} must be a mapping, not {describe(value)}", "write `key: value` pairs"
        )
    if kind == "list_type":
        return Problem(
            pos,
            f"{where} must be a list, not {describe(value)}",
            "write the items as `- item` lines or `[a, b]`",
        )
    if kind == "string_type":
        return Problem(pos, f"{where} must be text, not {describe(value)}", "quote the value")
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", "")).replace("'", "")
        shown = f" '{value}'" if isinstance(value, str) else f" ({describe(value)})"
        return Problem(pos, f"{where}: unknown value{shown}", f"use one of: {expected}")
    if kind in ("bool_type", "bool_parsing"):
        return Problem(
            pos, f"{where} must be true or false, not {describe(value)}", "write true or false"
        )
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return Problem(
            pos, f"{where} must be a whole number, not {describe(value)}", "write a number like 3"
        )
    if kind in ("greater_than_equal", "less_than_equal"):
        low = kind == "greater_than_equal"
        bound = error.get("ctx", {}).get("ge" if low else "le")
        return Problem(
            pos,
            f"{where} must be {'at least' if low else 'at most'} {bound}, not {describe(value)}",
            f"write {bound} or {'more' if low else 'less'}",
        )
    return Problem(pos, f"{where}: {error['msg']}", None)


def validate(
    model: type[M], doc: Any, *, fallback: SourcePosition, what: str
) -> tuple[M | None, list[Problem]]:
    """Validate `doc` against `model`; the instance, or None and every problem found."""
    if not isinstance(doc, dict):
        return None, [
            Problem(
                locate(doc, ()) or fallback,
                f"the {what} must be a mapping, not {describe(doc)}",
                "start it with `key: value` lines",
            )
        ]
    try:
        return model.model_validate(doc), []
    except ValidationError as exc:
        return None, [
            error_problem(e, doc, model, fallback, what) for e in exc.errors(include_url=False)
        ]
