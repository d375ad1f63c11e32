"""A bordered table of fixed layout built from merged cells (:class:`Block`), and column widths."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from .oxml import Attrs, Element, el
from .page import CELL_MARGIN, S_TABLE_GRID, TEXT_WIDTH, WIDTH_SLACK
from .paragraphs import paragraph
from .styles import borders, cell_margins


@dataclass(frozen=True)
class Block:
    """A (possibly merged) cell: top-left grid position, extent, text and vertical alignment."""

    row: int
    col: int
    text: str
    rows: int = 1
    cols: int = 1
    valign: str = "center"


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
                        el("w:vAlign", {"w:val": b.valign}),
                    ),
                    paragraph(b.text if r == b.row else "", text_style, keep_next=r in keep_rows),
                )
            )
        tbl.append(tr)
    return tbl
