"""Read a PDF with a text layer into blocks (pdfplumber).

Tables are the ruled tables pdfplumber finds on each page; their cells' boxes are laid on a grid
so that a merged cell is one Cell at every position it covers. The text outside the tables is
built from the characters themselves (a space only where the PDF has one, or between two Latin
letters or digits set apart), lines are grouped into paragraphs by their geometry: a line that
starts at the left margin right after a full line continues the paragraph; an indented line, a
line after a short one, or a centred or right-aligned line starts a new one. Page numbers
(``— 3 —``) are dropped. A PDF without any text (a scan) gets a note, not an error.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .blocks import PAGE_NUMBER as _PAGE_NUMBER
from .blocks import RADICALS, Block, Cell, Document, Para, Table, square
from .pdf_grid import (
    ACROSS_PAGES,
    PageBreak,
    edges_of,
    join_over_break,
    page_breaks,
    regrid,
    same_frame,
    without_struck,
)

_ASCII = re.compile(r"[A-Za-z0-9]")
_CAPTION = re.compile(r"^第二十条第[（(][一二三四五六七八九十]+[)）]项$")
SCANNED = ("没有文字层（可能是扫描件或图片）：无法读取。请向机关索取 Word 版或可复制文字的 PDF，"
           "或先用文字识别软件转换后再导入。")


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    tabular: bool = False  # wide gaps between words: a row of a table without rules


def _join(chars: Sequence[dict[str, Any]]) -> str:
    """A line's text from its characters (radicals standing for characters read as those, so
    that headings and dates are seen in the lines, see :data:`~.blocks.RADICALS`)."""
    parts: list[str] = []
    previous: dict[str, Any] | None = None
    for ch in chars:
        text = str(ch["text"]).translate(RADICALS)
        if previous is not None and text != " " and parts and parts[-1] != " ":
            gap = float(ch["x0"]) - float(previous["x1"])
            if gap > 1.5 * float(ch["size"]) or (gap > 0.25 * float(ch["size"]) and _ASCII.match(text)
                                                  and _ASCII.match(str(previous["text"]))):
                parts.append(" ")
        parts.append(text)
        previous = ch
    return "".join(parts).strip()


def _lines(chars: list[dict[str, Any]]) -> list[_Line]:
    chars = sorted(chars, key=lambda c: (round(float(c["top"])), float(c["x0"])))
    groups: list[list[dict[str, Any]]] = []
    for ch in chars:
        if groups:
            last = groups[-1]
            mid = (float(ch["top"]) + float(ch["bottom"])) / 2
            if float(last[0]["top"]) - 1 <= mid <= float(last[0]["bottom"]) + 1:
                last.append(ch)
                continue
        groups.append([ch])
    lines = []
    for group in groups:
        group.sort(key=lambda c: float(c["x0"]))
        text = _join(group)
        if not text:
            continue
        visible = [c for c in group if str(c["text"]).strip()]
        wide = any(float(b["x0"]) - float(a["x1"]) > 1.5 * float(b["size"])
                   for a, b in zip(visible, visible[1:], strict=False))
        lines.append(_Line(text, min(float(c["x0"]) for c in visible),
                           max(float(c["x1"]) for c in visible),
                           min(float(c["top"]) for c in visible),
                           max(float(c["bottom"]) for c in visible),
                           statistics.median(float(c["size"]) for c in visible), wide))
    return lines


def _inside(obj: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x = (float(obj["x0"]) + float(obj["x1"])) / 2
    y = (float(obj["top"]) + float(obj["bottom"])) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _index(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


_DIGITS = re.compile(r"[0-9.,]+")


def _cell_text(chars: list[dict[str, Any]], box: tuple[float, float, float, float]) -> str:
    """A cell's lines; a number wrapped in a narrow cell (「13」 over 「0」, its first line
    filling the cell) is one number again."""
    lines = _lines(chars)
    if len(lines) > 1 and all(_DIGITS.fullmatch(ln.text) for ln in lines) and all(
            box[2] - ln.x1 < 1.2 * (ln.size or 12) for ln in lines[:-1]):
        return "".join(ln.text for ln in lines)
    return "\n".join(ln.text for ln in lines)


def _table(chars: list[dict[str, Any]], boxes: list[tuple[float, float, float, float]],
           where: str, breaks: list[PageBreak]) -> Table:
    """The table of pdfplumber's cell boxes; rows with nothing printed in them (the empty
    part of a row broken over the page) are left out. Its column edges are kept in ``xs``,
    the cells open at the page break in ``open_top`` and ``open_bottom``."""
    table = Table([], where)
    xs = edges_of([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = edges_of([b[1] for b in boxes] + [b[3] for b in boxes])
    grid: list[list[Cell | None]] = [[None] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    for box in boxes:
        cell = Cell(_cell_text([c for c in chars if _inside(c, box)], box))
        for page_break in breaks:
            if page_break.opens(box):
                (table.open_top if page_break.side == "top" else table.open_bottom).append(cell)
        for r in range(_index(ys, box[1]), _index(ys, box[3])):
            for c in range(_index(xs, box[0]), _index(xs, box[2])):
                grid[r][c] = cell
    rows = [[x or Cell("") for x in row] for row in grid]
    table.grid, table.xs = square([row for row in rows if any(c.text.strip() for c in row)]), xs
    return table


_HEADING_LINE = re.compile(r"^[一二三四五六七八九十]{1,2}[、.．]")
_NEW_PARAGRAPH_GAP = 1.4  # a line further below the previous one than this many line pitches


def line_pitch(lines: list[_Line]) -> float | None:
    """The usual distance from one line's top to the next's within a paragraph (the median over
    consecutive lines of a page); None when the document has too few lines to tell."""
    steps = [b.top - a.top for a, b in zip(lines, lines[1:], strict=False)
             if b.top > a.top and abs(a.size - b.size) < 0.5 and not (a.tabular or b.tabular)]
    return statistics.median(steps) if len(steps) >= 3 else None


def _paragraphs(lines: list[_Line], left: float, right: float, where: str,
                pitch: float | None = None) -> list[Para]:
    """Lines into paragraphs: a line goes on the paragraph above when that one's last line is
    full and this one starts at the margin, in the same size, at the usual line pitch below it
    (or at the top of the next page), and is not a short heading such as 「六、其他需要报告的事项」."""
    paras: list[Para] = []
    previous: _Line | None = None
    centre = (left + right) / 2
    for line in lines:
        size = line.size or 12
        centred = abs((line.x0 + line.x1) / 2 - centre) < size and line.x0 > left + size
        starts = line.x0 > left + 0.6 * size
        if previous is not None and paras and not (line.tabular or previous.tabular
                                                   or _CAPTION.match(line.text)):
            full = previous.x1 >= right - 1.6 * previous.size or not _would_fit(line, previous, right)
            near = line.top - previous.bottom < 2.5 * size
            same_title = (centred and abs((previous.x0 + previous.x1) / 2 - centre) < size
                          and abs(previous.size - size) < 0.5 and size > 17 and near)
            below = line.top - previous.top
            spaced = pitch is not None and below > _NEW_PARAGRAPH_GAP * pitch
            heading = _HEADING_LINE.match(line.text) is not None and line.x1 < right - 1.6 * size
            if same_title or (full and not starts and abs(previous.size - size) < 1.5
                              and not spaced and not heading):
                paras[-1].text += ("" if not (_ASCII.match(paras[-1].text[-1:])
                                              and _ASCII.match(line.text[:1])) else " ") + line.text
                previous = line
                continue
        paras.append(Para(line.text, where))
        previous = line
    return paras


_CLOSING = "，。、；：！？）」』”’》〉】%"
_LATIN_RUN = re.compile(r"[A-Za-z0-9.,%]+")


def _would_fit(line: _Line, previous: _Line, right: float) -> bool:
    """Whether the first unbreakable piece of ``line`` (a Chinese character with the closing
    punctuation after it, a run of Latin letters and digits) would have fit at the end of
    ``previous``: if not, ``previous`` ended only because it was full."""
    text = line.text
    latin = _LATIN_RUN.match(text)
    if latin:
        width = 0.55 * line.size * len(latin.group())
    else:
        piece = 1 + len(text[1:]) - len(text[1:].lstrip(_CLOSING))
        width = line.size * piece
    return previous.x1 + width <= right + 0.3 * line.size


def _right_margin(lines: list[_Line], left: float) -> float:
    """Where full lines end: the body's justified lines all end at the margin, the last lines of
    paragraphs short of it. The median end of the lines within two characters of the furthest
    (a line set past the margin, if any, counts for one)."""
    body = [ln for ln in lines if not ln.tabular]
    if not body:
        return left
    furthest = max(ln.x1 for ln in body)
    size = statistics.median(ln.size or 12 for ln in body)
    near = [ln.x1 for ln in body if ln.x1 >= furthest - 2 * size]
    return statistics.median(near)


def _one_grid(previous: Table, table: Table) -> None:
    """Lay a table's piece on the next page and the piece before on the same columns."""
    if not same_frame(previous.xs, table.xs) or previous.xs == table.xs:
        return
    union = edges_of(previous.xs + table.xs, ACROSS_PAGES)
    previous.grid = regrid(previous.grid, previous.xs, union)
    table.grid = regrid(table.grid, table.xs, union)
    previous.xs = table.xs = union


