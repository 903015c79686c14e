"""jinja2 templating of spec values and load scripts, strict about undefined names.

Two things are templates:

* **String values** in tenant files and in fleet ``defaults``, rendered one by one *after* the YAML
  is parsed (never the file as a whole, so positions survive). The context is
  ``{tenant: {name, region, hostname}, **variables}``. Variables may refer to other variables and to
  ``tenant``; they are rendered in dependency order, and a cycle is a problem.
* **Load-script templates** (``*.qvs.j2``), compiled once per template and rendered per tenant and
  app with the same context plus ``app: {name, template, release, space, publish_to}``.

The environment is sandboxed with size and time limits (:mod:`qlikreconcile.spec.jinja_limits`),
uses :class:`jinja2.StrictUndefined` (an undefined name is an error,
never an empty string), does not autoescape and keeps trailing newlines. Every failure becomes a
:class:`~qlikreconcile.errors.Problem` at the value's position, or at the script file and line.
Mappings of the form ``{env: NAME}`` are secret references and are never rendered.
"""

from __future__ import annotations

import graphlib
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from qlikreconcile.errors import Problem, SourcePosition
from qlikreconcile.spec.jinja_limits import (
    MAX_SCRIPT_CHARS,
    MAX_VALUE_CHARS,
    BoundedEnvironment,
    TemplateLimitError,
    render_bounded,
)
from qlikreconcile.spec.positioned_yaml import PosDict, PosList

RESERVED = frozenset({"tenant", "app"})
"""Context names qlikreconcile provides; variables may not use them."""

VARIABLE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_MARKERS = ("{{", "{%", "{#")

_VARIABLE_FIX = (
    "define it under `variables:` in the tenant file or `defaults.variables` in fleet.yaml"
)


def make_environment() -> SandboxedEnvironment:
    """The one jinja2 environment for spec values and load scripts."""
    return BoundedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
    )


def tenant_context(name: str, region: str, hostname: str) -> dict[str, Any]:
    """The `tenant` entry of every rendering context."""
    return {"tenant": {"name": name, "region": region, "hostname": hostname}}


def _first_lines(ast: nodes.Template) -> dict[str, int]:
    lines: dict[str, int] = {}
    for node in ast.find_all(nodes.Name):
        if node.ctx == "load":
            lines.setdefault(node.name, node.lineno)
    return lines


def _render_failure(exc: Exception) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined value: {exc.message}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"unsafe template operation: {exc}"
    if isinstance(exc, TemplateLimitError):
        return f"template limit exceeded: {exc}"
    if isinstance(exc, MemoryError | RecursionError | OverflowError):
        return f"template too large to render ({type(exc).__name__})"
    return f"template error: {exc}"


_RENDER_ERRORS = (
    jinja2.TemplateError,
    TypeError,
    ValueError,
    ArithmeticError,
    LookupError,
    TemplateLimitError,
    MemoryError,
    RecursionError,
)
_LIMIT_FIX = "make the expression build less (see 'Templating limits' in docs/spec.md)"


def _fix(exc: Exception, default: str) -> str:
    limits = TemplateLimitError | MemoryError | RecursionError | OverflowError
    return _LIMIT_FIX if isinstance(exc, limits) else default


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """A compiled jinja2 template with the names it needs from the context."""

    template: jinja2.Template
    needs: frozenset[str]
    first_line: Mapping[str, int]


