"""CompiledTemplate: values, escaping, errors, loops, determinism, the zip, and docxtpl parity.

Templates are built in ``tmp_path`` with python-docx; rendered reports are read back with
python-docx (and zipfile), and compared with docxtpl's own rendering of the same template.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import multiprocessing
import pickle
import re
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docx
import jinja2
import pytest
from docxtpl import DocxTemplate
from lxml import etree
from markupsafe import Markup

from annual_report import zipwrite
from annual_report.errors import RenderError, TemplateError
from annual_report.report.context import Paragraphs, sample_context
from annual_report.report.docx_parts import core_properties_xml
from annual_report.report.render import (
    RENDERER_VERSION,
    CompiledTemplate,
    CoreProperties,
    check_xml,
)

CORE = CoreProperties(
    "某某局2024年政府信息公开工作年度报告", "某某局", dt.datetime(2025, 1, 20, 9, 30)
)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def make_template(
    path: Path,
    paragraphs: Sequence[str] = (),
    table: Sequence[Sequence[str]] = (),
    header: str | None = None,
    footer: str | None = None,
    after: Sequence[str] = (),
) -> Path:
    doc = docx.Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if table:
        grid = doc.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, text in enumerate(row):
                grid.cell(i, j).text = text
    for text in after:
        doc.add_paragraph(text)
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    if footer is not None:
        doc.sections[0].footer.paragraphs[0].text = footer
    doc.save(str(path))
    return path


def texts(data: bytes) -> list[str]:
    """Every paragraph, table cell, header and footer text of a DOCX, in order."""
    doc = docx.Document(io.BytesIO(data))
    found = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            found += [cell.text for cell in row.cells]
    for section in doc.sections:
        found += [p.text for p in section.header.paragraphs]
        found += [p.text for p in section.footer.paragraphs]
    return found


def docxtpl_render(path: Path, context: dict[str, Any]) -> bytes:
    template = DocxTemplate(str(path))
    template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def context(**changes: Any) -> dict[str, Any]:
    ctx = sample_context()
    ctx["apps"]["new"].update(natural=3, business=1, total=4)
    ctx["apps"]["denied"]["state_secret"]["total"] = 2
    ctx.update(changes)
    return ctx


@pytest.fixture
def basic(tmp_path: Path) -> Path:
    return make_template(
        tmp_path / "basic.docx",
        ["{{ title }}", "机关：{{ agency }}", "{%p for para in text.overview %}", "{{ para }}",
         "{%p endfor %}"],
        [["项目", "自然人", "总计"],
         ["新收", "{{ apps.new.natural }}", "{{ apps.new.total }}"],
         ["国家秘密", "{{ apps.denied.state_secret.natural }}",
          "{{ apps.denied.state_secret.total }}"]],
        header="{{ agency }}年度报告",
        footer="第 1 页",
    )


@pytest.fixture
def compiled(basic: Path) -> CompiledTemplate:
    return CompiledTemplate.load(basic)


# --- values --------------------------------------------------------------------------------------


def test_values_appear_in_paragraphs_cells_and_header(compiled: CompiledTemplate) -> None:
    ctx = context(agency="某某市某某局")
    ctx["text"]["overview"] = Paragraphs(["第一段。", "第二段。"])
    doc = docx.Document(io.BytesIO(compiled.render(ctx, CORE)))
    assert [p.text for p in doc.paragraphs] == [
        "示例机关2024年政府信息公开工作年度报告", "机关：某某市某某局", "第一段。", "第二段。"
    ]
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells == [["项目", "自然人", "总计"], ["新收", "3", "4"], ["国家秘密", "", "2"]]
    assert doc.sections[0].header.paragraphs[0].text == "某某市某某局年度报告"
    assert doc.sections[0].footer.paragraphs[0].text == "第 1 页"


HOSTILE = [
    ("R&D <Ltd>", "R&D <Ltd>"),
    ("{{ x }}", "{{ x }}"),
    ("{% if %}", "{% if %}"),
    ("{_{ literal }_}", "{_{ literal }_}"),
    ("a\x01b\x0bc\x07d\x0ce\ufffef", "abcdef"),
    ("emoji 😀 and 中文", "emoji 😀 and 中文"),
    ("\"double\" 'single' “中文引号” ‘单’", "\"double\" 'single' “中文引号” ‘单’"),
    ("]]> <![CDATA[ &amp; &#x1; </w:t>", "]]> <![CDATA[ &amp; &#x1; </w:t>"),
    ("长&<" * 6667, "长&<" * 6667),
]


@pytest.mark.parametrize(("value", "expected"), HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_come_out_intact(
    compiled: CompiledTemplate, value: str, expected: str
) -> None:
    ctx = context(agency=value)
    ctx["text"]["overview"] = [value]
    ctx["apps"]["new"]["natural"] = value
    data = compiled.render(ctx, CORE)
    for name in ("word/document.xml", "word/header1.xml"):
        etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(name))  # strict parse
    found = texts(data)
    assert found[1] == f"机关：{expected}"
    assert found[2] == expected
    assert expected in found  # the table cell
    assert f"{expected}年度报告" in found  # the header


def test_line_breaks_and_tabs_become_breaks_and_tabs(compiled: CompiledTemplate) -> None:
    data = compiled.render(context(agency="甲\n乙\r\n丙\t丁"), CORE)
    assert texts(data)[1] == "机关：甲\n乙\n丙\t丁"
    document = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert document.count("<w:br/>") == 2 and document.count("<w:tab/>") == 1


def test_whole_paragraphs_value_prints_with_line_breaks(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", ["{{ text.overview }}"])
    ctx = context()
    ctx["text"]["overview"] = Paragraphs(["一", "二"])
    assert texts(CompiledTemplate.load(path).render(ctx, CORE))[0] == "一\n二"


def test_markup_values_are_not_escaped_but_checked(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", ["前{{ agency }}后"])
    template = CompiledTemplate.load(path)
    ok = Markup('</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">粗')
    assert texts(template.render(context(agency=ok), CORE))[0] == "前粗后"
    with pytest.raises(RenderError, match=r"正文.*不是合法的 XML"):
        template.render(context(agency=Markup("<w:oops>")), CORE)


def test_literal_braces_markers_are_resolved_in_template_text_only(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", ["{_{ 原样 }_} {{ agency }}"])
    data = CompiledTemplate.load(path).render(context(agency="{_{ 值 }_}"), CORE)
    assert texts(data)[0] == "{{ 原样 }} {_{ 值 }_}"


# --- loops and tables ----------------------------------------------------------------------------


def test_paragraph_and_row_loops(tmp_path: Path) -> None:
    path = make_template(
        tmp_path / "t.docx",
        ["{%p for para in text.overview %}", "段落：{{ para }}（{{ loop.index }}）",
         "{%p endfor %}",
         "{%p if text.problems %}", "有问题", "{%p else %}", "没有问题", "{%p endif %}"],
        [["名称", "件数"], ["{%tr for row in rows %}", ""], ["{{ row.name }}", "{{ row.count }}"],
         ["{%tr endfor %}", ""], ["合计", "{{ rows|sum(attribute='count') }}"]],
    )
    ctx = context(rows=[{"name": "甲", "count": 1}, {"name": "乙&丙", "count": 2}])
    ctx["text"]["overview"] = ["一", "二", "三"]
    template = CompiledTemplate.load(path)
    doc = docx.Document(io.BytesIO(template.render(ctx, CORE)))
    assert [p.text for p in doc.paragraphs] == [
        "段落：一（1）", "段落：二（2）", "段落：三（3）", "没有问题"
    ]
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert rows == [["名称", "件数"], ["甲", "1"], ["乙&丙", "2"], ["合计", "3"]]
    ctx["rows"] = []
    doc = docx.Document(io.BytesIO(template.render(ctx, CORE)))
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows] == [
        ["名称", "件数"], ["合计", "0"]
    ]


def test_column_loop_fixes_the_table_grid(tmp_path: Path) -> None:
    path = make_template(
        tmp_path / "t.docx",
        table=[["项目", "{%tc for c in cols %}", "{{ c }}", "{%tc endfor %}"]],
    )
    ctx = context(cols=["甲", "乙", "丙", "丁", "戊"])
    data = CompiledTemplate.load(path).render(ctx, CORE)
    document = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    assert len(document.findall(f".//{W}tblGrid/{W}gridCol")) == 6
    assert texts(data) == texts(docxtpl_render(path, ctx))
    assert [c.text for c in docx.Document(io.BytesIO(data)).tables[0].rows[0].cells] == [
        "项目", "甲", "乙", "丙", "丁", "戊"
    ]


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_pictures_repeated_by_a_loop_get_unique_ids(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].add_run().add_picture(io.BytesIO(PNG))
    doc.add_paragraph("{%p for item in rows %}")
    doc.add_paragraph("{{ item }}").add_run().add_picture(io.BytesIO(PNG))
    doc.add_paragraph("{%p endfor %}")
    path = tmp_path / "pictures.docx"
    doc.save(str(path))
    data = CompiledTemplate.load(path).render(context(rows=["甲", "乙", "丙"]), CORE)
    archive = zipfile.ZipFile(io.BytesIO(data))
    ids = re.findall(rb'<wp:docPr [^>]*?id="(\d+)"', archive.read("word/document.xml"))
    header_ids = re.findall(rb'<wp:docPr [^>]*?id="(\d+)"', archive.read("word/header1.xml"))
    assert len(ids) == 3 and len(header_ids) == 1
    assert len(set(ids + header_ids)) == 4
    assert [p.text for p in docx.Document(io.BytesIO(data)).paragraphs] == ["甲", "乙", "丙"]


# --- parity with docxtpl -------------------------------------------------------------------------


def test_output_matches_docxtpl_textually(basic: Path, tmp_path: Path) -> None:
    ctx = context(agency="R&D <Ltd> “某某” {{ x }} 😀\n第二行\t制表")
    ctx["text"]["overview"] = Paragraphs(["一 & 二", "<三>", "四\n五"])
    ours = CompiledTemplate.load(basic).render(ctx, CORE)
    theirs = docxtpl_render(basic, ctx)
    assert texts(ours) == texts(theirs)
    assert len(texts(ours)) > 10


def test_output_matches_docxtpl_on_the_default_template() -> None:
    path = Path(__file__).resolve().parents[2] / "templates" / "annual_report.docx"
    if not path.exists():
        pytest.skip("templates/annual_report.docx is not built")
    template = CompiledTemplate.load(path)
    ctx = sample_context()
    assert template.unknown_variables(ctx) == []
    assert texts(template.render(ctx, CORE)) == texts(docxtpl_render(path, ctx))


# --- variables and errors ------------------------------------------------------------------------


def test_missing_variable_raises_render_error_naming_it(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", ["{{ apps.new.totl }}"])
    with pytest.raises(RenderError, match=r"模板变量 apps\.new\.totl 没有对应的数据"):
        CompiledTemplate.load(path).render(context(), CORE)


def test_missing_top_level_variable_in_a_condition(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", ["{%p if flag %}", "x", "{%p endif %}"])
    with pytest.raises(RenderError, match=r"模板变量 flag 没有对应的数据"):
        CompiledTemplate.load(path).render(context(), CORE)


def test_variables_and_unknown_variables(tmp_path: Path) -> None:
    path = make_template(
        tmp_path / "t.docx",
        ["{{ apps.new.totl }} {{ apps.new.total }} {{ apps['carried_in'].total }}",
         "{%p for para in text.overview %}", "{{ para }} {{ loop.index }} {{ para.x }}",
         "{%p endfor %}",
         "{% set n = apps.new.natural + 1 %}{{ n }}",
         "{% for k, v in apps.new.items() %}{{ k }}={{ v }}{% endfor %}",
         "{{ nosuch|default('') }} {% if maybe is defined %}{{ maybe }}{% endif %}",
         "{{ range(3)|join }} {{ summary.missing }}"],
        header="{{ header_only }}",
    )
    template = CompiledTemplate.load(path)
    variables = template.variables()
    assert {("apps", "new", "totl"), ("apps", "new", "total"), ("apps", "carried_in", "total"),
            ("text", "overview"), ("apps", "new", "natural"), ("apps", "new"),
            ("header_only",)} <= variables
    assert not {v for v in variables if v[0] in ("para", "loop", "n", "k", "v")}
    assert template.unknown_variables(context()) == [
        "apps.new.totl", "header_only", "summary.missing"
    ]
    assert template.unknown_variables({}) == sorted(
        ".".join(v) for v in variables
        if v[0] not in ("nosuch", "maybe", "range")
    )


def test_syntax_error_names_template_part_and_tag(tmp_path: Path) -> None:
    path = make_template(
        tmp_path / "annual_report.docx",
        ["标题", "{{ agency }}", "{{ apps.new.total + }}", "{{ year }}"],
    )
    with pytest.raises(TemplateError) as caught:
        CompiledTemplate.load(path)
    message = str(caught.value)
    assert "模板 annual_report.docx 第 2 处标签语法错误" in message
    assert "{{ apps.new.total + }}" in message
    assert "正文第 3 段" in message


def test_unclosed_block_points_at_its_opening_tag(tmp_path: Path) -> None:
    path = make_template(
        tmp_path / "t.docx",
        ["{{ agency }}", "{%p for para in text.overview %}", "{{ para }}", "尾"],
    )
    expected = r"第 2 处标签语法错误：\{% for para in text\.overview %\}（正文第 2 段）"
    with pytest.raises(TemplateError, match=expected):
        CompiledTemplate.load(path)


def test_nesting_mistake_points_at_the_unclosed_block(tmp_path: Path) -> None:
    path = make_template(
        tmp_path / "t.docx",
        ["{%p if year %}", "甲", "{%p endif %}"],
        [["{%tr for row in rows %}", ""], ["{% if row.a %}{{ row.a }}", "{{ row.b }}"],
         ["{%tr endfor %}", ""]],
    )
    expected = r"第 4 处标签语法错误：\{% if row\.a %\}（正文第 6 段）"
    with pytest.raises(TemplateError, match=expected):
        CompiledTemplate.load(path)


def test_unknown_tag_and_header_part_are_named(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", ["{{ agency }}"], header="{% endfro %}")
    with pytest.raises(TemplateError, match=r"endfro.*页眉"):
        CompiledTemplate.load(path)


def test_unknown_filter_is_a_template_error(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", ["{{ agency|nosuchfilter }}"])
    with pytest.raises(TemplateError, match="没有名为 nosuchfilter 的过滤器"):
        CompiledTemplate.load(path)


def test_missing_file_and_not_a_docx(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="找不到模板文件"):
        CompiledTemplate.load(tmp_path / "nope.docx")
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 an old .doc file")
    with pytest.raises(TemplateError, match="不是有效的 DOCX 文件"):
        CompiledTemplate.load(fake)
    no_document = tmp_path / "empty.docx"
    no_document.write_bytes(zipwrite.write_zip([("[Content_Types].xml", b"<Types/>")]))
    with pytest.raises(TemplateError, match="不是有效的 DOCX 文件"):
        CompiledTemplate.load(no_document)


def test_unbalanced_output_is_a_render_error(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", ["前文", "{% if flag %}"], [["x{% endif %}"]])
    template = CompiledTemplate.load(path)
    assert texts(template.render(context(flag=True), CORE))[:2] == ["前文", ""]
    with pytest.raises(RenderError, match=r"生成的正文不是合法的 XML（Opening and ending tag"):
        template.render(context(flag=False), CORE)


def test_error_in_a_filter_becomes_render_error(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", ["{{ agency / 0 }}"])
    with pytest.raises(RenderError, match="生成正文时出错"):
        CompiledTemplate.load(path).render(context(agency=1), CORE)


# --- the package ---------------------------------------------------------------------------------


def test_identical_bytes_for_identical_context(basic: Path, compiled: CompiledTemplate) -> None:
    first = compiled.render(context(), CORE)
    assert compiled.render(context(), CORE) == first
    assert CompiledTemplate.load(basic).render(context(), CORE) == first
    assert compiled.render(context(agency="另一机关"), CORE) != first
    other_core = CoreProperties(CORE.title, CORE.author, dt.datetime(2025, 1, 21))
    assert compiled.render(context(), other_core) != first


def test_zip_is_valid_and_ordered(basic: Path, compiled: CompiledTemplate) -> None:
    data = compiled.render(context(), CORE)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    infos = archive.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in infos)
    template = zipfile.ZipFile(basic)
    assert sorted(archive.namelist()) == sorted(template.namelist())
    changed = {"word/document.xml", "word/header1.xml", "docProps/core.xml"}
    for name in template.namelist():  # every other part is copied unchanged
        if name not in changed:
            assert archive.read(name) == template.read(name), name
    assert {n for n in template.namelist() if archive.read(n) != template.read(n)} == changed


def test_core_properties_read_back(compiled: CompiledTemplate) -> None:
    core = CoreProperties("标题 & <副标题>\x01", "某某局", dt.datetime(2025, 1, 20, 9, 30, 5))
    props = docx.Document(io.BytesIO(compiled.render(context(), core))).core_properties
    assert props.title == "标题 & <副标题>"
    assert props.author == "某某局"
    assert props.last_modified_by == "某某局"
    assert props.created == dt.datetime(2025, 1, 20, 9, 30, 5, tzinfo=dt.UTC)
    assert props.modified == props.created
    aware = dt.datetime(2025, 1, 20, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert b"2025-01-20T09:30:00Z" in core_properties_xml(CoreProperties("t", "a", aware))


def test_missing_core_part_is_added(tmp_path: Path) -> None:
    source = make_template(tmp_path / "t.docx", ["{{ agency }}"])
    with zipfile.ZipFile(source) as archive:
        members = [(n, archive.read(n)) for n in archive.namelist() if n != "docProps/core.xml"]
    members = [
        (n, re.sub(rb'<Relationship [^>]*core-properties"[^>]*/>', b"", d) if n == "_rels/.rels"
         else re.sub(rb'<Override PartName="/docProps/core.xml"[^>]*/>', b"", d)
         if n == "[Content_Types].xml" else d)
        for n, d in members
    ]
    stripped = tmp_path / "nocore.docx"
    stripped.write_bytes(zipwrite.write_zip(members))
    assert b"core-properties" not in zipfile.ZipFile(stripped).read("_rels/.rels")
    data = CompiledTemplate.load(stripped).render(context(), CORE)
    assert docx.Document(io.BytesIO(data)).core_properties.title == CORE.title


def test_sha256_covers_template_and_renderer_version(basic: Path, tmp_path: Path) -> None:
    import hashlib

    first = CompiledTemplate.load(basic).sha256
    assert first == CompiledTemplate.load(basic).sha256
    assert first != hashlib.sha256(basic.read_bytes()).hexdigest()
    assert RENDERER_VERSION
    other = make_template(tmp_path / "other.docx", ["{{ agency }}!"])
    assert CompiledTemplate.load(other).sha256 != first


# --- compile once, share safely ------------------------------------------------------------------


def test_render_does_not_compile(
    compiled: CompiledTemplate, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled during render")

    expected = compiled.render(context(), CORE)
    for name in ("parse", "compile", "from_string"):
        monkeypatch.setattr(jinja2.Environment, name, forbidden)
    monkeypatch.setattr(DocxTemplate, "patch_xml", forbidden)
    assert compiled.render(context(), CORE) == expected


def test_pickles_and_renders_the_same(compiled: CompiledTemplate) -> None:
    clone = pickle.loads(pickle.dumps(compiled))
    assert clone.sha256 == compiled.sha256
    assert clone.render(context(), CORE) == compiled.render(context(), CORE)


def test_threads_render_identical_bytes(compiled: CompiledTemplate) -> None:
    expected = {i: compiled.render(context(agency=f"机关{i}"), CORE) for i in range(8)}
    results: dict[int, bytes] = {}

    def work(i: int) -> None:
        for _ in range(5):
            results[i] = compiled.render(context(agency=f"机关{i}"), CORE)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


_FORKED: CompiledTemplate | None = None


def _render_in_child(agency: str) -> bytes:
    assert _FORKED is not None
    return _FORKED.render(context(agency=agency), CORE)


def test_forked_workers_render_identical_bytes(compiled: CompiledTemplate) -> None:
    global _FORKED
    _FORKED = compiled
    try:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            forked = pool.map(_render_in_child, ["甲", "乙"])
    finally:
        _FORKED = None
    assert forked == [compiled.render(context(agency=a), CORE) for a in ("甲", "乙")]


# --- zipwrite and the XML check -------------------------------------------------------------------


def test_zipwrite_round_trip() -> None:
    import os

    noise = os.urandom(3000)
    members = [("[Content_Types].xml", b"<Types>" + b"<Default/>" * 50 + b"</Types>"),
               ("word/media/image1.png", noise),
               ("中文/名称.xml", "<a>中文</a>".encode()), ("empty.txt", b"")]
    data = zipwrite.write_zip(members)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert [(i.filename, archive.read(i)) for i in archive.infolist()] == members
    assert archive.getinfo("word/media/image1.png").compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("[Content_Types].xml").compress_type == zipfile.ZIP_DEFLATED
    assert zipwrite.read_members(data) == members
    with pytest.raises(ValueError, match="duplicate"):
        zipwrite.write_zip([("a", b""), ("a", b"")])


def test_a_prepared_zip_without_compression_stores_every_member() -> None:
    static = [("[Content_Types].xml", b"<Types>" + b"<Default/>" * 50 + b"</Types>"),
              ("中文/名称.xml", "<a>中文</a>".encode() * 40)]
    prepared = zipwrite.PreparedZip(static, ["xl/worksheets/sheet1.xml"], compress=False)
    for sheet in (b"<worksheet>" + b"<row/>" * 500 + b"</worksheet>", b""):
        data = prepared.build({"xl/worksheets/sheet1.xml": sheet})
        archive = zipfile.ZipFile(io.BytesIO(data))
        assert archive.testzip() is None
        assert [(i.filename, archive.read(i)) for i in archive.infolist()] == [
            *static, ("xl/worksheets/sheet1.xml", sheet)]
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}


def test_prepared_zip_needs_exactly_its_dynamic_members() -> None:
    prepared = zipwrite.PreparedZip([("a.xml", b"<a/>")], ["b.xml"])
    data = prepared.build({"b.xml": b"<b/>" * 100})
    assert zipfile.ZipFile(io.BytesIO(data)).read("b.xml") == b"<b/>" * 100
    with pytest.raises(ValueError, match="mismatch"):
        prepared.build({"c.xml": b""})


@pytest.mark.parametrize(
    "xml",
    [b"<a><b></a>", b'<a xmlns:w="u"><v:b/></a>', b'<a xmlns:w="u"><w:b v:x="1"/></a>',
     b"<a>\x01</a>", b"<a>&nbsp;</a>", b'<a x="1" x="2"/>', b"<a/><b/>"],
)
def test_check_xml_is_strict(xml: bytes) -> None:
    assert check_xml(xml) is not None
    assert check_xml(b'<a xmlns:w="u"><w:b w:x="&amp;"/>text</a>') is None
