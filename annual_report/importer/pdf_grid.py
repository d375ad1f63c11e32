"""The geometry of a PDF's tables that pdfplumber does not give: rows left open at a page break,
and one table's pieces on consecutive pages laid on one grid of columns.

A row broken over a page is drawn by some writers (Chromium; CSS ``box-decoration-break:
slice``) without a rule along the foot of the first page and the head of the next: its cells
are open boxes, and pdfplumber finds no table there. :func:`page_breaks` finds the
heights where the vertical rules of a table stop at the page's edge of the table with no
rule across, for pdfplumber to close them, and :func:`join_over_break` makes the open cells
on both sides of the break one. A table's pieces on two pages may be found with
different columns (a page has no row that tells two columns apart): :func:`regrid` lays each
piece on the union of both pieces' column edges, a cell covering every column under it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from .blocks import Cell, Table

_TOLERANCE = 1.5  # points: edges closer than this are one


@dataclass(frozen=True)
class PageBreak:
    """An edge of a table on a page (its foot, "bottom", or its head, "top") that is open:
    the vertical rules stop there, and along ``open`` (x spans) no rule runs across."""

    y: float
    side: str
    open: tuple[tuple[float, float], ...]

    def opens(self, box: tuple[float, float, float, float]) -> bool:
        """Whether a cell's box ends at this edge where it is open."""
        edge = box[3] if self.side == "bottom" else box[1]
        return abs(edge - self.y) < _TOLERANCE and any(
            min(box[2], x1) - max(box[0], x0) > _OPEN for x0, x1 in self.open)


def page_breaks(edges: list[dict[str, Any]]) -> list[PageBreak]:
    """Where a table's vertical rules all stop (lowest) or start (highest) and at least one
    cell there has no rule across: a row, or a merged cell, going on over the page break.
    Their heights are given to pdfplumber as rules, so that the open cells are found."""
    verticals = [e for e in edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 2]
    across = [e for e in edges if e["orientation"] == "h" and e["x1"] - e["x0"] > 2]
    if len(verticals) < 3:
        return []
    found: list[PageBreak] = []
    for side, end in (("bottom", "bottom"), ("top", "top")):
        ends = [float(e[end]) for e in verticals]
        y = max(ends) if side == "bottom" else min(ends)
        stopping = [e for e in verticals if abs(float(e[end]) - y) < _TOLERANCE]
        if len(stopping) < 3:
            continue
        left, right = min(float(e["x0"]) for e in stopping), max(float(e["x0"]) for e in stopping)
        spans = [(float(e["x0"]), float(e["x1"])) for e in across if abs(float(e["top"]) - y) < _TOLERANCE]
        gaps = tuple(g for g in _gaps(left, right, spans) if g[1] - g[0] > _OPEN)
        if gaps:
            found.append(PageBreak(y, side, gaps))
    return found


_OPEN = 5.0  # points of a table's edge without a rule: an open cell, not a rule's rounding


