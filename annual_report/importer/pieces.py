"""Tables printed in pieces joined into one before their figures are read: across page breaks,
several ``w:tbl`` in a row, a 「续表」 between them, a header repeated on each piece, a row broken
over the break, and a piece that lacks the cells of merges carried over the split.
"""

from __future__ import annotations

import re

from .blocks import Block, Cell, Para, Table, norm
from .tables import _ITEMS, _first, app_row, is_label


def merge_split_tables(blocks: list[Block]) -> list[Block]:
    """Tables printed in pieces (page breaks, several ``w:tbl`` in a row) joined into one:
    a table that directly follows another, with the same width or no header of its own."""
    merged: list[Block] = []
    for block in blocks:
        previous = merged[-1] if merged else None
        if isinstance(block, Table) and isinstance(previous, Table) and block.grid:
            if block.width == previous.width:
                header = _repeated_header(previous, block)
                _realign(previous, block, header)
                first = header
                if first < len(block.grid) and previous.grid \
                        and _broken(previous.grid[-1], block.grid[first]):
                    _join_row(previous.grid[-1], block.grid[first])
                    first += 1
                previous.take(block, block.grid[first:], first)
                continue
            if block.width < previous.width and not _has_header(block):
                pad = previous.width - block.width
                previous.take(block, [[Cell("") for _ in range(pad)] + row for row in block.grid], 0)
                continue
        if isinstance(block, Para) and isinstance(previous, Table) and _between(block.text):
            continue
        merged.append(block)
    return merged


def _repeated_header(previous: Table, block: Table) -> int:
    """How many first rows of ``block`` repeat the table's header (a heading row repeated on
    every page: Word's 「重复标题行」, a web page's <thead>); they hold labels only."""
    count = 0
    for top, row in zip(previous.grid, block.grid, strict=False):
        if _has_values(row) or [norm(c.text) for c in top] != [norm(c.text) for c in row]:
            break
        count += 1
    return count


def _realign(previous: Table, block: Table, start: int = 0) -> None:
    """The first rows of ``block`` that cover fewer positions than the table: a table split
    inside a merge (「三、本年度办理结果」 down the side) lacks the merged cells there, and its
    figures would stand one or two columns too far left. The cells are taken from the row above,
    where they are labels (their merge goes on)."""
    above = previous.grid[-1] if previous.grid else None
    for r, row in enumerate(block.grid[start:], start=start):  # after a repeated header
        filled = block.filled.get(r)
        if above is None or filled is None:
            return
        missing = previous.width - filled
        if missing <= 0 or not all(is_label(c) or not c.text.strip() for c in above[:missing]):
            return
        row[:] = above[:missing] + row[:filled]
        above = row


_CONTINUED = re.compile(r"^[（(]?\s*续\s*(表[一二三四1-4]?)?\s*[）)]?[:：]?$|^[—\-\s]*\d{1,3}[—\-\s]*$")


def _between(text: str) -> bool:
    """A paragraph that may stand between two pieces of one table (「续表」, a page number)."""
    return not text.strip() or bool(_CONTINUED.match(text.strip()))


def _has_values(row: list[Cell]) -> bool:
    return any(c.text.strip() and not is_label(c) for c in row)


def _broken(last: list[Cell], first: list[Cell]) -> bool:
    """The first row of a table's next piece is the rest of the piece's last row (a row broken
    over a page): it has label text only, or the row above has no figures of its own."""
    if not any(is_label(c) for c in first) or _has_header(Table([first])):
        return False
    if all(c is first[0] for c in first):
        return False  # one cell across the table: a caption (「第二十条第（五）项」), a title
    if not _has_values(first):
        return True  # only the rest of the labels
    if any(app_row(c.text) or _first(c.text, _ITEMS) for c in first if is_label(c)):
        return False  # a whole row of its own: its label names a row of the format
    return not _has_values(last)


def _join_row(last: list[Cell], rest: list[Cell]) -> None:
    done: list[Cell] = []
    for c, (top, bottom) in enumerate(zip(last, rest, strict=True)):
        if any(top is d for d in done) or not bottom.text.strip():
            continue
        done.append(top)
        if not top.text.strip():
            last[c] = bottom
        elif is_label(top) and is_label(bottom):
            top.text = top.text + bottom.text
        # a figure is never glued to anything: _broken() refused two figures meeting


def _has_header(table: Table) -> bool:
    first = " ".join(c.text for c in table.grid[0])
    return any(word in norm(first) for word in ("自然人", "申请人", "结果维持", "信息内容", "本年制发"))