class ValueRenderer:
    """Renders string values at known positions; caches compiled templates by their text."""

    def __init__(self, env: SandboxedEnvironment) -> None:
        self.env = env
        self._cache: dict[str, CompiledTemplate | str] = {}

    def _compile(self, text: str) -> CompiledTemplate | str:
        """The compiled template, or the syntax error message."""
        cached = self._cache.get(text)
        if cached is None:
            try:
                ast = self.env.parse(text)
                cached = CompiledTemplate(
                    self.env.from_string(ast),
                    frozenset(meta.find_undeclared_variables(ast)),
                    _first_lines(ast),
                )
            except jinja2.TemplateSyntaxError as exc:
                cached = f"jinja2 syntax error: {exc.message}"
            self._cache[text] = cached
        return cached

    def needs(self, text: str) -> frozenset[str]:
        """Names a value refers to (empty for plain text and for syntax errors)."""
        if not any(m in text for m in _MARKERS):
            return frozenset()
        compiled = self._compile(text)
        return compiled.needs if isinstance(compiled, CompiledTemplate) else frozenset()

    def render(
        self,
        text: str,
        context: Mapping[str, Any],
        pos: SourcePosition,
        tenant: str,
        broken: frozenset[str] = frozenset(),
    ) -> tuple[str | None, list[Problem]]:
        """Render one value; plain text (no jinja2 markers) is returned unchanged.

        Names in `broken` are variables whose own rendering failed (already reported): a value
        that needs one of them is skipped without a second problem.
        """
        if not any(m in text for m in _MARKERS):
            return text, []
        compiled = self._compile(text)
        if isinstance(compiled, str):
            return None, [Problem(pos, compiled, "fix the {{ }} / {% %} expression")]
        missing = sorted(compiled.needs - context.keys())
        if missing and set(missing) <= broken:
            return None, []
        if missing:
            return None, [
                Problem(
                    pos,
                    f"undefined variable '{name}' (rendering for tenant {tenant})",
                    _VARIABLE_FIX,
                )
                for name in missing
                if name not in broken
            ]
        try:
            what = "one value"
            rendered = render_bounded(compiled.template, context, chars=MAX_VALUE_CHARS, what=what)
            return rendered, []
        except _RENDER_ERRORS as exc:
            return None, [
                Problem(
                    pos,
                    f"{_render_failure(exc)} (rendering for tenant {tenant})",
                    _fix(exc, "fix the expression or the variables it uses"),
                )
            ]

    def render_tree(
        self,
        node: Any,
        context: Mapping[str, Any],
        tenant: str,
        pos: SourcePosition,
        broken: frozenset[str] = frozenset(),
    ) -> tuple[Any, list[Problem]]:
        """A copy of `node` with every string rendered; positions are kept on the copies."""
        problems: list[Problem] = []
        if isinstance(node, PosDict):
            if set(node) == {"env"}:  # a secret reference: never rendered
                return node, problems
            out = PosDict(node.pos)
            for key, value in node.items():
                rendered, found = self.render_tree(
                    value, context, tenant, node.value_pos[key], broken
                )
                problems += found
                out.put(
                    key,
                    value if rendered is None else rendered,
                    node.key_pos[key],
                    node.value_pos[key],
                )
            return out, problems
        if isinstance(node, PosList):
            items = PosList(node.pos)
            for value, item_pos in zip(node, node.item_pos, strict=True):
                rendered, found = self.render_tree(value, context, tenant, item_pos, broken)
                problems += found
                items.add(value if rendered is None else rendered, item_pos)
            return items, problems
        if isinstance(node, str):
            return self.render(node, context, pos, tenant, broken)
        return node, problems


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def render_variables(
    renderer: ValueRenderer, variables: PosDict, context: Mapping[str, Any], tenant: str
) -> tuple[dict[str, Any], frozenset[str], list[Problem]]:
    """Render a tenant's (merged) variables in dependency order.

    `context` holds what qlikreconcile provides (``tenant``). A variable that refers to another
    is rendered after it; a cycle, an undefined name or a reserved or invalid variable name is a
    problem at that variable. Returns the full context, the names of variables that failed, and
    the problems.
    """
    problems: list[Problem] = []
    names = {}
    for key in variables:
        if key in RESERVED:
            problems.append(
                Problem(
                    variables.key_pos[key],
                    f"variable name '{key}' is reserved",
                    "rename the variable",
                )
            )
        elif not VARIABLE_NAME_RE.match(key):
            problems.append(
                Problem(
                    variables.key_pos[key],
                    f"invalid variable name '{key}'",
                    "use letters, digits and _ only, not starting with a digit",
                )
            )
        else:
            names[key] = frozenset(n for s in _strings(variables[key]) for n in renderer.needs(s))
    graph = {key: needs & names.keys() for key, needs in names.items()}
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        problems.append(
            Problem(
                variables.value_pos[cycle[0]],
                f"variables refer to each other in a cycle: {' -> '.join(cycle)}",
                "break the cycle",
            )
        )
        return dict(context), frozenset(names), problems
    rendered: dict[str, Any] = dict(context)
    failed: set[str] = set()
    for key in order:
        if graph[key] & failed:  # already reported where the dependency failed
            failed.add(key)
            continue
        value, found = renderer.render_tree(
            variables[key], rendered, tenant, variables.value_pos[key]
        )
        problems += found
        if found:
            failed.add(key)
        else:
            rendered[key] = value
    return rendered, frozenset(failed), problems


@dataclass(frozen=True, slots=True)
class ScriptTemplate:
    """A compiled load-script template (``*.qvs.j2``) and the file it came from."""

    file: str
    compiled: CompiledTemplate


def compile_script(
    env: SandboxedEnvironment, source: str, file: str
) -> tuple[ScriptTemplate | None, list[Problem]]:
    """Compile a load-script template once; syntax errors point at its file and line."""
    try:
        ast = env.parse(source, name=file, filename=file)
        code = env.compile(ast, name=file, filename=file)
    except jinja2.TemplateSyntaxError as exc:
        return None, [
            Problem(
                SourcePosition(file, exc.lineno),
                f"jinja2 syntax error: {exc.message}",
                "fix the template syntax",
            )
        ]
    template = env.template_class.from_code(env, code, env.make_globals(None))
    needs = frozenset(meta.find_undeclared_variables(ast))
    return ScriptTemplate(file, CompiledTemplate(template, needs, _first_lines(ast))), []


def _failure_line(exc: BaseException, file: str) -> int | None:
    if isinstance(exc, TemplateLimitError) and exc.lineno is not None:
        return exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == file]
    return frames[-1].lineno if frames else None


def render_script(
    script: ScriptTemplate,
    context: Mapping[str, Any],
    *,
    tenant: str,
    app: str,
    broken: frozenset[str] = frozenset(),
) -> tuple[str | None, list[Problem]]:
    """Render a load script for one tenant's app; problems point at the template file and line."""
    compiled = script.compiled
    missing = sorted(compiled.needs - context.keys() - broken)
    where = f"(rendering for tenant {tenant}, app {app})"
    if missing:
        return None, [
            Problem(
                SourcePosition(script.file, compiled.first_line.get(name)),
                f"undefined variable '{name}' in load script {where}",
                _VARIABLE_FIX,
            )
            for name in missing
        ]
    if compiled.needs & broken - context.keys():  # already reported at the variable
        return None, []
    try:
        what = "one load script"
        rendered = render_bounded(compiled.template, context, chars=MAX_SCRIPT_CHARS, what=what)
        return rendered, []
    except _RENDER_ERRORS as exc:
        line = _failure_line(exc, script.file)
        return None, [
            Problem(
                SourcePosition(script.file, line),
                f"{_render_failure(exc)} {where}",
                _fix(exc, "fix the template or the variables it uses"),
            )
        ]