def _gaps(left: float, right: float, spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of ``left``–``right`` that none of ``spans`` covers."""
    gaps: list[tuple[float, float]] = []
    reach = left
    for x0, x1 in sorted(spans):
        if x0 > reach:
            gaps.append((reach, min(x0, right)))
        reach = max(reach, x1)
        if reach >= right:
            return gaps
    return [*gaps, (reach, right)]


def join_over_break(previous: Table, table: Table) -> None:
    """The piece of a table on the next page (``table``, laid on the same columns) goes on
    from ``previous``: a cell open at its head under a cell open at the foot above is the same
    cell (its text, if any, is added to it); a first row that is all such cells is the rest of
    the last row above and is removed."""
    if not previous.grid or not table.grid or previous.width != table.width:
        return
    last, first = previous.grid[-1], table.grid[0]
    added: list[Cell] = []
    for k, (above, below) in enumerate(zip(last, first, strict=True)):
        if below is above or not _among(below, table.open_top) \
                or not _among(above, previous.open_bottom):
            continue
        if below.text.strip() and not _among(below, added):
            added.append(below)
            above.text = "\n".join(t for t in (above.text, below.text) if t.strip())
        first[k] = above
    if all(a is b for a, b in zip(last, first, strict=True)):
        del table.grid[0]
    elif _rest_of_row(last, first):  # the row broke over the page, closed by rules on both sides
        for above, below in zip(last, first, strict=True):
            if below is not above and below.text.strip():
                above.text = "\n".join((above.text, below.text))
        del table.grid[0]


def _rest_of_row(last: list[Cell], first: list[Cell]) -> bool:
    """A first row that can only be the rest of the last row above: no words (no label, so no
    row of its own), text only under cells with text, and not under all of them (a row that
    wrapped in its longest cells)."""
    if any(_WORDS.search(c.text) for c in first):
        return False
    below = [bool(b.text.strip()) for b in first]
    above = [bool(a.text.strip()) for a in last]
    return any(below) and all(a for a, b in zip(above, below, strict=True) if b) \
        and sum(below) < sum(above)


_WORDS = re.compile(r"[\u2e80-\u9fff]")


def _among(cell: Cell, cells: list[Cell]) -> bool:
    return any(cell is c for c in cells)


def edges_of(values: list[float], tolerance: float = _TOLERANCE) -> list[float]:
    """Sorted positions, those closer than ``tolerance`` taken as one."""
    found: list[float] = []
    for v in sorted(values):
        if not found or v - found[-1] > tolerance:
            found.append(v)
    return found


# One table's rules on two pages may stand a few points apart (3.5 pt seen in a browser's PDF);
# columns are far wider than that.
ACROSS_PAGES = 4.0


def same_frame(xs: list[float], other: list[float]) -> bool:
    """Two pieces of one table: the same right edge, or the same left edge (a merged cell
    down one side with no rule across on a page is not found as a column there)."""
    return bool(xs and other) and (abs(xs[0] - other[0]) <= ACROSS_PAGES
                                   or abs(xs[-1] - other[-1]) <= ACROSS_PAGES)


def regrid(grid: list[list[Cell]], xs: list[float], union: list[float]) -> list[list[Cell]]:
    """``grid`` (columns between ``xs``) on the finer columns ``union``: the cell of a column
    stands in every union column whose middle lies in it."""
    mapping: list[int | None] = []
    for k in range(len(union) - 1):
        middle = (union[k] + union[k + 1]) / 2
        mapping.append(next((j for j in range(len(xs) - 1) if xs[j] <= middle < xs[j + 1]), None))
    return [[row[j] if j is not None and j < len(row) else Cell("") for j in mapping]
            for row in grid]


_STRIKE_BAND = (0.3, 0.8)  # where a line through a character strikes it out: its middle, not
# its top or foot (an underline, the border of its cell)


def without_struck(chars: list[dict[str, Any]], edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The characters not struck through: a horizontal line across the middle of a character
    deletes it (a tracked change shown in the PDF: 「280」 struck out before 「286」 is no part of
    the figure, as in the document, where the deletion is no text)."""
    if not edges or not chars:
        return chars
    lines = sorted((float(e["top"]), float(e["x0"]), float(e["x1"])) for e in edges)
    heights = [y for y, _x0, _x1 in lines]
    kept = []
    for ch in chars:
        top, bottom = float(ch["top"]), float(ch["bottom"])
        size = bottom - top
        middle = (float(ch["x0"]) + float(ch["x1"])) / 2
        low = bisect.bisect_left(heights, top + _STRIKE_BAND[0] * size)
        high = bisect.bisect_right(heights, top + _STRIKE_BAND[1] * size)
        if size > 0 and any(x0 <= middle <= x1 for _y, x0, x1 in lines[low:high]):
            continue
        kept.append(ch)
    return kept
