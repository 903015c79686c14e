"""Resource limits on jinja2 rendering: a template can never exhaust memory or hang a run.

jinja2's sandbox blocks unsafe attributes and caps ``range`` at 100,000 items, but not the size
of what an expression builds: ``{{ 'a' * 5000000000 }}`` would try to allocate 5 GB. The
:class:`BoundedEnvironment` checks, *before* building it, every text or list an operation would
make (``*``, ``+``, ``**``, ``%``, ``str.format`` widths, ``center``/``ljust``/``rjust``/
``zfill``/``expandtabs``/``replace``, the width filters), checks the size of what attribute
reads, calls and filters return, and checks a deadline at each of those steps, at each step of
a ``range`` and at each chunk of output. The rendered output is built chunk by chunk and stopped
at the limit. Exceeding a limit raises :class:`TemplateLimitError`, which the callers turn into
a problem at the value's (or script's) file and line. The numbers are documented in docs/spec.md.
"""

from __future__ import annotations

import contextlib
import re
import string
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any

import jinja2
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, safe_range
from jinja2.utils import _PassArg, pass_context

MAX_VALUE_CHARS = 1_000_000
"""Largest rendered spec value (and largest text or list built while rendering one)."""
MAX_SCRIPT_CHARS = 10_000_000
"""Largest rendered load script (and largest text or list built while rendering one)."""
MAX_RENDER_SECONDS = 5.0
"""Longest one value or one load script may take to render."""
MAX_INT_BITS = 4096
"""Largest integer ``**`` may produce (about 1,233 decimal digits)."""

_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\d+|\*)?(?:\.(\d+|\*))?")


class TemplateLimitError(Exception):
    """Rendering went past a limit; the message names the limit and its number."""

    lineno: int | None = None
    """The template line being rendered when output passed the limit, when known."""


def _suspended_line(template: jinja2.Template, chunks: Any) -> int | None:
    """The template line where the render generator is suspended (the output being made)."""
    frame = None
    while chunks is not None and getattr(chunks, "gi_frame", None) is not None:
        frame = chunks.gi_frame
        chunks = getattr(chunks, "gi_yieldfrom", None)
    if frame is None:
        return None
    return template.get_corresponding_lineno(frame.f_lineno)


@dataclass(slots=True)
class _Budget:
    chars: int
    what: str
    deadline: float
    seconds: float


_BUDGET: ContextVar[_Budget | None] = ContextVar("qlikreconcile_template_budget", default=None)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple | bytes) else 0


def _check_size(size: int) -> None:
    budget = _BUDGET.get()
    if budget is not None and size > budget.chars:
        raise TemplateLimitError(
            f"would build a text or list of {size:,} items; the limit for {budget.what} "
            f"is {budget.chars:,}"
        )


def _tick() -> None:
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise TemplateLimitError(
            f"rendering took longer than {budget.seconds:g} s, the limit for {budget.what}"
        )


def _checked(value: Any) -> Any:
    _tick()
    _check_size(_size(value))
    return value


def _ints(*values: Any) -> list[int]:
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _check_widths(fmt: str, args: Any) -> None:
    """Widths and precisions in a %-format or str.format string, and those taken from args."""
    specs = [m.group(1) or "" for m in _PERCENT_SPEC.finditer(fmt)]
    specs += [m.group(2) or "" for m in _PERCENT_SPEC.finditer(fmt)]
    with contextlib.suppress(ValueError):  # not a str.format string: str.format reports it
        specs += [spec or "" for _, _, spec, _ in string.Formatter().parse(fmt)]
    for spec in specs:
        for digits in re.findall(r"\d+", spec):
            _check_size(int(digits))
    if any("*" in s or "{" in s for s in specs) or "{" in fmt:
        values = args.values() if isinstance(args, Mapping) else args
        items = values if isinstance(values, tuple | list) else [values]
        for number in _ints(*items):
            _check_size(number)


def _check_method(obj: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Pre-checks for the str methods whose result can dwarf their input."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    numbers = _ints(*args, *kwargs.values())
    if name in _WIDTH_METHODS:
        for number in numbers:
            _check_size(number * (max(len(owner), 1) if name == "expandtabs" else 1))
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1])


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        count = text.count(old) if old else len(text) + 1
        _check_size(len(text) + count * max(len(new) - len(old), 0))


