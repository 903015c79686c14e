"""The bounded jinja2 environment: every way to build something huge stops before allocating it."""

from __future__ import annotations

import time

import pytest

from qlikreconcile.spec.jinja_limits import TemplateLimitError, render_bounded
from qlikreconcile.spec.jinja_render import make_environment

HUGE = {
    "string repeat": "{{ 'a' * 5000000000 }}",
    "repeat, int first": "{{ 5000000000 * 'a' }}",
    "list repeat": "{{ [1] * 5000000000 }}",
    "power": "{{ 10 ** 100000000 }}",
    "str method width": "{{ 'a'.center(5000000000) }}",
    "zfill": "{{ 'a'.zfill(5000000000) }}",
    "expandtabs": "{{ 'a\tb'.expandtabs(5000000000) }}",
    "center filter": "{{ 'a'|center(5000000000) }}",
    "indent filter": "{{ 'x'|indent(5000000000, true) }}",
    "format filter": "{{ '%5000000000s'|format(1) }}",
    "percent width": "{{ '%5000000000d' % 1 }}",
    "percent star": "{{ '%*d' % (5000000000, 1) }}",
    "str.format width": "{{ '{:5000000000}'.format(1) }}",
    "replace": "{{ ('a' * 1000000).replace('a', 'aaaaaaaaaa') }}",
    "doubling": "{% set ns = namespace(s='a') %}{% for i in range(40) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "output": "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
    "time": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_huge_results_stop_at_a_named_limit_quickly(name: str) -> None:
    template = make_environment().from_string(HUGE[name])
    started = time.monotonic()
    with pytest.raises(TemplateLimitError, match="limit"):
        render_bounded(template, {}, chars=1_000_000, what="one value", seconds=0.5)
    assert time.monotonic() - started < 5


def test_ordinary_templates_still_render() -> None:
    text = (
        "{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ '%05d' % 42 }} {{ '{:>4}'.format('x') }} "
        "{{ range(3)|list }} {{ 'a'|center(3) }} {{ 'a-b'|replace('-', '+') }} "
        "{{ [1, 2]|map('string')|join }}"
    )
    out = render_bounded(make_environment().from_string(text), {}, chars=1000, what="one value")
    assert out == "1024 ababab 00042    x [0, 1, 2]  a  a+b 12"


def test_lipsum_is_not_offered() -> None:
    with pytest.raises(Exception, match="lipsum"):
        render_bounded(
            make_environment().from_string("{{ lipsum(100000000) }}"), {}, chars=10, what="v"
        )
