"""jinja2 templating of values and load scripts: strict about undefined names, positioned."""

from __future__ import annotations

import pytest

from qlikreconcile.errors import SourcePosition
from qlikreconcile.spec.jinja_render import (
    ValueRenderer,
    compile_script,
    make_environment,
    render_script,
    render_variables,
    tenant_context,
)
from qlikreconcile.spec.positioned_yaml import load_yaml_text

POS = SourcePosition("t.yaml", 3, 7)
CTX = {**tenant_context("acme", "eu", "acme.eu.qlikcloud.com"), "customer_id": 4711}


@pytest.fixture
def renderer() -> ValueRenderer:
    return ValueRenderer(make_environment())


def test_environment_settings() -> None:
    env = make_environment()
    assert env.autoescape is False
    assert env.keep_trailing_newline is True
    assert env.from_string("<{{ x }}>\n").render(x="&") == "<&>\n"


def test_plain_text_is_not_rendered(renderer: ValueRenderer) -> None:
    assert renderer.render("50% off {not jinja}", CTX, POS, "acme") == ("50% off {not jinja}", [])


def test_values_render_with_tenant_and_variables(renderer: ValueRenderer) -> None:
    text, problems = renderer.render(
        "{{ tenant.name | capitalize }}: WHERE customer_id = {{ customer_id }}", CTX, POS, "acme"
    )
    assert problems == []
    assert text == "Acme: WHERE customer_id = 4711"


def test_undefined_variable_is_a_problem_at_the_value(renderer: ValueRenderer) -> None:
    text, problems = renderer.render("{{ db }}/{{ schema }}", CTX, POS, "acme")
    assert text is None
    assert [p.position for p in problems] == [POS, POS]
    assert [p.message for p in problems] == [
        "undefined variable 'db' (rendering for tenant acme)",
        "undefined variable 'schema' (rendering for tenant acme)",
    ]
    assert all(p.fix for p in problems)


def test_undefined_attribute_is_strict_too(renderer: ValueRenderer) -> None:
    text, problems = renderer.render("{{ tenant.nmae }}", CTX, POS, "acme")
    assert text is None
    assert "has no attribute 'nmae'" in problems[0].message


def test_syntax_error_in_a_value(renderer: ValueRenderer) -> None:
    _, problems = renderer.render("{{ customer_id ", CTX, POS, "acme")
    assert problems[0].position == POS
    assert "jinja2 syntax error" in problems[0].message


def test_sandbox_refuses_unsafe_access(renderer: ValueRenderer) -> None:
    _, problems = renderer.render("{{ ''.__class__.__mro__ }}", CTX, POS, "acme")
    assert problems
    assert "unsafe" in problems[0].message


def test_variables_render_in_dependency_order(renderer: ValueRenderer) -> None:
    doc, _ = load_yaml_text(
        "where: \"WHERE id = {{ customer_id }} AND db = '{{ db }}'\"\n"
        'db: "{{ tenant.name }}_pg"\ncustomer_id: 4711\nlist: ["{{ db }}", 1]\n',
        "v.yaml",
    )
    context, broken, problems = render_variables(
        renderer, doc, tenant_context("acme", "eu", "h"), "acme"
    )
    assert problems == []
    assert broken == frozenset()
    assert context["where"] == "WHERE id = 4711 AND db = 'acme_pg'"
    assert context["list"] == ["acme_pg", 1]


def test_variable_cycle_is_a_problem(renderer: ValueRenderer) -> None:
    doc, _ = load_yaml_text('a: "{{ b }}"\nb: "{{ a }}"\n', "v.yaml")
    _, _, problems = render_variables(renderer, doc, tenant_context("x", "eu", "h"), "x")
    assert len(problems) == 1
    assert "cycle" in problems[0].message
    assert problems[0].position.line in (1, 2)


def test_variable_failures_do_not_cascade(renderer: ValueRenderer) -> None:
    doc, _ = load_yaml_text('a: "{{ nope }}"\nb: "{{ a }}"\nc: ok\n', "v.yaml")
    context, broken, problems = render_variables(renderer, doc, tenant_context("x", "eu", "h"), "x")
    assert [str(p.position) for p in problems] == ["v.yaml:1:4"]
    assert broken == {"a", "b"}
    assert context["c"] == "ok"
    text, more = renderer.render("{{ b }}", context, POS, "x", broken)
    assert (text, more) == (None, [])


def test_reserved_and_invalid_variable_names(renderer: ValueRenderer) -> None:
    doc, _ = load_yaml_text("tenant: x\nbad-name: y\n", "v.yaml")
    _, _, problems = render_variables(renderer, doc, tenant_context("x", "eu", "h"), "x")
    assert [p.message for p in problems] == [
        "variable name 'tenant' is reserved",
        "invalid variable name 'bad-name'",
    ]


SCRIPT = """\
LIB CONNECT TO '{{ connection }}';
Orders:
LOAD *;
SQL SELECT * FROM sales.orders {{ where }};
// {{ app.name }}
"""


def test_script_renders_with_app_context() -> None:
    script, problems = compile_script(make_environment(), SCRIPT, "t/sales.qvs.j2")
    assert script is not None
    assert problems == []
    context = {**CTX, "connection": "dw", "where": "", "app": {"name": "Sales"}}
    text, problems = render_script(script, context, tenant="acme", app="Sales")
    assert problems == []
    assert text is not None
    assert text.startswith("LIB CONNECT TO 'dw';\n")
    assert text.endswith("// Sales\n")


def test_undefined_script_variable_points_at_file_and_line() -> None:
    script, _ = compile_script(make_environment(), SCRIPT, "t/sales.qvs.j2")
    assert script is not None
    context = {**CTX, "connection": "dw", "app": {"name": "Sales"}}
    _, problems = render_script(script, context, tenant="acme", app="Sales")
    assert [str(p.position) for p in problems] == ["t/sales.qvs.j2:4"]
    assert "undefined variable 'where'" in problems[0].message
    assert "tenant acme, app Sales" in problems[0].message


def test_undefined_attribute_in_script_uses_the_traceback_line() -> None:
    script, _ = compile_script(make_environment(), "a\nb\n{{ app.nope }}\n", "t/x.qvs.j2")
    assert script is not None
    _, problems = render_script(script, {**CTX, "app": {}}, tenant="acme", app="X")
    assert [str(p.position) for p in problems] == ["t/x.qvs.j2:3"]


def test_script_syntax_error_points_at_line() -> None:
    script, problems = compile_script(make_environment(), "a\n{% if x %}\nb\n", "t/x.qvs.j2")
    assert script is None
    assert problems[0].position.file == "t/x.qvs.j2"
    assert problems[0].position.line is not None