class BoundedRange:
    """``range`` as the sandbox allows it, checking the deadline at every step."""

    def __init__(self, *args: int) -> None:
        self._range = safe_range(*args)

    def __iter__(self) -> Iterator[int]:
        for item in self._range:
            _tick()
            yield item

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __contains__(self, item: object) -> bool:
        return item in self._range

    def __reversed__(self) -> Iterator[int]:
        return reversed(self._range)


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter with pre-checks on width arguments and a check on its result.

    Marked ``pass_context`` so jinja2 never folds a constant call at compile time (where no
    budget applies); the context is handed on only to filters that asked for it.
    """
    wanted = _PassArg.from_obj(func)

    @pass_context
    @wraps(func)
    def run(context: Context, *args: Any, **kwargs: Any) -> Any:
        _tick()
        value = args[0] if args else None
        rest = args[1:]
        if name == "center":
            for number in _ints(*rest, *kwargs.values()):
                _check_size(number)
        elif name == "indent":
            lines = str(value).count("\n") + 1
            for number in _ints(*rest, *kwargs.values()):
                _check_size(_size(value) + lines * number)
        elif name == "format" and isinstance(value, str):
            _check_widths(value, tuple(rest) or dict(kwargs))
        elif name == "replace" and len(rest) >= 2:
            _check_replace(str(value), rest[0], rest[1])
        lead: tuple[Any, ...] = ()
        if wanted is _PassArg.context:
            lead = (context,)
        elif wanted is _PassArg.eval_context:
            lead = (context.eval_ctx,)
        elif wanted is _PassArg.environment:
            lead = (context.environment,)
        return _checked(func(*lead, *args, **kwargs))

    return run


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox with size and time limits on everything a template can build."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals.pop("lipsum", None)  # lipsum(n) makes text of any size
        self.globals["range"] = BoundedRange
        for name, func in list(self.filters.items()):
            self.filters[name] = _bounded_filter(name, func)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "*":
            sequence, count = (left, right) if _ints(right) else (right, left)
            if _size(sequence) and _ints(count):
                _check_size(_size(sequence) * max(count, 0))
        elif operator == "+" and _size(left) and _size(right):
            _check_size(_size(left) + _size(right))
        elif operator == "**" and _ints(left, right) == [left, right]:
            if right > 0 and abs(left) > 1 and right * abs(left).bit_length() > MAX_INT_BITS:
                raise TemplateLimitError(
                    f"{left} ** {right} is larger than the limit of {MAX_INT_BITS:,} bits"
                )
        elif operator == "%" and isinstance(left, str):
            _check_widths(left, right)
        return _checked(super().call_binop(context, operator, left, right))

    def getattr(self, obj: Any, attribute: str) -> Any:
        return _checked(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return _checked(super().getitem(obj, argument))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            _check_widths(fmt, args or kwargs)
            return str(_checked(wrapped(*args, **kwargs)))

        return checked

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        for value in (*args, *kwargs.values()):
            _check_size(_size(value))
        _check_method(__obj, args, kwargs)
        return _checked(super().call(__context, __obj, *args, **kwargs))


def render_bounded(
    template: jinja2.Template,
    context: Mapping[str, Any],
    *,
    chars: int,
    what: str,
    seconds: float | None = None,
) -> str:
    """Render ``template``; :class:`TemplateLimitError` past ``chars`` or ``seconds``."""
    seconds = MAX_RENDER_SECONDS if seconds is None else seconds
    budget = _Budget(chars, what, time.monotonic() + seconds, seconds)
    token = _BUDGET.set(budget)
    try:
        parts: list[str] = []
        total = 0
        chunks = template.generate(context)
        for chunk in chunks:
            total += len(chunk)
            if total > chars:
                error = TemplateLimitError(
                    f"renders to more than {chars:,} characters, the limit for {what}"
                )
                error.lineno = _suspended_line(template, chunks)
                raise error
            try:
                _tick()
            except TemplateLimitError as error:
                error.lineno = _suspended_line(template, chunks)
                raise
            parts.append(chunk)
        return "".join(parts)
    finally:
        _BUDGET.reset(token)
