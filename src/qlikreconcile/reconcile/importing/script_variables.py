"""The template variables that reproduce an app's load script, or why none do.

A template's script is jinja2 (``*.qvs.j2``). For a script written by hand or by Qlik's tutorial
scripts we look for values of the template's variables that make the rendered template *equal*
the app's script, character for character; the answer is then checked by rendering the template
with it, exactly as plan would. Only templates made of text, ``{{ name }}`` and
``{{ tenant.x }}`` / ``{{ app.x }}`` (known from the tenant and the app) are inverted: anything
else (filters, conditions, loops) is reported as not invertible instead of guessed. A variable
used twice must have one value; when several assignments fit (two variables side by side) the
first found is taken, and it provably renders the script.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes

from qlikreconcile.spec.jinja_render import make_environment


@dataclass(frozen=True, slots=True)
class Inferred:
    """``variables`` when the script matches (``problem`` None), else why it does not."""

    variables: dict[str, str]
    problem: str | None = None

    @property
    def matches(self) -> bool:
        return self.problem is None


_CONTEXT_NAMES = ("tenant", "app")


def infer_variables(template_source: str, script: str, context: Mapping[str, Any]) -> Inferred:
    """Values of the template's variables that render ``template_source`` to ``script``.

    ``context`` holds ``tenant`` and ``app`` (mappings), as the spec renders scripts with.
    """
    env = make_environment()
    try:
        body = env.parse(template_source).body
    except jinja2.TemplateSyntaxError as exc:
        return Inferred({}, f"the template does not parse: {exc.message}")
    parts = _pattern(body, context)
    if isinstance(parts, _Unsupported):
        return Inferred({}, f"the template uses {parts.what}, which import cannot invert")
    found = re.fullmatch("".join(regex for regex, _ in parts), script, flags=re.DOTALL)
    if found is None:
        line = _first_difference(parts, script)
        return Inferred(
            {},
            "no values of the template's variables reproduce the load script (it departs "
            f"from the template at line {line})",
        )
    values = {_name(group): value for group, value in found.groupdict().items()}
    rendered = env.from_string(template_source).render({**context, **values})
    if rendered != script:  # the pattern's escaping and jinja2's output must agree
        return Inferred({}, "the template rendered with the values found differs from the script")
    return Inferred(dict(sorted(values.items())))


@dataclass(frozen=True, slots=True)
class _Unsupported:
    what: str


def _group(name: str) -> str:
    return f"v_{name}"


def _name(group: str) -> str:
    return group.removeprefix("v_")


_Part = tuple[str, str | None]
"""One piece of the template as a regular expression, with its text when it is literal."""


def _first_difference(parts: list[_Part], script: str) -> int:
    """The script's line where it stops following the template (after the longest match)."""
    reached = 0
    for count in range(1, len(parts) + 1):
        found = re.match("".join(regex for regex, _ in parts[:count]), script, flags=re.DOTALL)
        if found is None:
            text = parts[count - 1][1] or ""
            rest = script[reached:]
            pairs = enumerate(zip(text, rest, strict=False))
            reached += next((i for i, (a, b) in pairs if a != b), min(len(text), len(rest)))
            break
        reached = found.end()
    return script.count("\n", 0, reached) + 1


def _pattern(body: list[nodes.Node], context: Mapping[str, Any]) -> list[_Part] | _Unsupported:
    parts: list[_Part] = []
    seen: set[str] = set()
    for statement in body:
        if not isinstance(statement, nodes.Output):
            return _Unsupported(f"a {type(statement).__name__.lower()} block")
        for node in statement.nodes:
            if isinstance(node, nodes.TemplateData):
                parts.append((re.escape(node.data), node.data))
            elif isinstance(node, nodes.Name) and node.name not in _CONTEXT_NAMES:
                group = _group(node.name)
                parts.append((f"(?P={group})" if node.name in seen else f"(?P<{group}>.*?)", None))
                seen.add(node.name)
            elif (known := _known_attribute(node, context)) is not None:
                parts.append((re.escape(known), known))
            else:
                return _Unsupported(f"the expression {type(node).__name__}")
    return parts


def _known_attribute(node: nodes.Node, context: Mapping[str, Any]) -> str | None:
    """The text ``{{ tenant.x }}`` / ``{{ app.x }}`` renders to (None: not such a name)."""
    if not isinstance(node, nodes.Getattr) or not isinstance(node.node, nodes.Name):
        return None
    holder = context.get(node.node.name)
    if not isinstance(holder, Mapping) or node.attr not in holder:
        return None
    return str(holder[node.attr])
