"""Page geometry and typography of the report (GB/T 9704-2012), the style ids and fixed labels.

All lengths are twips (1/20 pt) and font sizes half-points, as WordprocessingML writes them.
"""

from __future__ import annotations

from .oxml import Attrs


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

ROW_HEIGHT_TABLE2 = mm(7)  # 14 rows: under half a page, so keeping it whole never leaves more blank
ROW_HEIGHT_TABLE3 = mm(6)
ROW_HEIGHT_TABLE4 = mm(8)
