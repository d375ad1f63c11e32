"""表二, 主动公开政府信息情况: one block of rows per 第二十条 item."""

from __future__ import annotations

import itertools

from annual_report.format import model as form

from .grid import Block, split_width, table
from .oxml import Element
from .page import CONTENT_HEADER, ROW_HEIGHT_TABLE2, S_TABLE_TEXT, TABLE2_WEIGHTS
from .paragraphs import var


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


def table2() -> Element:
    """表二, kept whole on one page (every row kept with the row below; it is under half a page,
    so moving it leaves less than half a page blank)."""
    blocks = table2_blocks()
    n_rows = max(b.row for b in blocks) + 1
    keep = range(n_rows - 1)
    return table(
        split_width(TABLE2_WEIGHTS),
        blocks,
        text_style=S_TABLE_TEXT,
        header_rows=0,
        row_height=ROW_HEIGHT_TABLE2,
        keep_rows=keep,
    )
