"""Build ``templates/annual_report.docx``, the project's default docxtpl template.

The template is written part by part with lxml (no python-docx default template is involved), so
the package holds only what the report needs: the body, a small style sheet, the settings, a font
table, a footer with the page number and the core properties. Every label and every tag of the
three tables comes from :mod:`annual_report.format.model`; nothing of table 三 is typed here.

The output is reproducible: the parts are written in a fixed order, with a fixed time stamp and
fixed core properties, so two runs give the same bytes.

Usage::

    python tools/make_template.py [--output templates/annual_report.docx]
"""

from __future__ import annotations

import argparse
import io
import itertools
import re
import sys
import zipfile
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from annual_report.format import model as form  # noqa: E402

DEFAULT_OUTPUT = ROOT / "templates" / "annual_report.docx"

# --- Namespaces and XML helpers -----------------------------------------------------------------

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "xml": "http://www.w3.org/XML/1998/namespace",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WML_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"

Element = etree._Element
Attrs = dict[str, str | int]


def qn(name: str) -> str:
    """``w:p`` -> ``{namespace}p``."""
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def el(
    tag: str,
    attrs: Attrs | None = None,
    *children: Element | None,
    text: str | None = None,
    nsmap: dict[str, str] | None = None,
) -> Element:
    """An element with prefixed attribute names, children (``None`` skipped) and text."""
    node = etree.Element(qn(tag), nsmap=nsmap)
    for key, value in (attrs or {}).items():
        node.set(qn(key), str(value))
    node.extend(child for child in children if child is not None)
    if text is not None:
        node.text = text
    return node


