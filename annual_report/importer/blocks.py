"""The neutral document model every reader produces: paragraphs and tables in reading order.

A table is a grid: every grid position holds a :class:`Cell`; a merged cell (``gridSpan``,
``vMerge``, ``colspan``/``rowspan``, a PDF cell over several grid lines) is the *same* Cell
object at each position it covers, so a label spanning columns is told from repeated text, and
two cells under one header (a split cell) are told apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(eq=False)
class Cell:
    """One cell as printed (identity matters: spanned positions share the object)."""

    text: str


@dataclass
class Table:
    grid: list[list[Cell]]
    where: str = ""  # e.g. "第 3 页" (PDF) for messages
    # rows that, as printed, covered fewer grid positions than the table is wide (row -> how
    # many): in the piece after a split, the cells of merges carried over the split are missing
    filled: dict[int, int] = field(default_factory=dict)
    xs: list[float] = field(default_factory=list)  # a PDF table's column edges (points)
    # each row's piece and row in it, once pieces are joined (empty: all rows are this one's)
    origin: list[tuple[str, int]] = field(default_factory=list)
    # a PDF table's cells left open at the page break (its first row's top, last row's foot)
    open_top: list[Cell] = field(default_factory=list)
    open_bottom: list[Cell] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.grid), default=0)

    def printed_at(self, r: int) -> tuple[str, int]:
        """Where row ``r`` is printed: its piece's place (「第 3 页」) and its row there."""
        return self.origin[r] if r < len(self.origin) else (self.where, r)

    def take(self, piece: Table, rows: list[list[Cell]], first: int) -> None:
        """Append ``rows`` (``piece``'s rows from its row ``first`` on) to this table."""
        if not self.origin:
            self.origin = [self.printed_at(r) for r in range(len(self.grid))]
        for i in range(len(rows)):  # on another page: that page and its row there
            where, row = piece.printed_at(first + i)
            self.origin.append((where, row) if where and where != self.where
                               else (self.where, len(self.origin)))
        self.grid.extend(rows)


@dataclass
class Para:
    text: str
    where: str = ""


Block = Para | Table


# Chromium's and some other PDF writers' text layers name a character whose glyph is also a
# radical's by the radical's code point (U+2F00 「⼀」 for 一, U+2EDA 「⻚」 for 页): printed the
# same, compared and searched as a different character, and copied from such PDFs into Word and
# web pages. The Kangxi radicals decompose to their ideographs (NFKC); of the supplement, the
# simplified forms that are characters of their own (Unicode's EquivalentUnifiedIdeograph.txt).
_SUPPLEMENT = {
    "\u2e9f": "母", "\u2ea0": "民", "\u2eae": "竹", "\u2eb3": "网", "\u2ec4": "西",
    "\u2ec5": "见", "\u2ec6": "角", "\u2ecb": "车", "\u2ed1": "長", "\u2ed3": "长",
    "\u2ed4": "门", "\u2ed8": "青", "\u2eda": "页", "\u2edb": "风", "\u2edc": "飞",
    "\u2edd": "食", "\u2ee2": "马", "\u2ee3": "骨", "\u2ee4": "鬼", "\u2ee5": "鱼",
    "\u2ee6": "鸟", "\u2ee7": "卤", "\u2ee8": "麦", "\u2ee9": "黄", "\u2eea": "黾",
    "\u2ef0": "龙", "\u2ef3": "龟",
}
# Kangxi radicals whose NFKC ideograph is the traditional code point of a character that
# Simplified Chinese writes with another (a Simplified Chinese font draws them alike)
_SIMPLIFIED = {"\u2f3e": "户", "\u2fad": "青", "\u2fc8": "黄"}
RADICALS = str.maketrans(
    {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0x2F00, 0x2FD6)}
    | _SUPPLEMENT | _SIMPLIFIED)


@dataclass
class Document:
    """A read file: its blocks and what the reader could not do (in Chinese).

    Radicals standing for characters (:data:`RADICALS`) are read as those characters."""

    blocks: list[Block]
    notes: list[str] = field(default_factory=list)
    title_hint: str = ""  # e.g. an HTML <title>

    def __post_init__(self) -> None:
        self.title_hint = self.title_hint.translate(RADICALS)
        for block in self.blocks:
            if isinstance(block, Para):
                block.text = block.text.translate(RADICALS)
            else:
                for cell in {id(c): c for row in block.grid for c in row}.values():
                    cell.text = cell.text.translate(RADICALS)


_SECTION_START = re.compile(
    r"(^|\n)\s*[一二三四五六][、.．]\s*(总体情况|主动公开|收到和处理|政府信息公开行政复议|存在)")
LAYOUT_TEXT = 300  # characters: a cell holding more is a page's frame, not a figure table's cell


HEADING_ROW_TEXT = 60  # characters: a section heading printed as a table's first row is short


def is_heading_row(text: str) -> bool:
    """A table's first row holding one section heading (「三、收到和处理政府信息公开申请情况」),
    printed in the table instead of above it: a heading, and the table starts below it."""
    text = text.strip()
    return len(text) <= HEADING_ROW_TEXT and _SECTION_START.match(text) is not None


def is_layout_cell(text: str) -> bool:
    """A table cell that holds the report's body (a page laid out in a table)."""
    return len(text) > LAYOUT_TEXT or bool(_SECTION_START.search(text))


PAGE_NUMBER = re.compile(r"^[—\-－–_·\s]*(第\s*)?\d{1,3}(\s*页)?[—\-－–_·\s]*(共\s*\d+\s*页)?$")


