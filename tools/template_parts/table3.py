"""表三, 收到和处理政府信息公开申请情况: three header rows, three label columns, 25 × 7 figures."""

from __future__ import annotations

import itertools

from annual_report.format import model as form

from .grid import Block, header_chars, table, text_columns
from .oxml import Element
from .page import (
    APPLICANT_HEADER,
    CELL_MARGIN_SMALL,
    ORGANISATION_HEADER,
    ROW_HEIGHT_TABLE3,
    S_TABLE_SMALL,
    SIZE_TABLE_SMALL,
    TABLE3_LABEL_CHARS,
    TABLE3_MIN_FIGURE_CHARS,
    TEXT_WIDTH,
)
from .paragraphs import var


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
        # at the top: the block of rows may break across pages, and a label centred over both
        # parts would be cut at the break (its first rows are kept together, see below)
        blocks.append(Block(start, 0, group, rows=len(rows), valign="top"))
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


def table3_keep_rows(first: int) -> set[int]:
    """The rows of 表三 kept with the row below. Between them the table may break, its header
    repeated: the header stays with the first row of figures; a merged group label
    (三、本年度办理结果) with its rows up to the end of its first sub-group, room enough for the
    label; each of （三）–（六） with all its sub-rows (their label is not split); the last two
    rows together."""
    keep = set(range(first))
    numbered = list(enumerate(form.APP_ROWS, start=first))
    for group, group_iter in itertools.groupby(numbered, key=lambda x: x[1].group):
        rows = list(group_iter)
        if not group:
            continue
        subgroups = [s for s in (row.subgroup for _, row in rows) if s]
        upto = max(r for r, row in rows if row.subgroup == subgroups[0]) if subgroups else None
        keep.update(r for r, _ in rows if upto is not None and r < upto)
        for subgroup, sub_iter in itertools.groupby(rows, key=lambda x: x[1].subgroup):
            sub_rows = [r for r, _ in sub_iter]
            if subgroup:
                keep.update(sub_rows[:-1])
    keep.add(first + len(form.APP_ROWS) - 2)
    return keep


def table3() -> Element:
    """表三, which may break across pages between groups of rows, its three header rows repeated
    on each page."""
    first = 3
    return table(
        table3_widths(),
        table3_blocks(),
        text_style=S_TABLE_SMALL,
        header_rows=first,
        row_height=ROW_HEIGHT_TABLE3,
        keep_rows=table3_keep_rows(first),
        margin=CELL_MARGIN_SMALL,
    )