def serialize(root: Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- Page and typography ------------------------------------------------------------------------


def mm(value: float) -> int:
    """Millimetres -> twips (1/20 pt)."""
    return round(value * 1440 / 25.4)


PAGE_WIDTH, PAGE_HEIGHT = mm(210), mm(297)  # A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = mm(37), mm(35), mm(28), mm(26)
HEADER_DISTANCE = mm(15)
FOOTER_DISTANCE = mm(21)  # the page number sits about 7 mm below the text area (GB/T 9704)
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # 156 mm
LINE_EXACT = 579  # 28.95 pt: 22 lines a page

LATIN = "Times New Roman"
FONT_BODY = "仿宋_GB2312"
FONT_HEADING = "黑体"
FONT_KAI = "楷体_GB2312"  # （一） headings, also run-in at the start of a paragraph
FONT_TITLE = "方正小标宋简体"
FONT_TABLE = "宋体"
# Declared in the font table so that Word can substitute a font that is not installed.
FONT_TABLE_ENTRIES: tuple[tuple[str, str, str, str, str], ...] = (
    # name, alternative name, charset, family, pitch
    (LATIN, "", "00", "roman", "variable"),
    (FONT_BODY, "仿宋", "86", "modern", "fixed"),
    (FONT_HEADING, "SimHei", "86", "modern", "fixed"),
    (FONT_KAI, "楷体", "86", "modern", "fixed"),
    (FONT_TITLE, "宋体", "86", "script", "fixed"),
    (FONT_TABLE, "SimSun", "86", "auto", "variable"),
)

SIZE_TITLE = 44  # half-points: 2号 22 pt
SIZE_BODY = 32  # 3号 16 pt
SIZE_FOOTER = 28  # 4号 14 pt
SIZE_TABLE = 21  # 五号 10.5 pt
SIZE_TABLE_SMALL = 18  # 小五 9 pt

# The language of the text: Simplified Chinese, so that renderers pick Chinese glyph variants.
LANG: Attrs = {"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"}

# Style ids.
S_TITLE = "Title"
S_HEADING = "Heading1"
S_HEADING2 = "Heading2"  # （一） headings on a line of their own: 楷体
S_RUN_IN = "RunInHeading"  # （一） run-in heading: 楷体
S_RUN_IN_BOLD = "RunInHeadingBold"  # 1. run-in heading: 仿宋 bold
S_TABLE_TEXT = "TableText"
S_TABLE_SMALL = "TableTextSmall"
S_TABLE_GRID = "TableGrid"
S_FOOTER = "Footer"
S_SIGNATURE = "Signature"

# Header labels of the official tables that are not row or column labels of a field.
CONTENT_HEADER = "信息内容"  # table 二
APPLICANT_HEADER = "申请人情况"  # table 三
ORGANISATION_HEADER = "法人或其他组织"  # table 三

# Column widths. Tables 二 and 四 share the text width by weights; table 三 sizes its figure
# columns to their header labels (at most four characters a line, so 商业企业 does not wrap) and
# its first two label columns to two and four characters; the item labels get the rest.
TABLE2_WEIGHTS = (40.0, 38.67, 38.67, 38.66)
TABLE4_WEIGHT = 1.0
CELL_MARGIN = 57  # left and right cell margin, twips (1 mm)
CELL_MARGIN_SMALL = 43  # table 三 (0.75 mm)
WIDTH_SLACK = 20  # twips added to a column computed from characters, against rounding
TABLE3_LABEL_CHARS = (2, 4)  # 三、本年度办理结果 · （三）不予公开 (characters a line)
TABLE3_MIN_FIGURE_CHARS = 3  # room for a five-digit count

ROW_HEIGHT_TABLE2 = mm(8)
ROW_HEIGHT_TABLE3 = mm(6)
ROW_HEIGHT_TABLE4 = mm(8)

# Fixed package metadata (reproducible output). docxtpl renders the core properties too, so the
# report's document title and author become the agency's.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_W3CDTF = "2020-01-01T00:00:00Z"
CORE_TITLE = "{{ title }}"
CORE_CREATOR = "{{ agency }}"
CORE_MODIFIED_BY = "annual_report"


# --- Styles ---------------------------------------------------------------------------------------


def fonts(east_asia: str, latin: str = LATIN) -> Element:
    """Fonts of a run: the Chinese face in the East-Asian slot, ``latin`` for digits and Latin."""
    return el(
        "w:rFonts",
        {"w:ascii": latin, "w:hAnsi": latin, "w:eastAsia": east_asia, "w:cs": latin},
    )


def run_props(east_asia: str, size: int, latin: str = LATIN) -> Element:
    return el(
        "w:rPr",
        None,
        fonts(east_asia, latin),
        el("w:sz", {"w:val": size}),
        el("w:szCs", {"w:val": size}),
    )


def no_indent() -> Element:
    return el("w:ind", {"w:firstLineChars": 0, "w:firstLine": 0})


def single_spacing() -> Element:
    return el("w:spacing", {"w:before": 0, "w:after": 0, "w:line": 240, "w:lineRule": "auto"})


def borders(tag: str) -> Element:
    sides = ("top", "left", "bottom", "right", "insideH", "insideV")
    line: Attrs = {"w:val": "single", "w:sz": 4, "w:space": 0, "w:color": "auto"}
    return el(tag, None, *(el(f"w:{side}", line) for side in sides))


def cell_margins(tag: str, side: int = CELL_MARGIN) -> Element:
    return el(
        tag,
        None,
        el("w:top", {"w:w": 0, "w:type": "dxa"}),
        el("w:left", {"w:w": side, "w:type": "dxa"}),
        el("w:bottom", {"w:w": 0, "w:type": "dxa"}),
        el("w:right", {"w:w": side, "w:type": "dxa"}),
    )


def style(
    kind: str,
    style_id: str,
    name: str,
    *props: Element | None,
    based_on: str | None = None,
    next_style: str | None = None,
    default: bool = False,
    custom: bool = False,
    hidden: bool = False,
) -> Element:
    attrs: Attrs = {"w:type": kind, "w:styleId": style_id}
    if default:
        attrs["w:default"] = 1
    if custom:
        attrs["w:customStyle"] = 1
    return el(
        "w:style",
        attrs,
        el("w:name", {"w:val": name}),
        el("w:basedOn", {"w:val": based_on}) if based_on else None,
        el("w:next", {"w:val": next_style}) if next_style else None,
        el("w:semiHidden") if hidden else None,
        el("w:unhideWhenUsed") if hidden else None,
        el("w:qFormat") if not hidden else None,
        *props,
    )


def styles_xml() -> Element:
    table_props = el(
        "w:tblPr",
        None,
        el("w:tblInd", {"w:w": 0, "w:type": "dxa"}),
        borders("w:tblBorders"),
        cell_margins("w:tblCellMar"),
    )
    return el(
        "w:styles",
        None,
        el(
            "w:docDefaults",
            None,
            el(
                "w:rPrDefault",
                None,
                el(
                    "w:rPr",
                    None,
                    fonts(FONT_BODY),
                    el("w:kern", {"w:val": 2}),
                    el("w:sz", {"w:val": SIZE_BODY}),
                    el("w:szCs", {"w:val": SIZE_BODY}),
                    el("w:lang", LANG),
                ),
            ),
            el("w:pPrDefault"),
        ),
        style(
            "paragraph",
            "Normal",
            "Normal",
            el(
                "w:pPr",
                None,
                el("w:snapToGrid", {"w:val": 0}),
                el("w:spacing", {"w:line": LINE_EXACT, "w:lineRule": "exact"}),
                el("w:ind", {"w:firstLineChars": 200, "w:firstLine": 2 * SIZE_BODY * 10}),
                el("w:jc", {"w:val": "both"}),
            ),
            run_props(FONT_BODY, SIZE_BODY),
            default=True,
        ),
        style(
            "character", "DefaultParagraphFont", "Default Paragraph Font", default=True, hidden=True
        ),
        style(
            "table",
            "TableNormal",
            "Normal Table",
            el(
                "w:tblPr",
                None,
                el("w:tblInd", {"w:w": 0, "w:type": "dxa"}),
                el(
                    "w:tblCellMar",
                    None,
                    el("w:top", {"w:w": 0, "w:type": "dxa"}),
                    el("w:left", {"w:w": 108, "w:type": "dxa"}),
                    el("w:bottom", {"w:w": 0, "w:type": "dxa"}),
                    el("w:right", {"w:w": 108, "w:type": "dxa"}),
                ),
            ),
            default=True,
            hidden=True,
        ),
        style(
            "paragraph",
            S_TITLE,
            "Title",
            el(
                "w:pPr",
                None,
                el("w:spacing", {"w:after": LINE_EXACT, "w:line": 720, "w:lineRule": "exact"}),
                no_indent(),
                el("w:jc", {"w:val": "center"}),
            ),
            run_props(FONT_TITLE, SIZE_TITLE),
            based_on="Normal",
            next_style="Normal",
        ),
        style(
            "paragraph",
            S_HEADING,
            "heading 1",
            el("w:pPr", None, el("w:keepNext"), el("w:outlineLvl", {"w:val": 0})),
            run_props(FONT_HEADING, SIZE_BODY),
            based_on="Normal",
            next_style="Normal",
        ),
        style(
            "paragraph",
            S_HEADING2,
            "heading 2",
            el("w:pPr", None, el("w:keepNext"), el("w:outlineLvl", {"w:val": 1})),
            run_props(FONT_KAI, SIZE_BODY),
            based_on="Normal",
            next_style="Normal",
        ),
        style(
            "character",
            S_RUN_IN,
            "Run-in Heading",
            el("w:rPr", None, fonts(FONT_KAI)),
            based_on="DefaultParagraphFont",
            custom=True,
        ),
        style(
            "character",
            S_RUN_IN_BOLD,
            "Run-in Heading Bold",
            el("w:rPr", None, el("w:b"), el("w:bCs")),
            based_on="DefaultParagraphFont",
            custom=True,
        ),
        style(
            "paragraph",
            S_TABLE_TEXT,
            "Table Text",
            el("w:pPr", None, single_spacing(), no_indent(), el("w:jc", {"w:val": "center"})),
            run_props(FONT_TABLE, SIZE_TABLE),
            based_on="Normal",
            custom=True,
        ),
        style(
            "paragraph",
            S_TABLE_SMALL,
            "Table Text Small",
            run_props(FONT_TABLE, SIZE_TABLE_SMALL),
            based_on=S_TABLE_TEXT,
            custom=True,
        ),
        style("table", S_TABLE_GRID, "Table Grid", table_props, based_on="TableNormal"),
        style(
            "paragraph",
            S_FOOTER,
            "footer",
            el("w:pPr", None, single_spacing(), no_indent(), el("w:jc", {"w:val": "center"})),
            run_props(FONT_TABLE, SIZE_FOOTER, latin=FONT_TABLE),
            based_on="Normal",
        ),
        style(
            "paragraph",
            S_SIGNATURE,
            "Signature",
            el("w:pPr", None, no_indent(), el("w:jc", {"w:val": "right"})),
            based_on="Normal",
        ),
        nsmap={"w": NS["w"]},
    )


# --- Paragraphs -----------------------------------------------------------------------------------


def run(text: str, style_id: str | None = None) -> Element:
    """One run with one text node: a Jinja tag written this way reaches docxtpl intact."""
    node = el("w:t", text=text)
    if text != text.strip():
        node.set(qn("xml:space"), "preserve")
    props = el("w:rPr", None, el("w:rStyle", {"w:val": style_id})) if style_id else None
    return el("w:r", None, props, node)


def paragraph(
    text: str = "",
    style_id: str | None = None,
    *,
    keep_next: bool = False,
    space_before: int | None = None,
) -> Element:
    props: list[Element] = []
    if style_id:
        props.append(el("w:pStyle", {"w:val": style_id}))
    if keep_next:
        props.append(el("w:keepNext"))
    if space_before is not None:
        props.append(el("w:spacing", {"w:before": space_before}))
    return el(
        "w:p",
        None,
        el("w:pPr", None, *props) if props else None,
        run(text) if text else None,
    )


def var(path: str) -> str:
    return f"{{{{ {path} }}}}"


def block_tag(statement: str) -> Element:
    """A docxtpl paragraph tag (``{%p … %}``), alone in its paragraph."""
    return paragraph(f"{{%p {statement} %}}")


def narrative_paragraph() -> Element:
    """A paragraph of a narrative: its run-in heading (楷体 for （一）, bold for 1.), then the rest.

    ``para.head`` is ``""`` for a paragraph without a heading, so only the body shows.
    """
    return el(
        "w:p",
        None,
        run('{%r if para.level == "1" %}'),
        run(var("para.head"), S_RUN_IN_BOLD),
        run("{%r else %}"),
        run(var("para.head"), S_RUN_IN),
        run("{%r endif %}"),
        run(var("para.body")),
    )


def text_loop(key: str) -> list[Element]:
    """One Word paragraph per paragraph of the narrative ``key`` (e.g. ``text.overview``)."""
    if key not in form.FIELD_BY_KEY or form.FIELD_BY_KEY[key].kind is not form.Kind.TEXT:
        raise KeyError(f"{key} is not a narrative field of the format model")
    return [block_tag(f"for para in {key}"), narrative_paragraph(), block_tag("endfor")]


def subheading(part: str) -> list[Element]:
    """The 楷体 label of a part of section 五 (``subheading.problems`` …), when it has one."""
    key = f"subheading.{part}"
    return [block_tag(f"if {key}"), paragraph(var(key), S_HEADING2), block_tag("endif")]


def text_or_summary(section: str) -> list[Element]:
    """The narrative of ``section`` when given, else the sentence computed from the figures."""
    key = f"text.{section}"
    return [
        block_tag(f"if {key}"),
        *text_loop(key),
        block_tag("else"),
        paragraph(var(f"summary.{section}")),
        block_tag("endif"),
    ]


# --- Tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A (possibly merged) cell: top-left grid position, extent and text."""

    row: int
    col: int
    text: str
    rows: int = 1
    cols: int = 1


def split_width(weights: Sequence[float], total: int = TEXT_WIDTH) -> list[int]:
    """Integer column widths in proportion to ``weights`` that add up to ``total`` exactly."""
    bounds = [0, *(round(total * w / sum(weights)) for w in itertools.accumulate(weights))]
    return [b - a for a, b in itertools.pairwise(bounds)]


def text_columns(chars: int, size: int, margin: int) -> int:
    """The width of a column holding ``chars`` CJK characters of ``size`` half-points a line."""
    return chars * size * 10 + 2 * margin + WIDTH_SLACK


def header_chars(label: str) -> int:
    """Characters a line of a short header: one line up to four, else two balanced lines."""
    return len(label) if len(label) <= 4 else -(-len(label) // 2)


def table(
    widths: Sequence[int],
    blocks: Iterable[Block],
    *,
    text_style: str,
    header_rows: int,
    row_height: int,
    keep_rows: Collection[int] = (),
    margin: int = CELL_MARGIN,
) -> Element:
    """A bordered table of fixed layout; merged cells as gridSpan / vMerge.

    The first ``header_rows`` rows repeat on each page; the rows in ``keep_rows`` are kept on the
    same page as the row below them; no row splits across pages.
    """
    blocks = list(blocks)
    n_rows = max(b.row + b.rows for b in blocks)
    n_cols = len(widths)
    grid: list[list[Block | None]] = [[None] * n_cols for _ in range(n_rows)]
    for b in blocks:
        for r in range(b.row, b.row + b.rows):
            for c in range(b.col, b.col + b.cols):
                if grid[r][c] is not None:
                    raise ValueError(f"cells overlap at ({r}, {c}): {b} and {grid[r][c]}")
                grid[r][c] = b
    holes = [(r, c) for r in range(n_rows) for c in range(n_cols) if grid[r][c] is None]
    if holes:
        raise ValueError(f"table has uncovered cells: {holes}")

    tbl = el(
        "w:tbl",
        None,
        el(
            "w:tblPr",
            None,
            el("w:tblStyle", {"w:val": S_TABLE_GRID}),
            el("w:tblW", {"w:w": sum(widths), "w:type": "dxa"}),
            el("w:jc", {"w:val": "center"}),
            borders("w:tblBorders"),
            el("w:tblLayout", {"w:type": "fixed"}),
            cell_margins("w:tblCellMar", margin),
            el(
                "w:tblLook",
                {
                    "w:val": "0000",
                    "w:firstRow": 0,
                    "w:lastRow": 0,
                    "w:firstColumn": 0,
                    "w:lastColumn": 0,
                    "w:noHBand": 1,
                    "w:noVBand": 1,
                },
            ),
        ),
        el("w:tblGrid", None, *(el("w:gridCol", {"w:w": w}) for w in widths)),
    )
    for r, cells in enumerate(grid):
        tr = el(
            "w:tr",
            None,
            el(
                "w:trPr",
                None,
                el("w:cantSplit"),
                el("w:trHeight", {"w:val": row_height, "w:hRule": "atLeast"}),
                el("w:tblHeader") if r < header_rows else None,
            ),
        )
        for c, slot in enumerate(cells):
            assert slot is not None
            b = slot
            if c != b.col:
                continue  # covered by the gridSpan of the cell to the left
            merge: Attrs | None = None
            if b.rows > 1:
                merge = {"w:val": "restart"} if r == b.row else {}
            tr.append(
                el(
                    "w:tc",
                    None,
                    el(
                        "w:tcPr",
                        None,
                        el("w:tcW", {"w:w": sum(widths[c : c + b.cols]), "w:type": "dxa"}),
                        el("w:gridSpan", {"w:val": b.cols}) if b.cols > 1 else None,
                        el("w:vMerge", merge) if merge is not None else None,
                        el("w:vAlign", {"w:val": "center"}),
                    ),
                    paragraph(b.text if r == b.row else "", text_style, keep_next=r in keep_rows),
                )
            )
        tbl.append(tr)
    return tbl


def table2_blocks() -> list[Block]:
    """表二: one block of rows per 第二十条 item, in the order of ``form.ARTICLE_ITEMS``."""
    doc_columns = [c for c, _ in form.DOC_COLUMNS]
    blocks: list[Block] = []
    r = 0
    for item, entries in itertools.groupby(form.ARTICLE_ITEMS, key=lambda e: e[2]):
        rows = list(entries)
        blocks.append(Block(r, 0, item, cols=4))
        columns = [f.column for f in form.FIELDS if f.table == "二" and f.row == rows[0][0]]
        blocks.append(Block(r + 1, 0, CONTENT_HEADER))
        if columns == doc_columns:
            blocks += [Block(r + 1, 1 + i, label) for i, (_, label) in enumerate(form.DOC_COLUMNS)]
        else:
            label = form.FEES_LABEL if columns == ["amount"] else form.DECISIONS_LABEL
            blocks.append(Block(r + 1, 1, label, cols=3))
        r += 2
        for prefix, row_label, _item in rows:
            cols = [f.column for f in form.FIELDS if f.table == "二" and f.row == prefix]
            if cols != columns:
                raise ValueError(f"{prefix}: columns {cols} differ from its item's {columns}")
            blocks.append(Block(r, 0, row_label))
            if len(cols) == 1:
                blocks.append(Block(r, 1, var(f"{prefix}.{cols[0]}"), cols=3))
            else:
                blocks += [Block(r, 1 + i, var(f"{prefix}.{c}")) for i, c in enumerate(cols)]
            r += 1
    return blocks


def table3_blocks() -> list[Block]:
    """表三: the note, the applicant header, then one row per ``form.APP_ROWS`` entry."""
    labels = len(TABLE3_LABEL_CHARS) + 1
    columns = [c for c, _ in form.APP_COLUMNS]
    if columns[0] != "natural" or columns[-1] != "total":
        raise ValueError("table 三 expects 自然人 first and 总计 last")
    organisations = form.APP_COLUMNS[1:-1]
    blocks = [
        Block(0, 0, form.TABLE3_NOTE, rows=3, cols=labels),
        Block(0, labels, APPLICANT_HEADER, cols=len(columns)),
        Block(1, labels, form.APP_COLUMN_LABEL["natural"], rows=2),
        Block(1, labels + 1, ORGANISATION_HEADER, cols=len(organisations)),
        Block(1, labels + len(columns) - 1, form.APP_COLUMN_LABEL["total"], rows=2),
        *(Block(2, labels + 1 + i, label) for i, (_, label) in enumerate(organisations)),
    ]
    first = 3
    for group, rows_iter in itertools.groupby(enumerate(form.APP_ROWS), key=lambda x: x[1].group):
        rows = list(rows_iter)
        start = first + rows[0][0]
        if not group:
            blocks += [Block(first + i, 0, row.label, cols=labels) for i, row in rows]
            continue
        blocks.append(Block(start, 0, group, rows=len(rows)))
        for sub, sub_iter in itertools.groupby(rows, key=lambda x: x[1].subgroup):
            sub_rows = list(sub_iter)
            if not sub:
                blocks += [Block(first + i, 1, row.label, cols=labels - 1) for i, row in sub_rows]
                continue
            blocks.append(Block(first + sub_rows[0][0], 1, sub, rows=len(sub_rows)))
            blocks += [Block(first + i, 2, row.label) for i, row in sub_rows]
    for i, row in enumerate(form.APP_ROWS):
        for j, column in enumerate(columns):
            key = form.app_key(row.key, column)
            if key not in form.FIELD_BY_KEY:
                raise KeyError(key)
            blocks.append(Block(first + i, labels + j, var(key)))
    return blocks


def table4_blocks() -> list[Block]:
    """表四: 行政复议 and 行政诉讼 over their parts, then the data row."""
    parts = len(form.APPEAL_PARTS)
    blocks: list[Block] = []
    col = 0
    for top, groups_iter in itertools.groupby(form.APPEAL_GROUPS, key=lambda g: g[1]):
        groups = list(groups_iter)
        if len(groups) == 1 and not groups[0][2]:
            blocks.append(Block(0, col, top, rows=2, cols=parts))
        else:
            blocks.append(Block(0, col, top, cols=parts * len(groups)))
            for i, (_, _, second) in enumerate(groups):
                blocks.append(Block(1, col + i * parts, second, cols=parts))
        for prefix, _top, _second in groups:
            for part, label in form.APPEAL_PARTS:
                key = form.appeal_key(prefix, part)
                if key not in form.FIELD_BY_KEY:
                    raise KeyError(key)
                blocks += [Block(2, col, label), Block(3, col, var(key))]
                col += 1
    return blocks


def table2() -> Element:
    """表二, each 第二十条 item kept on one page."""
    blocks = table2_blocks()
    n_rows = max(b.row for b in blocks) + 1
    item_rows = {b.row for b in blocks if b.cols == len(TABLE2_WEIGHTS)}
    keep = {r for r in range(n_rows - 1) if r + 1 not in item_rows}
    return table(
        split_width(TABLE2_WEIGHTS),
        blocks,
        text_style=S_TABLE_TEXT,
        header_rows=0,
        row_height=ROW_HEIGHT_TABLE2,
        keep_rows=keep,
    )


def table3_widths() -> list[int]:
    size, margin = SIZE_TABLE_SMALL, CELL_MARGIN_SMALL
    figures = [
        text_columns(max(TABLE3_MIN_FIGURE_CHARS, header_chars(label)), size, margin)
        for _, label in form.APP_COLUMNS
    ]
    labels = [text_columns(chars, size, margin) for chars in TABLE3_LABEL_CHARS]
    rest = TEXT_WIDTH - sum(figures) - sum(labels)
    if rest < text_columns(8, size, margin):
        raise ValueError("table 三: no room left for the item labels")
    return [*labels, rest, *figures]


def table3() -> Element:
    """表三, kept on one page (it fits one), its header repeated should it break all the same."""
    first = 3
    rows = first + len(form.APP_ROWS)
    return table(
        table3_widths(),
        table3_blocks(),
        text_style=S_TABLE_SMALL,
        header_rows=first,
        row_height=ROW_HEIGHT_TABLE3,
        keep_rows=range(rows - 1),
        margin=CELL_MARGIN_SMALL,
    )


def table4() -> Element:
    """表四, kept on one page."""
    count = len(form.APPEAL_GROUPS) * len(form.APPEAL_PARTS)
    return table(
        split_width([TABLE4_WEIGHT] * count),
        table4_blocks(),
        text_style=S_TABLE_TEXT,
        header_rows=3,
        row_height=ROW_HEIGHT_TABLE4,
        keep_rows={0, 1, 2},
    )


# --- Document ------------------------------------------------------------------------------------

# What follows each section heading, by section id of ``form.SECTIONS``.
SECTION_BODY: dict[str, Callable[[], list[Element]]] = {
    "overview": lambda: text_loop("text.overview"),
    "proactive": lambda: [*text_loop("text.proactive"), table2()],
    "applications": lambda: [*text_or_summary("applications"), table3()],
    "appeals": lambda: [*text_or_summary("appeals"), table4()],
    "problems": lambda: [
        *subheading("problems"),
        *text_loop("text.problems"),
        *subheading("improvements"),
        *text_loop("text.improvements"),
    ],
    # keep_next: the signature below never stands alone on the last page
    "other": lambda: [*text_loop("text.other"),
                      paragraph(var("summary.processing_fee"), keep_next=True)],
}


def section_properties(footer_rel: str) -> Element:
    return el(
        "w:sectPr",
        None,
        el("w:footerReference", {"w:type": "default", "r:id": footer_rel}),
        el("w:pgSz", {"w:w": PAGE_WIDTH, "w:h": PAGE_HEIGHT}),
        el(
            "w:pgMar",
            {
                "w:top": MARGIN_TOP,
                "w:right": MARGIN_RIGHT,
                "w:bottom": MARGIN_BOTTOM,
                "w:left": MARGIN_LEFT,
                "w:header": HEADER_DISTANCE,
                "w:footer": FOOTER_DISTANCE,
                "w:gutter": 0,
            },
        ),
        el("w:cols", {"w:space": 425}),
        el("w:docGrid", {"w:linePitch": LINE_EXACT}),
    )


def document_xml(footer_rel: str) -> Element:
    body = el("w:body", None, paragraph(var("title"), S_TITLE))
    for section in form.SECTIONS:
        body.append(paragraph(var(f"heading.{section.id}"), S_HEADING))
        body.extend(SECTION_BODY[section.id]())
    body.append(paragraph(var("agency"), S_SIGNATURE, keep_next=True, space_before=2 * LINE_EXACT))
    body.append(paragraph(var("report_date"), S_SIGNATURE))
    body.append(section_properties(footer_rel))
    return el("w:document", None, body, nsmap={"w": NS["w"], "r": NS["r"]})


def footer_xml() -> Element:
    """The page number as “— 1 —”, centred (a PAGE field between two em dashes)."""
    number = el("w:fldSimple", {"w:instr": " PAGE "}, run("1"))
    return el(
        "w:ftr",
        None,
        el(
            "w:p",
            None,
            el("w:pPr", None, el("w:pStyle", {"w:val": S_FOOTER})),
            run("\u2014 "),
            number,
            run(" \u2014"),
        ),
        nsmap={"w": NS["w"], "r": NS["r"]},
    )


def settings_xml() -> Element:
    return el(
        "w:settings",
        None,
        el("w:zoom", {"w:percent": 100}),
        el("w:defaultTabStop", {"w:val": 420}),
        el("w:characterSpacingControl", {"w:val": "compressPunctuation"}),
        el(
            "w:compat",
            None,
            el(
                "w:compatSetting",
                {
                    "w:name": "compatibilityMode",
                    "w:uri": "http://schemas.microsoft.com/office/word",
                    "w:val": 15,
                },
            ),
        ),
        el("w:themeFontLang", {"w:val": LANG["w:val"], "w:eastAsia": LANG["w:eastAsia"]}),
        el("w:decimalSymbol", {"w:val": "."}),
        el("w:listSeparator", {"w:val": ","}),
        nsmap={"w": NS["w"]},
    )


def font_table_xml() -> Element:
    fonts_el = el("w:fonts", None, nsmap={"w": NS["w"]})
    for name, alt, charset, family, pitch in FONT_TABLE_ENTRIES:
        fonts_el.append(
            el(
                "w:font",
                {"w:name": name},
                el("w:altName", {"w:val": alt}) if alt else None,
                el("w:charset", {"w:val": charset}),
                el("w:family", {"w:val": family}),
                el("w:pitch", {"w:val": pitch}),
            )
        )
    return fonts_el


def core_xml() -> Element:
    def stamp(tag: str) -> Element:
        return el(tag, {"xsi:type": "dcterms:W3CDTF"}, text=FIXED_W3CDTF)

    return el(
        "cp:coreProperties",
        None,
        el("dc:title", text=CORE_TITLE),
        el("dc:creator", text=CORE_CREATOR),
        el("cp:lastModifiedBy", text=CORE_MODIFIED_BY),
        el("cp:revision", text="1"),
        stamp("dcterms:created"),
        stamp("dcterms:modified"),
        nsmap={k: NS[k] for k in ("cp", "dc", "dcterms", "xsi")},
    )


def relationships(rels: Sequence[tuple[str, str, str]]) -> Element:
    root = etree.Element(f"{{{RELS_NS}}}Relationships", nsmap={None: RELS_NS})  # type: ignore[dict-item]
    for rel_id, rel_type, target in rels:
        etree.SubElement(
            root, f"{{{RELS_NS}}}Relationship", Id=rel_id, Type=rel_type, Target=target
        )
    return root


def content_types(overrides: Sequence[tuple[str, str]]) -> Element:
    root = etree.Element(f"{{{CT_NS}}}Types", nsmap={None: CT_NS})  # type: ignore[dict-item]
    defaults = (
        ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
        ("xml", "application/xml"),
    )
    for ext, ctype in defaults:
        etree.SubElement(root, f"{{{CT_NS}}}Default", Extension=ext, ContentType=ctype)
    for part, ctype in overrides:
        etree.SubElement(root, f"{{{CT_NS}}}Override", PartName=f"/{part}", ContentType=ctype)
    return root


def build_parts() -> dict[str, bytes]:
    """The package's parts, in the order they are written to the zip."""
    word_parts = (
        # relationship id, part name, relationship type, content type, content
        ("rId1", "styles.xml", "styles", f"{WML_CT}.styles+xml", styles_xml()),
        ("rId2", "settings.xml", "settings", f"{WML_CT}.settings+xml", settings_xml()),
        ("rId3", "fontTable.xml", "fontTable", f"{WML_CT}.fontTable+xml", font_table_xml()),
        ("rId4", "footer1.xml", "footer", f"{WML_CT}.footer+xml", footer_xml()),
    )
    overrides = [
        ("word/document.xml", f"{WML_CT}.document.main+xml"),
        *((f"word/{name}", ctype) for _, name, _, ctype, _ in word_parts),
        ("docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
    ]
    package_rels = (
        ("rId1", f"{OFFICE_REL}/officeDocument", "word/document.xml"),
        (
            "rId2",
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
            "docProps/core.xml",
        ),
    )
    document_rels = [(rid, f"{OFFICE_REL}/{rtype}", name) for rid, name, rtype, _, _ in word_parts]
    parts: dict[str, Element] = {
        "[Content_Types].xml": content_types(overrides),
        "_rels/.rels": relationships(package_rels),
        "docProps/core.xml": core_xml(),
        "word/document.xml": document_xml(footer_rel="rId4"),
        "word/_rels/document.xml.rels": relationships(document_rels),
        **{f"word/{name}": root for _, name, _, _, root in word_parts},
    }
    return {name: serialize(root) for name, root in parts.items()}


def zip_parts(parts: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend on the parts only (fixed time stamps, attributes, order)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 0
            info.external_attr = 0
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()


def build_bytes() -> bytes:
    return zip_parts(build_parts())


def build(path: Path = DEFAULT_OUTPUT) -> Path:
    """Write the template to ``path`` (the repository's default template unless given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_bytes())
    return path


TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def jinja_tags(parts: dict[str, bytes]) -> list[str]:
    """The Jinja tags of the template's parts, in document order."""
    tags: list[str] = []
    for data in parts.values():
        root = etree.fromstring(data)
        for node in root.iter(qn("w:t"), qn("dc:title"), qn("dc:creator")):
            tags += TAG_RE.findall(node.text or "")
    return tags


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the .docx to write")
    args = parser.parse_args(argv)
    path = build(args.output)
    tags = jinja_tags(build_parts())
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(tags)} Jinja tags)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
