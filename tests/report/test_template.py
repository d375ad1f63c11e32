"""The default template ``templates/annual_report.docx``: structure, rendering, reproducible build.

The expected layout below is written out from the national format (国办公开办函〔2021〕30号, see the
project's spec) rather than taken from ``tools/make_template.py``, so that a wrong build fails here.
Row and column labels are compared with :mod:`annual_report.format.model`, the format model.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import docx
import jinja2
import pytest
from docx.document import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate
from lxml import etree

from annual_report.format import model as form
from annual_report.report.context import Paragraphs, sample_context
from annual_report.report.render import CompiledTemplate, CoreProperties
from conftest import load_tool

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "annual_report.docx"
SCRIPT = ROOT / "tools" / "make_template.py"
TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")

TABLE2, TABLE3, TABLE4 = "<table 二>", "<table 三>", "<table 四>"
CENTER, TOP = WD_CELL_VERTICAL_ALIGNMENT.CENTER, WD_CELL_VERTICAL_ALIGNMENT.TOP
TABLE_BY_COLUMNS = {4: TABLE2, 10: TABLE3, 15: TABLE4}


def tag(path: str) -> str:
    return f"{{{{ {path} }}}}"


# A narrative paragraph: its run-in heading (bold for 1., 楷体 otherwise), then the rest.
NARRATIVE = (
    '{%r if para.level == "1" %}{{ para.head }}{%r else %}{{ para.head }}{%r endif %}'
    "{{ para.body }}"
)


def loop(key: str) -> list[str]:
    return [f"{{%p for para in {key} %}}", NARRATIVE, "{%p endfor %}"]


def subheading(part: str) -> list[str]:
    return [f"{{%p if subheading.{part} %}}", f"{{{{ subheading.{part} }}}}", "{%p endif %}"]


def text_or_summary(section: str) -> list[str]:
    return [
        f"{{%p if text.{section} %}}",
        *loop(f"text.{section}"),
        "{%p else %}",
        f"{{{{ summary.{section} }}}}",
        "{%p endif %}",
    ]


# Section 六: its paragraphs (the other matters with the fee statement merged in), the last one
# kept with the signature.
CLOSING = [
    "{%p for para in other_matters %}",
    "{%p if loop.last %}",
    NARRATIVE,
    "{%p else %}",
    NARRATIVE,
    "{%p endif %}",
    "{%p endfor %}",
]

EXPECTED_BODY = [
    "{{ title_display }}",
    "{{ heading.overview }}",
    *loop("text.overview"),
    "{{ heading.proactive }}",
    *loop("text.proactive"),
    TABLE2,
    "{{ heading.applications }}",
    *text_or_summary("applications"),
    TABLE3,
    "{{ heading.appeals }}",
    *text_or_summary("appeals"),
    TABLE4,
    "{{ heading.problems }}",
    *subheading("problems"),
    *loop("text.problems"),
    *subheading("improvements"),
    *loop("text.improvements"),
    "{{ heading.other }}",
    *CLOSING,
    "{{ agency }}",
    "{{ report_date }}",
]

# 表二 row by row: (text, columns spanned) for each cell.
EXPECTED_TABLE2 = [
    [("第二十条第（一）项", 4)],
    [("信息内容", 1), ("本年制发件数", 1), ("本年废止件数", 1), ("现行有效件数", 1)],
    [("规章", 1), (tag("rules.issued"), 1), (tag("rules.repealed"), 1), (tag("rules.in_force"), 1)],
    [
        ("行政规范性文件", 1),
        (tag("normative.issued"), 1),
        (tag("normative.repealed"), 1),
        (tag("normative.in_force"), 1),
    ],
    [("第二十条第（五）项", 4)],
    [("信息内容", 1), ("本年处理决定数量", 3)],
    [("行政许可", 1), (tag("licensing.decisions"), 3)],
    [("第二十条第（六）项", 4)],
    [("信息内容", 1), ("本年处理决定数量", 3)],
    [("行政处罚", 1), (tag("penalty.decisions"), 3)],
    [("行政强制", 1), (tag("enforcement.decisions"), 3)],
    [("第二十条第（八）项", 4)],
    [("信息内容", 1), ("本年收费金额（单位：万元）", 3)],
    [("行政事业性收费", 1), (tag("fees.amount"), 3)],
]

APP_COLUMN_KEYS = ["natural", "business", "research", "nonprofit", "legal", "other_org", "total"]
ORGANISATIONS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
SUBGROUP_SIZES = {
    "（三）不予公开": 8,
    "（四）无法提供": 3,
    "（五）不予处理": 5,
    "（六）其他处理": 3,
}
APPEAL_PREFIXES = ["review", "suit_direct", "suit_after_review"]
APPEAL_PART_LABELS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


# --- Helpers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_tool("make_template")


@pytest.fixture(scope="module")
def template() -> Document:
    return docx.Document(str(TEMPLATE))


def body_blocks(document: Document) -> list[str]:
    """The body as paragraph texts, tables as ``<table 二>`` etc. (by their column count)."""
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append(TABLE_BY_COLUMNS.get(len(item.columns), f"<table {len(item.columns)}>"))
        else:
            blocks.append(item.text)
    return blocks


def tables(document: Document) -> dict[str, Table]:
    found = {TABLE_BY_COLUMNS.get(len(t.columns), ""): t for t in document.tables}
    assert set(found) == {TABLE2, TABLE3, TABLE4}
    return found


def cell_grid(table: Table) -> list[list[_Cell]]:
    """``grid[r][c] is table.cell(r, c)``, computed once (``table.cell`` rebuilds the grid)."""
    key = id(table._tbl)
    if key not in _GRIDS:
        cells, width = table._cells, len(table.columns)
        _GRIDS[key] = (table._tbl, [cells[i : i + width] for i in range(0, len(cells), width)])
    return _GRIDS[key][1]


_GRIDS: dict[int, tuple[Any, list[list[_Cell]]]] = {}


def extent(table: Table, row: int, col: int) -> tuple[int, int, int, int]:
    """The rectangle (top, left, bottom, right) covered by the (merged) cell at ``row, col``.

    Fails unless the grid positions sharing the cell (``_tc`` identity) form that rectangle.
    """
    grid = cell_grid(table)
    assert grid[row][col]._tc is table.cell(row, col)._tc
    tc = grid[row][col]._tc
    spots = [
        (r, c) for r, cells in enumerate(grid) for c, cell in enumerate(cells) if cell._tc is tc
    ]
    top, left = min(r for r, _ in spots), min(c for _, c in spots)
    bottom, right = max(r for r, _ in spots), max(c for _, c in spots)
    assert len(spots) == (bottom - top + 1) * (right - left + 1), f"ragged merge at {row},{col}"
    return top, left, bottom, right


def assert_cell(table: Table, box: tuple[int, int, int, int], text: str) -> None:
    top, left, _, _ = box
    assert extent(table, top, left) == box, f"cell {text!r}"
    assert cell_grid(table)[top][left].text == text


def style_chain(style: Any) -> Iterator[Any]:
    while style is not None:
        yield style
        style = style.base_style


def east_asia_font(style: Any) -> str | None:
    for s in style_chain(style):
        rpr = s.element.rPr
        fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return str(fonts.get(qn("w:eastAsia")))
    return None


def font_size(style: Any) -> Length | None:
    for s in style_chain(style):
        if s.font.size is not None:
            return Length(s.font.size)
    return None


def alignment(paragraph: Paragraph) -> WD_ALIGN_PARAGRAPH | None:
    if paragraph.alignment is not None:
        return paragraph.alignment
    for s in style_chain(paragraph.style):
        if s.paragraph_format.alignment is not None:
            return s.paragraph_format.alignment
    return None


def first_line(style: ParagraphStyle) -> tuple[str | None, str | None]:
    """``(firstLineChars, firstLine)`` of the nearest style in the chain that sets them."""
    for s in style_chain(style):
        ind = s.element.find(f"{qn('w:pPr')}/{qn('w:ind')}")
        if ind is not None:
            return ind.get(qn("w:firstLineChars")), ind.get(qn("w:firstLine"))
    return None, None


def all_paragraphs(document: Document) -> Iterator[Paragraph]:
    yield from document.paragraphs
    for table in document.tables:
        seen: set[int] = set()
        for cell in (c for cells in cell_grid(table) for c in cells):
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                yield from cell.paragraphs
    for section in document.sections:
        yield from section.footer.paragraphs
        yield from section.header.paragraphs


def numbered_context() -> dict[str, Any]:
    """The sample context with every table figure set to a distinct number."""
    ctx = copy.deepcopy(sample_context())
    for number, field in enumerate((f for f in form.FIELDS if f.table), start=101):
        node = ctx
        *parents, leaf = field.path
        for part in parents:
            node = node[part]
        node[leaf] = number
    return ctx


def render(ctx: dict[str, Any]) -> Document:
    tpl = DocxTemplate(str(TEMPLATE))
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    tpl.render(ctx, jinja_env=env, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    out.seek(0)
    return docx.Document(out)


def field_value(ctx: dict[str, Any], key: str) -> Any:
    node: Any = ctx
    for part in key.split("."):
        node = node[part]
    return node


# --- Body ----------------------------------------------------------------------------------------


def test_body_order(template: Document) -> None:
    assert body_blocks(template) == EXPECTED_BODY


def test_heading_tags_follow_the_sections(template: Document) -> None:
    headings = [p.text for p in template.paragraphs if p.style.name == "Heading 1"]
    assert headings == [tag(f"heading.{s.id}") for s in form.SECTIONS]
    assert len(form.SECTIONS) == 6


def test_paragraph_styles(template: Document) -> None:
    paragraphs = {p.text: p for p in template.paragraphs}
    title = paragraphs["{{ title_display }}"]
    assert title.style.name == "Title"
    assert alignment(title) == WD_ALIGN_PARAGRAPH.CENTER
    assert font_size(title.style) == Pt(22)
    assert east_asia_font(title.style) == "方正小标宋简体"
    for text in (NARRATIVE, "{{ summary.applications }}", "{{ summary.appeals }}"):
        assert paragraphs[text].style.name == "Normal"
    for text in ("{{ agency }}", "{{ report_date }}"):
        assert alignment(paragraphs[text]) == WD_ALIGN_PARAGRAPH.RIGHT
        assert first_line(paragraphs[text].style)[1] in ("0", None)
    for p in template.paragraphs:
        if p.text.startswith("{%p"):
            assert p.text == p.text.strip() and TAG_RE.fullmatch(p.text), p.text


def test_body_text_style(template: Document) -> None:
    normal = template.styles["Normal"]
    fmt = normal.paragraph_format
    assert east_asia_font(normal) == "仿宋_GB2312"
    assert font_size(normal) == Pt(16)
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert fmt.line_spacing is not None and abs(fmt.line_spacing - Pt(28.95)) <= Pt(0.05)
    assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    chars, twips = first_line(normal)
    assert chars == "200" or (twips is not None and int(twips) == 640)


def test_heading_style(template: Document) -> None:
    heading = template.styles["Heading 1"]
    assert east_asia_font(heading) == "黑体"
    assert font_size(heading) == Pt(16)
    chars, twips = first_line(heading)
    assert chars == "200" or (twips is not None and int(twips) == 640)


def test_text_language_is_simplified_chinese(template: Document) -> None:
    """Without it, LibreOffice may draw Chinese text with Japanese glyph variants."""
    defaults = template.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}")
    assert defaults is not None
    lang = defaults.find(f"{qn('w:rPr')}/{qn('w:lang')}")
    assert lang is not None and lang.get(qn("w:eastAsia")) == "zh-CN"
    for root in (template.styles.element, template.element):
        for found in root.iter(qn("w:lang")):
            assert found.get(qn("w:eastAsia")) in (None, "zh-CN"), etree.tostring(found)
    settings = template.settings.element.find(qn("w:themeFontLang"))
    assert settings is not None and settings.get(qn("w:eastAsia")) == "zh-CN"


def test_kai_headings(template: Document) -> None:
    """（一） headings are 楷体_GB2312 3号 (a paragraph style and a run-in character style); 1.
    run-in headings are bold in the body face."""
    heading2 = template.styles["Heading 2"]
    assert east_asia_font(heading2) == "楷体_GB2312"
    assert font_size(heading2) == Pt(16)
    assert heading2.paragraph_format.keep_with_next
    assert east_asia_font(template.styles["Run-in Heading"]) == "楷体_GB2312"
    bold = template.styles["Run-in Heading Bold"]
    assert bold.font.bold and east_asia_font(bold) is None  # 仿宋, from the paragraph
    paragraphs = [p for p in template.paragraphs if p.text == NARRATIVE]
    loops = [f for f in form.FIELDS if f.key.startswith("text.") and f.key != "text.other"]
    assert len(paragraphs) == len(loops) + 2  # section 六: the last paragraph and the others
    for p in paragraphs:
        styles = {r.text: r.style.name if r.style is not None else None for r in p.runs}
        assert [r.text for r in p.runs if r.text == "{{ para.head }}"] == ["{{ para.head }}"] * 2
        assert [r.style.name for r in p.runs if r.text == "{{ para.head }}"] == [
            "Run-in Heading Bold", "Run-in Heading"]
        assert styles["{{ para.body }}"] == "Default Paragraph Font"
    for part in ("problems", "improvements"):
        (label,) = [p for p in template.paragraphs if p.text == f"{{{{ subheading.{part} }}}}"]
        assert label.style.name == "Heading 2"


def test_every_font_declaration_has_an_east_asian_slot(template: Document) -> None:
    roots = [template.styles.element, template.element, template.sections[0].footer._element]
    fonts = [f for root in roots for f in root.iter(qn("w:rFonts"))]
    assert fonts
    for f in fonts:
        assert f.get(qn("w:eastAsia")), etree.tostring(f)
        assert f.get(qn("w:ascii")) and f.get(qn("w:hAnsi")), etree.tostring(f)


def test_page_setup(template: Document) -> None:
    (section,) = template.sections
    tolerance = Mm(0.1)
    for actual, expected in (
        (section.page_width, Mm(210)),
        (section.page_height, Mm(297)),
        (section.top_margin, Mm(37)),
        (section.bottom_margin, Mm(35)),
        (section.left_margin, Mm(28)),
        (section.right_margin, Mm(26)),
    ):
        assert actual is not None and abs(actual - expected) <= tolerance


def test_footer_page_number(template: Document) -> None:
    footer = template.sections[0].footer
    assert not footer.is_linked_to_previous
    (p,) = footer.paragraphs
    xml = p._p
    assert "".join(t.text or "" for t in xml.iter(qn("w:t"))) == "— 1 —"
    instructions = [f.get(qn("w:instr")) or "" for f in xml.iter(qn("w:fldSimple"))]
    instructions += [t.text or "" for t in xml.iter(qn("w:instrText"))]
    assert [i.split()[0] for i in instructions if i.strip()] == ["PAGE"]
    assert alignment(p) == WD_ALIGN_PARAGRAPH.CENTER
    assert east_asia_font(p.style) == "宋体"
    assert font_size(p.style) == Pt(14)


def test_tags_are_whole_runs(template: Document) -> None:
    count = 0
    for p in all_paragraphs(template):
        for found in TAG_RE.findall(p.text):
            assert any(found in r.text for r in p.runs), f"{found!r} is split across runs"
            count += 1
        assert p.text.count("{") == p.text.count("}"), p.text
    assert count > 200


def test_every_table_figure_has_one_tag(template: Document) -> None:
    texts = [p.text for p in all_paragraphs(template)]
    for field in form.FIELDS:
        if field.table:
            assert texts.count(tag(field.key)) == 1, field.key


# --- Tables --------------------------------------------------------------------------------------


def test_table_style(template: Document) -> None:
    text_width = 210 - 28 - 26
    for name, table in tables(template).items():
        widths = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.iter(qn("w:gridCol"))]
        assert abs(sum(widths) - Mm(text_width).twips) <= 2, name
        assert table._tbl.tblPr.find(qn("w:tblBorders")) is not None
        for row in table.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
            for cell in row.cells:
                expected = TOP if name == TABLE3 and cell.text == "三、本年度办理结果" else CENTER
                assert cell.vertical_alignment == expected, (name, cell.text)
                for p in cell.paragraphs:
                    assert east_asia_font(p.style) == "宋体"
                    size = font_size(p.style)
                    assert size is not None and size <= Pt(10.5)
                    assert first_line(p.style)[0] in ("0", None)
                    assert first_line(p.style)[1] in ("0", None)
                    assert alignment(p) == WD_ALIGN_PARAGRAPH.CENTER
    table3 = tables(template)[TABLE3]
    widths = [int(g.get(qn("w:w"))) for g in table3._tbl.tblGrid.iter(qn("w:gridCol"))]
    assert widths[2] == max(widths), "the item labels get the widest column"


def test_table2(template: Document) -> None:
    table = tables(template)[TABLE2]
    assert (len(table.rows), len(table.columns)) == (len(EXPECTED_TABLE2), 4)
    for r, cells in enumerate(EXPECTED_TABLE2):
        col = 0
        for text, span in cells:
            assert_cell(table, (r, col, r, col + span - 1), text)
            col += span
        assert col == 4


def test_table3_header(template: Document) -> None:
    table = tables(template)[TABLE3]
    assert len(table.columns) == 10
    assert len(table.rows) == 3 + 25 == 3 + len(form.APP_ROWS)
    assert [c for c, _ in form.APP_COLUMNS] == APP_COLUMN_KEYS
    assert_cell(table, (0, 0, 2, 2), form.TABLE3_NOTE)
    assert_cell(table, (0, 3, 0, 9), "申请人情况")
    assert_cell(table, (1, 3, 2, 3), "自然人")
    assert_cell(table, (1, 4, 1, 8), "法人或其他组织")
    assert_cell(table, (1, 9, 2, 9), "总计")
    for i, label in enumerate(ORGANISATIONS):
        assert_cell(table, (2, 4 + i, 2, 4 + i), label)
        assert form.APP_COLUMN_LABEL[APP_COLUMN_KEYS[1 + i]] == label
    for r in range(3):
        assert table.rows[r]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[3]._tr.trPr.find(qn("w:tblHeader")) is None


def test_table3_labels(template: Document) -> None:
    table = tables(template)[TABLE3]
    keys = [row.key for row in form.APP_ROWS]
    first_result, last_result = 3 + keys.index("granted"), 3 + keys.index("results_total")
    assert last_result - first_result + 1 == 22
    for i, row in enumerate(form.APP_ROWS):
        r = 3 + i
        if row.key in ("new", "carried_in", "carried_over"):
            assert_cell(table, (r, 0, r, 2), row.label)
            continue
        assert_cell(table, (first_result, 0, last_result, 0), "三、本年度办理结果")
        if row.key in ("granted", "partial", "results_total"):
            assert_cell(table, (r, 1, r, 2), row.label)
            continue
        subgroup = [j for j, other in enumerate(form.APP_ROWS) if other.subgroup == row.subgroup]
        assert len(subgroup) == SUBGROUP_SIZES[row.subgroup]
        assert_cell(table, (3 + subgroup[0], 1, 3 + subgroup[-1], 1), row.subgroup)
        assert_cell(table, (r, 2, r, 2), row.label)
    labelled = {row.subgroup for row in form.APP_ROWS if row.subgroup}
    assert labelled == set(SUBGROUP_SIZES)
    assert table.cell(3 + keys.index("denied.state_secret"), 2).text == "1.属于国家秘密"


def test_table3_data_cells(template: Document) -> None:
    table = tables(template)[TABLE3]
    for i, row in enumerate(form.APP_ROWS):
        for j, column in enumerate(APP_COLUMN_KEYS):
            assert_cell(table, (3 + i, 3 + j, 3 + i, 3 + j), tag(f"apps.{row.key}.{column}"))
    assert table.cell(3 + 4, 3).text == "{{ apps.denied.state_secret.natural }}"
    assert table.cell(27, 9).text == "{{ apps.carried_over.total }}"


def test_table4(template: Document) -> None:
    table = tables(template)[TABLE4]
    assert (len(table.rows), len(table.columns)) == (4, 15)
    assert_cell(table, (0, 0, 1, 4), "行政复议")
    assert_cell(table, (0, 5, 0, 14), "行政诉讼")
    assert_cell(table, (1, 5, 1, 9), "未经复议直接起诉")
    assert_cell(table, (1, 10, 1, 14), "复议后起诉")
    assert [label for _, label in form.APPEAL_PARTS] == APPEAL_PART_LABELS
    parts = [key for key, _ in form.APPEAL_PARTS]
    expected = [tag(f"{prefix}.{part}") for prefix in APPEAL_PREFIXES for part in parts]
    for c in range(15):
        assert_cell(table, (2, c, 2, c), APPEAL_PART_LABELS[c % 5])
        assert_cell(table, (3, c, 3, c), expected[c])


# --- Where the pages may break (the rendered pages are judged in test_pages.py) ------------------

TEXT_AREA_HEIGHT = Mm(297 - 37 - 35)
# 表三 may break only where a group of the official layout ends (after these rows); elsewhere a
# row is kept with the row below, so a merged label is never cut in two.
TABLE3_BREAKS_AFTER = {
    "new", "carried_in", "denied.query", "unavailable.unclear", "rejected.confirmation",
    "other.other",
}


def kept_with_next(row: Any) -> bool:
    """Every paragraph of the row keeps with the next one: Word keeps the row with the row below."""
    paragraphs = [p for tc in row._tr.tc_lst for p in tc.iter(qn("w:p"))]
    return all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in paragraphs)


def test_table2_is_kept_whole_and_fits_half_a_page(template: Document) -> None:
    rows = tables(template)[TABLE2].rows
    assert [kept_with_next(r) for r in rows] == [True] * (len(rows) - 1) + [False]
    assert all(r.height is not None for r in rows)
    # moved to the next page whole, it leaves less than half a page blank
    assert sum(r.height or 0 for r in rows) < TEXT_AREA_HEIGHT / 2


def test_table3_breaks_between_groups_and_repeats_its_header(template: Document) -> None:
    table = tables(template)[TABLE3]
    keys = [row.key for row in form.APP_ROWS]
    assert TABLE3_BREAKS_AFTER <= set(keys)
    may_break = [not kept_with_next(row) for row in table.rows[:-1]]
    assert may_break == [r >= 3 and keys[r - 3] in TABLE3_BREAKS_AFTER
                         for r in range(len(table.rows) - 1)]
    headers = [row._tr.trPr.find(qn("w:tblHeader")) is not None for row in table.rows]
    assert headers == [True] * 3 + [False] * len(form.APP_ROWS)


def test_table4_is_kept_whole(template: Document) -> None:
    rows = tables(template)[TABLE4].rows
    assert [kept_with_next(r) for r in rows] == [True] * (len(rows) - 1) + [False]


def test_headings_keep_with_what_follows_and_tables_get_room_below(template: Document) -> None:
    for name in ("Heading 1", "Heading 2"):
        assert template.styles[name].paragraph_format.keep_with_next, name
    body = list(template.element.body.iterchildren())
    after_tables = [body[i + 1] for i, child in enumerate(body) if child.tag == qn("w:tbl")]
    assert len(after_tables) == 3
    for element in after_tables:
        heading = Paragraph(element, template)
        assert heading.style is not None and heading.style.name == "Heading 1", heading.text
        space = heading.paragraph_format.space_before
        assert space is not None and space >= Pt(12), heading.text
    others = [p for p in template.paragraphs
              if p.style is not None and p.style.name == "Heading 1" and p._p not in after_tables]
    assert others and all(not p.paragraph_format.space_before for p in others)


def test_the_signature_never_stands_alone(template: Document) -> None:
    paragraphs = template.paragraphs
    texts = [p.text for p in paragraphs]
    start = texts.index("{%p for para in other_matters %}")
    last, others = paragraphs[start + 2], paragraphs[start + 4]
    assert last.paragraph_format.keep_with_next and not others.paragraph_format.keep_with_next
    assert paragraphs[texts.index("{{ agency }}")].paragraph_format.keep_with_next


# --- Rendering ----------------------------------------------------------------------------------


def test_renders_sample_context_strictly() -> None:
    ctx = sample_context()
    document = render(ctx)
    texts = [p.text for p in all_paragraphs(document)]
    assert not [t for t in texts if "{{" in t or "{%" in t]
    body = [p.text for p in document.paragraphs]
    assert body[0] == ctx["title"]
    for section in form.SECTIONS:
        assert section.heading in body
    for sentence in ctx["summary"].values():
        assert sentence in body
    assert document.core_properties.title == ctx["title"]


def test_title_lines_and_section_six_render() -> None:
    """The title is set on the lines of ``title_display``; section 六 is ``other_matters``."""
    ctx = sample_context()
    ctx["title_display"] = "西安市樊川区人民政府办公室\n2024年政府信息公开工作年度报告"
    ctx["other_matters"] = Paragraphs(["（一）其他事项。正文。", "（二）收取信息处理费情况。未收取。"])
    core = CoreProperties(ctx["title"], ctx["agency"], dt.datetime(2025, 1, 20))
    for document in (render(ctx), docx.Document(io.BytesIO(
            CompiledTemplate.load(TEMPLATE).render(ctx, core)))):
        title = document.paragraphs[0]
        assert title.text == ctx["title_display"]
        assert len(title._p.findall(f".//{qn('w:br')}")) == 1
        body = [p.text for p in document.paragraphs]
        other = body.index(ctx["heading"]["other"])
        assert body[other + 1 : other + 3] == ctx["other_matters"]
        assert body[other + 3] == ctx["agency"]
        assert document.core_properties.title == ctx["title"]


def test_rendered_figures_land_in_their_cells() -> None:
    ctx = numbered_context()
    ctx["agency"] = ctx["agency"] + "（A&B）"
    ctx["report_date"] = "2025年1月20日"
    ctx["text"]["applications"] = Paragraphs(["第一段。", "第二段。"])
    ctx["text"]["overview"] = Paragraphs(["总体情况一。", "总体情况二。", "总体情况三。"])
    document = render(ctx)
    table3 = tables(document)[TABLE3]
    for i, row in enumerate(form.APP_ROWS):
        for j, column in enumerate(APP_COLUMN_KEYS):
            expected = str(field_value(ctx, f"apps.{row.key}.{column}"))
            assert cell_grid(table3)[3 + i][3 + j].text == expected
    table4 = tables(document)[TABLE4]
    for c, (prefix, part) in enumerate(
        (prefix, part) for prefix in APPEAL_PREFIXES for part, _ in form.APPEAL_PARTS
    ):
        assert table4.cell(3, c).text == str(field_value(ctx, f"{prefix}.{part}"))
    table2 = tables(document)[TABLE2]
    assert table2.cell(2, 1).text == str(field_value(ctx, "rules.issued"))
    assert table2.cell(13, 3).text == str(field_value(ctx, "fees.amount"))
    body = [p.text for p in document.paragraphs]
    applications = body.index(ctx["heading"]["applications"])
    assert body[applications + 1 : applications + 3] == ["第一段。", "第二段。"]
    assert ctx["summary"]["applications"] not in body
    overview = body.index(ctx["heading"]["overview"])
    assert body[overview + 1 : overview + 4] == ctx["text"]["overview"]
    assert body[-2:] == [ctx["agency"], "2025年1月20日"]


def run_ins(document: Document) -> list[tuple[str, str, str]]:
    """Each body paragraph with text in a run-in style: (head style, head, rest)."""
    found = []
    for p in document.paragraphs:
        runs = p.runs
        heads = [r for r in runs if r.text and r.style.name.startswith("Run-in")]
        if heads:
            (head,) = heads
            rest = "".join(r.text for r in runs if r._r is not head._r)
            found.append((head.style.name, head.text, rest))
    return found


NARRATIVE_CASES = {
    "overview": ["本年度，本机关认真贯彻落实条例。"],
    "proactive": [
        "（一）主动公开情况。本机关主动公开政府信息 12 条。",
        "1.依申请公开情况：本年度未收到申请。",
        "（二）政府信息管理",
        "2.这一句话很长很长，超过了二十个字，所以不是小标题。后面还有。",
    ],
    "problems": ["一是公开不够及时。"],
    "improvements": ["下一步，加强培训。"],
}


def narrative_context() -> dict[str, Any]:
    ctx = sample_context()
    for key, lines in NARRATIVE_CASES.items():
        ctx["text"][key] = Paragraphs(lines)
    ctx["subheading"] = {"problems": "（一）存在的主要问题", "improvements": ""}
    return ctx


def test_run_in_headings_render_in_their_own_runs() -> None:
    ctx = narrative_context()
    document = render(ctx)
    body = [p.text for p in document.paragraphs]
    for lines in NARRATIVE_CASES.values():
        for line in lines:
            assert line in body  # the paragraph reads as it was written
    assert run_ins(document) == [
        ("Run-in Heading", "（一）主动公开情况。", "本机关主动公开政府信息 12 条。"),
        ("Run-in Heading Bold", "1.依申请公开情况：", "本年度未收到申请。"),
        ("Run-in Heading", "（二）政府信息管理", ""),
    ]
    problems = body.index(ctx["heading"]["problems"])
    assert body[problems + 1 : problems + 4] == [
        "（一）存在的主要问题", "一是公开不够及时。", "下一步，加强培训。"]
    (label,) = [p for p in document.paragraphs if p.text == "（一）存在的主要问题"]
    assert label.style.name == "Heading 2"


def test_project_renderer_agrees_with_docxtpl_on_narratives() -> None:
    ctx = narrative_context()
    core = CoreProperties(ctx["title"], ctx["agency"], dt.datetime(2025, 1, 20))
    data = CompiledTemplate.load(TEMPLATE).render(ctx, core)
    ours = docx.Document(io.BytesIO(data))
    theirs = render(ctx)
    assert [p.text for p in ours.paragraphs] == [p.text for p in theirs.paragraphs]
    assert run_ins(ours) == run_ins(theirs)


@pytest.mark.pdf
@pytest.mark.skipif(
    not shutil.which("soffice") or not shutil.which("pdftotext"),
    reason="needs LibreOffice and pdftotext",
)
def test_libreoffice_renders_the_tables(tmp_path: Path) -> None:
    rendered = tmp_path / "report.docx"
    document = render(numbered_context())
    document.save(str(rendered))
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(rendered),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "report.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    squeezed = re.sub(r"\s+", "", text)
    needles = (
        "三、收到和处理政府信息公开申请情况",
        "申请人情况",
        "第二十条第（八）项",
        "复议后起诉",
    )
    for needle in needles:
        assert needle in squeezed
    assert "—1—" in squeezed


# --- The package and its build --------------------------------------------------------------------


def test_template_is_lean_and_consistent() -> None:
    data = TEMPLATE.read_bytes()
    assert len(data) < 50_000
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"
        for unwanted in (
            "stylesWithEffects",
            "customXml",
            "thumbnail",
            "theme",
            "webSettings",
            "numbering",
        ):
            assert not [n for n in names if unwanted in n], unwanted
        types = etree.fromstring(archive.read("[Content_Types].xml"))
        overrides = [o.get("PartName") for o in types if o.tag.endswith("Override")]
        assert sorted(p.lstrip("/") for p in overrides) == sorted(
            n for n in names if not n.endswith(".rels") and n != "[Content_Types].xml"
        )
        for rels_name in (n for n in names if n.endswith(".rels")):
            base = rels_name.replace("_rels/", "").removesuffix(".rels")
            folder = base.rpartition("/")[0]
            for rel in etree.fromstring(archive.read(rels_name)):
                target = rel.get("Target")
                assert f"{folder}/{target}".lstrip("/") in names, (rels_name, target)
        styles = etree.fromstring(archive.read("word/styles.xml"))
        assert styles.find(qn("w:latentStyles")) is None
        used = set(
            re.findall(
                rb'w:(?:pStyle|tblStyle) w:val="([^"]+)"',
                archive.read("word/document.xml") + archive.read("word/footer1.xml"),
            )
        )
        defined = {s.get(qn("w:styleId")).encode() for s in styles.iter(qn("w:style"))}
        assert used <= defined


def test_core_properties_are_fixed(template: Document) -> None:
    props = template.core_properties
    assert props.revision == 1
    assert props.created is not None and props.created.year == 2020
    assert props.modified == props.created


def test_build_is_deterministic(script: ModuleType, tmp_path: Path) -> None:
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    script.build(first)
    script.build(second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_committed_template_is_up_to_date(script: ModuleType) -> None:
    """The file in the repository is what the script builds (compared part by part, so that a
    different zlib does not matter); rebuild with ``python tools/make_template.py``."""
    with (
        zipfile.ZipFile(TEMPLATE) as committed,
        zipfile.ZipFile(io.BytesIO(script.build_bytes())) as rebuilt,
    ):
        assert committed.namelist() == rebuilt.namelist()
        for name in committed.namelist():
            assert committed.read(name) == rebuilt.read(name), name
