"""Inverting a load-script template: the values that reproduce a script exactly, or why none do."""

from __future__ import annotations

from pathlib import Path

from qlikreconcile.reconcile.importing.document import literal
from qlikreconcile.reconcile.importing.releases import release_for
from qlikreconcile.reconcile.importing.script_variables import infer_variables
from qlikreconcile.spec.desired_state import Release, Template
from qlikreconcile.spec.jinja_render import make_environment

CONTEXT = {
    "tenant": {"name": "acme", "region": "eu", "hostname": "acme.eu.qlikcloud.com"},
    "app": {"name": "Sales", "template": "sales", "release": 1, "space": "B", "publish_to": None},
}
TEMPLATE = (
    "// {{ app.name }} for {{ tenant.name }}\n"
    "LIB CONNECT TO '{{ space }}:{{ connection }}';\n"
    "T: SQL SELECT * FROM t\n{{ where }};\n"
    "U: SQL SELECT * FROM u\n{{ where }};\n"
)


def _render(**variables: str) -> str:
    return make_environment().from_string(TEMPLATE).render({**CONTEXT, **variables})


def test_the_values_found_render_the_script_exactly() -> None:
    script = _render(space="Acme build", connection="acme_pg", where="WHERE c = 4711")
    found = infer_variables(TEMPLATE, script, CONTEXT)
    assert found.matches
    assert found.variables == {
        "connection": "acme_pg",
        "space": "Acme build",
        "where": "WHERE c = 4711",
    }


def test_a_variable_used_twice_needs_one_value() -> None:
    script = _render(space="S", connection="c", where="WHERE c = 1").replace(
        "c = 1;\nU", "c = 2;\nU"
    )
    assert script.count("WHERE c = 1") == 1
    found = infer_variables(TEMPLATE, script, CONTEXT)
    assert not found.matches
    assert "line 6" in str(found.problem)


def test_known_names_must_match_the_app_and_tenant() -> None:
    script = _render(space="S", connection="c", where="").replace("for acme", "for globex")
    found = infer_variables(TEMPLATE, script, CONTEXT)
    assert not found.matches
    assert "line 1" in str(found.problem)


def test_templates_with_logic_are_reported_not_guessed() -> None:
    for source, what in (
        ("{% if where %}{{ where }}{% endif %}", "a if block"),
        ("{{ where | upper }}", "Filter"),
    ):
        found = infer_variables(source, "WHERE", CONTEXT)
        assert not found.matches
        assert what in str(found.problem)


def test_literal_values_render_back_to_themselves() -> None:
    env = make_environment()
    for text in ("plain", "a {{ b }} c", "{% x %}", "{# y #}"):
        assert env.from_string(literal(text)).render() == text


def _template(*created: str | None) -> Template:
    releases = tuple(
        Release(version=n, artifact=f"releases/{n}.qvf", sha256="0" * 64, created=c)
        for n, c in enumerate(created, start=1)
    )
    return Template(
        name="sales",
        display_name="Sales",
        source_space="T",
        source_app="Sales",
        script="s.qvs.j2",
        releases=releases,
        folder=Path("."),
        script_text="",
    )


def test_the_release_is_the_newest_made_before_the_app() -> None:
    template = _template("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z")
    assert release_for(template, "2026-04-02T10:00:00.000Z")[0::2] == (2, True)
    version, why, certain = release_for(template, "2025-12-01T00:00:00.000Z")
    assert (version, certain) == (3, False)
    assert "no release is known to predate the app" in why
    assert release_for(_template(None), "")[0::2] == (1, True)
