"""One call per printed value (jinja_env.printed): the same text as Jinja's escape(finalize(…)),
and templates rendered with it are byte for byte what Jinja's own code generator makes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError, UndefinedError
from markupsafe import Markup, escape

from annual_report.report import jinja_env
from annual_report.report.context import build_context, sample_context
from annual_report.report.jinja_env import environment, finalize, markup_printed, printed
from annual_report.report.render import CompiledTemplate
from annual_report.workbook.rows import read_workbook

SAMPLE_WORKBOOK = Path(__file__).resolve().parents[2] / "input" / "master.xlsx"


class _Stringy:
    def __str__(self) -> str:
        return "<b>&\n"


def jinjas_own(value: Any) -> str:
    return str(escape(finalize(value)))


plain_values = st.one_of(
    st.text(),  # every character: XML-illegal ones, line breaks, tabs, <&'" included
    st.text(alphabet="<>&'\"\n\r\t\x00\x0b a中"),
    st.integers(), st.floats(allow_nan=True), st.decimals(allow_nan=False), st.booleans(),
    st.none(), st.dates(),
)


@settings(max_examples=400)
@given(plain_values)
def test_the_same_text_as_escape_of_finalize(value: Any) -> None:
    assert printed(value) == jinjas_own(value)
    assert type(printed(value)) is str


@pytest.mark.parametrize("value", [
    Markup("<w:t>x</w:t>"), Markup("a\nb"), _Stringy(), dt.datetime(2025, 1, 20, 8, 30),
    Decimal("1.50"), -7, True, "",
])
def test_the_same_text_for_other_values(value: Any) -> None:
    assert printed(value) == jinjas_own(value)


def test_markup_printed_is_still_counted() -> None:
    before = markup_printed()
    printed(Markup("<w:br/>"))
    assert markup_printed() == before + 1  # the rendering still gets its strict parse
    printed("plain")
    printed(12)
    assert markup_printed() == before + 1


def test_a_whole_group_is_still_refused() -> None:
    with pytest.raises(jinja_env.WholeGroupPrinted):
        printed({"total": 1})


def jinja_generated(source: str) -> tuple[str, str]:
    ours = environment()
    theirs = environment()
    theirs.code_generator_class = CodeGenerator  # Jinja's own: escape(environment.finalize(…))
    code = theirs.compile(source, raw=True)
    assert "environment.printed(" not in code and "escape(environment.finalize(" in code
    assert "environment.printed(" in ours.compile(source, raw=True)
    return ours.from_string(source).render(CONTEXT), theirs.from_string(source).render(CONTEXT)


class _Node:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


CONTEXT = {"a": {"b": "<x & y>\n'z'"}, "n": 3, "d": Decimal("2.5"), "m": Markup("<w:br/>"),
           "items": ["一", "<二>", 3], "g": {"h": {"i": 5, "t": True, "e": ""}, "o": _Node(p=7)},
           "k": _Node(q={"r": -4}), "neg": -12, "big": 10**30}


@pytest.mark.parametrize("source", [
    "{{ a.b }}|{{ n }}|{{ d }}|{{ m }}|{{ n + 1 }}|{{ a.b ~ n }}|{{ a.b | upper }}",
    "{% for i in items %}{{ loop.index }}:{{ i }};{% endfor %}",
    "{% set x %}{{ a.b }}{% endset %}{{ x }}|{% filter upper %}{{ a.b }}{% endfilter %}",
    "{% macro m2(v) %}[{{ v }}]{% endmacro %}{{ m2(a.b) }}{{ m2(n) }}",
    "{% autoescape false %}{{ a.b }}{% endautoescape %}|{{ a.b }}",
    "{{ '<lit>' }}{{ 1 }}{{ none }}{{ a.b if n else '' }}",
    # a.b.c in one call where both are keys, the sandbox's getattr otherwise; ints printed
    # without a call (bool is no int here: True prints as True)
    "{{ g.h.i }}|{{ g.h.t }}|{{ g.h.e }}|{{ g.o.p }}|{{ k.q.r }}|{{ g.h.i.real }}|{{ neg }}",
    "{{ big }}|{{ g.h.items() | list | length }}|{{ g['h'].i }}|{{ g.h.i + n }}|{{ -n }}",
    "{% for x in [g.h.i, 2, True] %}{{ x }}{% endfor %}{% set y = g.h.i %}{{ y }}",
])
def test_templates_render_as_with_jinjas_code_generator(source: str) -> None:
    ours, theirs = jinja_generated(source)
    assert ours == theirs


def test_undefined_and_the_sandbox_still_raise() -> None:
    env = environment()
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render({})
    with pytest.raises(UndefinedError):
        env.from_string("{{ a.missing }}").render({"a": {}})
    with pytest.raises(SecurityError):
        env.from_string("{{ a.__class__ }}").render({"a": 1})
    with pytest.raises(UndefinedError):  # two names in one call
        env.from_string("{{ a.b.missing }}").render({"a": {"b": {}}})
    with pytest.raises(UndefinedError):
        env.from_string("{{ a.missing.c }}").render({"a": {}})
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing.b.c }}").render({})
    with pytest.raises(SecurityError):
        env.from_string("{{ a.__class__.__mro__ }}").render({"a": {}})
    with pytest.raises(SecurityError):
        env.from_string("{{ a.b.__class__ }}").render({"a": {"b": 1}})
    with pytest.raises(SecurityError):  # a dict's method is no key: the sandbox decides
        env.from_string("{{ a.b.update }}").render({"a": {"b": {}}})


def test_reports_are_byte_for_byte_as_with_jinjas_code_generator(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The default template over every sample row (and the sample context): the same DOCX."""
    from annual_report.report.build import DEFAULT_TEMPLATE
    from annual_report.report.workers import _core_properties

    rows = read_workbook(SAMPLE_WORKBOOK).rows
    ours = CompiledTemplate.load(DEFAULT_TEMPLATE)
    monkeypatch.setattr(jinja_env._Environment, "code_generator_class", CodeGenerator)
    theirs = CompiledTemplate.load(DEFAULT_TEMPLATE)
    assert "environment.printed(" not in theirs._env.compile("{{ x }}", raw=True)
    sample = sample_context()
    core = _core_properties(rows[0], build_context(rows[0]))
    assert ours.render(sample, core) == theirs.render(sample, core)
    for row in rows:
        context = build_context(row)
        core = _core_properties(row, context)
        assert ours.render(context, core) == theirs.render(context, core), row.agency


def test_without_markupsafes_inner_escape_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jinja_env, "_escape_inner", jinja_env._escape_public)
    for value in ("<a & 'b'>\"", "中文", "", "a\tb", 5, Decimal("1.0"), None):
        assert printed(value) == jinjas_own(value)
