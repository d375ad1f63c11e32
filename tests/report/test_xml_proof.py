"""The compile-time proof that a template always renders well-formed XML (report/xml_proof.py).

It must hold for the bundled template, fail for templates whose renderings can break, and be
sound: whenever it holds, every rendering, for any values, passes the strict parse.
"""

from __future__ import annotations

import io
import re

import pytest
from docxtpl import DocxTemplate
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from annual_report.report.build import DEFAULT_TEMPLATE
from annual_report.report.jinja_env import environment
from annual_report.report.render import CompiledTemplate
from annual_report.report.xml_check import check_xml
from annual_report.report.xml_proof import always_well_formed
from annual_report.zipwrite import read_members

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
ROOT = f"<w:document {NS}><w:body>{{}}</w:body></w:document>"


def proven(body: str) -> bool:
    return always_well_formed(environment().parse(ROOT.format(body)))


def test_bundled_template_parts_are_proven() -> None:
    data = DEFAULT_TEMPLATE.read_bytes()
    patcher = DocxTemplate(io.BytesIO(data))
    parts = [(n, x) for n, x in read_members(data)
             if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)]
    assert parts
    for _name, xml in parts:
        root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True, resolve_entities=False))
        patched = patcher.patch_xml(etree.tostring(root, encoding="unicode"))
        assert always_well_formed(environment().parse(patched))
    compiled = CompiledTemplate.load(DEFAULT_TEMPLATE)
    assert compiled._parts and all(part.proven for part in compiled._parts)


@pytest.mark.parametrize("body", [
    "<w:p><w:r><w:t>{{ a }}</w:t></w:r></w:p>",
    "{% for p in items %}<w:p><w:r><w:t>{{ p }}</w:t></w:r></w:p>{% endfor %}",
    "{% if c %}<w:p/>{% elif d %}<w:p><w:r/></w:p>{% else %}{% endif %}",
    "<w:p><w:r><w:t xml:space=\"preserve\">a &amp; b &#x4E2D; {{ a|upper }}</w:t></w:r></w:p>",
    "{% set n = items|length %}<w:p><w:r><w:t>{{ n }}</w:t></w:r></w:p>",
])
def test_balanced_templates_are_proven(body: str) -> None:
    assert proven(body)


@pytest.mark.parametrize("body", [
    "<w:p>{% if c %}</w:p><w:p>{% endif %}</w:p>",  # an if across paragraphs
    "{% for p in items %}<w:p>{% endfor %}",
    "<w:p>{{ a }}</w:p>",  # a value outside <w:t>
    "<w:p w:val=\"{{ a }}\"/>",  # a value in an attribute
    "<w:p><w:r><w:t>{{ a|safe }}</w:t></w:r></w:p>",
    "<w:p><w:r><w:t>{{ lipsum() }}</w:t></w:r></w:p>",
    "{% set x %}<w:p>{% endset %}<w:p><w:r><w:t>{{ x }}</w:t></w:r></w:p>",
    "{% macro m() %}</w:body>{% endmacro %}",
    "{% autoescape false %}<w:p><w:r><w:t>{{ a }}</w:t></w:r></w:p>{% endautoescape %}",
    "<w:p><x:r/></w:p>",  # an undeclared prefix
    "<w:p w:a=\"1\" w:a=\"2\"/>",
    "<w:p>&nbsp;</w:p>",
    "<w:p>&#1;</w:p>",
    "<w:p></w:r>",
])
def test_templates_that_can_break_are_not_proven(body: str) -> None:
    assert not proven(body)


NOISE = st.sampled_from([
    "<w:p>", "</w:p>", "</w:t>", "<x:y/>", "&bad;", "{{ v }}", "{{ x }}", "{% else %}",
    "<w:p w:a=\"1\" w:a=\"2\">", "]]>",
])
LEAVES = st.sampled_from([
    "", "text", "&amp;", "<w:br/>", "<w:t>{{ v }}</w:t>", "<w:t>a{{ x }}b</w:t>", "<!-- c -->",
    "<w:p w:a=\"1\"/>",
])
WRAPS = st.sampled_from([
    "<w:p>{}</w:p>", "<w:r>{}</w:r>", "<w:t>{}</w:t>", "{{% if c %}}{}{{% endif %}}",
    "{{% if c %}}{}{{% else %}}<w:p/>{{% endif %}}", "{{% for x in items %}}{}{{% endfor %}}",
])
# Mostly balanced structures (so the proof often holds and its soundness is tested), with noise
# spliced in (so it often fails, and must).
BODIES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.tuples(WRAPS, inner).map(lambda pair: pair[0].format(pair[1])),
        st.lists(inner, min_size=2, max_size=3).map("".join),
        st.tuples(inner, NOISE, inner).map("".join),
    ),
    max_leaves=8,
)
VALUES = st.text(alphabet=st.sampled_from(list("a<>&\"'\n\t\r\x01中")), max_size=6)


@settings(max_examples=300, deadline=None)
@given(BODIES, VALUES, st.booleans(), st.lists(VALUES, max_size=2))
def test_the_proof_is_sound(body: str, value: str, flag: bool, items: list[str]) -> None:
    """Whenever the proof holds, the rendering passes the strict parse, whatever the values."""
    env = environment()
    try:
        ast = env.parse(ROOT.format(body))
    except Exception:  # not a template at all (an endif without if …)
        return
    if not always_well_formed(ast):
        return
    text = env.from_string(ast).render(v=value, x=value, c=flag, items=items)
    assert check_xml(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     + text.encode("utf-8")) is None, text
