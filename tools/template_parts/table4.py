"""表四, 政府信息公开行政复议、行政诉讼情况: a two-level header over one data row."""

from __future__ import annotations

import itertools

from annual_report.format import model as form

from .grid import Block, split_width, table
from .oxml import Element
from .page import ROW_HEIGHT_TABLE4, S_TABLE_TEXT, TABLE4_WEIGHT
from .paragraphs import var


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