def _drop_running_lines(pages: list[tuple[str, list[_Line], list[Table], list[float]]]) -> None:
    """A running header or footer (the same line at the same height on most pages) is not text."""
    if len(pages) < 3:
        return
    seen: dict[tuple[str, int], int] = {}
    for _where, lines, _tables, _tops in pages:
        for key in {(ln.text, round(ln.top / 4)) for ln in lines}:
            seen[key] = seen.get(key, 0) + 1
    running = {key for key, n in seen.items() if n >= max(3, len(pages) // 2 + 1)}
    for _where, lines, _tables, _tops in pages:
        lines[:] = [ln for ln in lines if (ln.text, round(ln.top / 4)) not in running]


def read_pdf(path: Path) -> Document:
    """The blocks of a PDF (its text layer)."""
    import logging

    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    # pdfminer's warnings about a font's metrics (「Could not get FontBBox …」, dozens for a page a
    # browser printed) are in English and about nothing the reading depends on: not for the user
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    blocks: list[Block] = []
    try:
        pdf = pdfplumber.open(str(path))
    except (PDFSyntaxError, OSError, ValueError) as error:
        raise InputError(f"{path.name} 不是能打开的 PDF：{error}。") from None
    with pdf:
        pages: list[tuple[str, list[_Line], list[Table], list[float]]] = []
        text_chars = 0
        for number, page in enumerate(pdf.pages, start=1):
            page = page.dedupe_chars()
            chars = without_struck(list(page.chars), page.horizontal_edges)
            text_chars += sum(1 for c in chars if str(c["text"]).strip())
            breaks = page_breaks(page.edges)
            found = page.find_tables({"explicit_horizontal_lines": [b.y for b in breaks]})
            boxes = [t.bbox for t in found]
            where = f"第 {number} 页"
            tables = [_table(chars, list(t.cells), where, breaks) for t in found]
            outside = [c for c in chars if not any(_inside(c, b) for b in boxes)]
            lines = [ln for ln in _lines(outside) if not _PAGE_NUMBER.match(ln.text)]
            pages.append((where, lines, tables, [b[1] for b in boxes]))
        if not text_chars:
            return Document([], [SCANNED])
        _drop_running_lines(pages)
        all_lines = [ln for _w, lines, _t, _b in pages for ln in lines]
        left = min((ln.x0 for ln in all_lines), default=0.0)
        right = _right_margin(all_lines, left)
        pitch = line_pitch(all_lines)
        lines_before: list[_Line] = []
        for where, lines, tables, tops in pages:
            items: list[tuple[float, int, Any]] = [(ln.top, 0, ln) for ln in lines]
            items += [(top, 1, t) for top, t in zip(tops, tables, strict=True)]
            items.sort(key=lambda x: (x[0], x[1]))
            for n, (_top, kind, item) in enumerate(items):
                if kind == 0:
                    lines_before.append(item)
                    continue
                blocks.extend(_paragraphs(lines_before, left, right, where, pitch))
                previous = blocks[-1] if blocks else None
                if n == 0 and not lines_before and isinstance(previous, Table):
                    _one_grid(previous, item)  # a table going on from the page before
                    join_over_break(previous, item)
                lines_before = []
                blocks.append(item)
            # a paragraph may go on over the page break: keep collecting lines
        blocks.extend(_paragraphs(lines_before, left, right, pages[-1][0] if pages else "", pitch))
    return Document(blocks)