def square(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Pad short rows with empty cells so that every row has the same width."""
    width = max((len(r) for r in rows), default=0)
    return [r + [Cell("") for _ in range(width - len(r))] for r in rows]


def printed_table(rows: list[list[Cell]]) -> Table | None:
    """The table of a grid's rows (None if it prints nothing), up to the last row that prints
    anything. Blank rows closing a table (the zero-height row Word writes at the end of every
    table of a web page, an empty row left at the end of a table) hold nothing a reader would
    take for a figure, and would otherwise read as a second, blank printing of the figures above
    them."""
    end = len(rows)
    while end and not any(cell.text.strip() for cell in rows[end - 1]):
        end -= 1
    rows = rows[:end]
    return Table(square(rows), filled=short_rows(rows)) if rows else None


def short_rows(rows: list[list[Cell]]) -> dict[int, int]:
    """The rows narrower than the widest (row -> its width), before :func:`square` pads them."""
    width = max((len(r) for r in rows), default=0)
    return {r: len(row) for r, row in enumerate(rows) if len(row) < width}


# --- text normalisation -------------------------------------------------------------------------

_CJK = r"\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")


def tidy(text: str) -> str:
    """Printed text as one line: invisible characters out, runs of space collapsed, spaces next
    to Chinese characters removed (line wrapping and web-page source breaks put them there)."""
    text = _INVISIBLE.sub("", text).replace("\u3000", " ").replace("\u00a0", " ")
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_IN_CJK.sub("", text)


# Punctuation variants a label may be printed with; removed before labels are compared.
_LABEL_DROP = re.compile(r"[\s\u3000\u00a0、，,.．。:：;；\"'“”‘’「」『』·•\-—－_／/（）()〔〕\[\]【】《》<>]")


def norm(text: str) -> str:
    """A label for comparison: NFKC (full width to half width), no spaces, no punctuation."""
    return _LABEL_DROP.sub("", unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)))


_LEADING_NUMBER = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十]{1,3}[）)、.．]|[（(]?\d{1,2}[）)、.．](?!\d))\s*"
)


def strip_number(text: str) -> str:
    """``（三）不予公开`` -> ``不予公开``; ``1.属于国家秘密`` -> ``属于国家秘密``."""
    text = _SPACES.sub("", text)
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_NUMBER.sub("", text, count=1)
    return text


# --- figures as printed ---------------------------------------------------------------------

PLACEHOLDERS = frozenset({"/", "-", "—", "——", "－", "–", "无", "×", "x", "X", "／", "\\"})
_INTEGER = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$")
_DECIMAL = re.compile(r"^\d+\.\d+$|^\d{1,3}(,\d{3})+\.\d+$")
_UNIT = re.compile(r"(件|宗|个|次|条|万元|元)$")


@dataclass(frozen=True)
class Printed:
    """A figure cell read: ``value`` is an int/str ("1.5" money), a kept placeholder ("/"),
    ``None`` for a blank cell; ``problem`` says why a printed figure could not be read."""

    value: int | str | None
    problem: str = ""


# A cell that sends the reader elsewhere for its figure (「见附件」「详见附件2」「附后」), where a
# figure stands: not a label, and not a figure that can be read here.
_ELSEWHERE = re.compile(r"^(?:详见|参见|见)?附(?:件|表)[0-9一二三四五六七八九十]*(?:所示)?$"
                        r"|^(?:详见|参见|见)?(?:附后|后附|另附)$")


def refers_elsewhere(text: str) -> bool:
    """A cell that says its figure is in an attachment."""
    return bool(_ELSEWHERE.match(norm(text)))


_RAISED = {"sup": str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"),
           "sub": str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")}


def raised(text: str, how: str) -> str:
    """Text printed raised (``how`` "sup") or lowered ("sub") as it reads: its digits as
    superscript or subscript digits, so that a footnote mark after a figure (「2」 and a raised
    「1」) is not read as part of it (「21」)."""
    return text.translate(_RAISED[how]) if how in _RAISED else text


def _marked(text: str) -> bool:
    """Whether a digit is printed as a mark: superscript (¹), subscript, circled (①),
    parenthesized (⑴), with a full stop (⒈)…: a footnote, not a part of the number."""
    return any(c.isdigit() and not ("0" <= c <= "9" or "０" <= c <= "９") for c in text)


def read_figure(text: str, money: bool = False) -> Printed:
    """A printed figure, read only where its meaning is certain."""
    raw = tidy(text)
    if not raw:
        return Printed(None)
    if _marked(raw):
        return Printed(None, f"单元格印的是「{raw[:30]}」，数字带有上标、圈码等注释标记，无法确定印的是哪个数，"
                             "没有导入：请对照原文在总表中填写")
    if refers_elsewhere(raw):
        return Printed(None, f"单元格印的是「{raw[:30]}」，数字在附件里，没有导入：请对照附件在总表中填写")
    half = unicodedata.normalize("NFKC", raw).strip()
    if re.search(r"\d\s+\d", half):
        return Printed(None, f"单元格印的是「{raw[:30]}」，数字中间有空格，无法确定是一个数还是几个数")
    half = half.replace(" ", "")
    if half in PLACEHOLDERS or raw in PLACEHOLDERS:
        return Printed(raw)  # kept as printed: check's R5 names it
    bare = _UNIT.sub("", half)
    if _INTEGER.match(bare):
        return Printed(int(bare.replace(",", "")))
    if money and _DECIMAL.match(bare):
        return Printed(bare.replace(",", ""))
    if half.startswith("-") and _INTEGER.match(half[1:]):
        return Printed(-int(half[1:].replace(",", "")))  # printed negative: R5 names it
    return Printed(None, f"单元格印的是「{raw[:30]}」，不是一个能确定的数字")
