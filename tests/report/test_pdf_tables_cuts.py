"""`cut_merges` in one pass against its definition, on random tables (hypothesis).

The definition, written the long way: for every row that may follow a break (the row above does
not keep with the next) and every continuing cell in it, walk up the column to the cell that
starts the merge (rows with no cell at the column are passed over); cut when that cell is
top-aligned and the row just above has a cell at the column.
"""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from annual_report.report.pdf_tables import _set_border, cut_merges

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _q(name: str) -> str:
    return f"{{{W}}}{name}"


def _keeps_with_next(tr: etree._Element) -> bool:
    tc = tr.find(_q("tc"))
    paragraph = tc.find(_q("p")) if tc is not None else None
    return paragraph is not None and paragraph.find(f"{_q('pPr')}/{_q('keepNext')}") is not None


def _grid_cells(tr: etree._Element) -> dict[int, etree._Element]:
    before = tr.find(f"{_q('trPr')}/{_q('gridBefore')}")
    column = int(before.get(_q("val"), "0")) if before is not None else 0
    cells: dict[int, etree._Element] = {}
    for tc in tr.iterchildren(_q("tc")):
        cells[column] = tc
        span = tc.find(f"{_q('tcPr')}/{_q('gridSpan')}")
        column += int(span.get(_q("val"), "1")) if span is not None else 1
    return cells


def _merge_state(tc: etree._Element) -> str | None:
    merge = tc.find(f"{_q('tcPr')}/{_q('vMerge')}")
    if merge is None:
        return None
    return "restart" if merge.get(_q("val")) == "restart" else "continue"


def _top_aligned(tc: etree._Element) -> bool:
    align = tc.find(f"{_q('tcPr')}/{_q('vAlign')}")
    return align is None or align.get(_q("val")) == "top"


def by_definition(table: etree._Element) -> int:
    rows = table.findall(_q("tr"))
    cuts = 0
    for r in range(1, len(rows)):
        if _keeps_with_next(rows[r - 1]):
            continue
        for column, tc in _grid_cells(rows[r]).items():
            if _merge_state(tc) != "continue":
                continue
            above = r - 1
            while above > 0 and _merge_state(_grid_cells(rows[above]).get(column, tc)) == "continue":
                above -= 1
            start = _grid_cells(rows[above]).get(column)
            before = _grid_cells(rows[r - 1])
            if (start is None or _merge_state(start) != "restart" or not _top_aligned(start)
                    or column not in before):
                continue
            merge = tc.find(f"{_q('tcPr')}/{_q('vMerge')}")
            assert merge is not None
            merge.set(_q("val"), "restart")
            _set_border(before[column], "bottom")
            _set_border(tc, "top")
            cuts += 1
    return cuts


cell = st.tuples(st.sampled_from(["restart", "continue", "continue", None]),  # merge state
                 st.sampled_from([None, "top", "center", "bottom"]),  # vAlign
                 st.sampled_from([1, 1, 1, 2]),  # gridSpan
                 st.booleans(),  # an existing tcBorders with a top edge
                 st.booleans())  # its paragraph keeps with the next (the first cell's counts)
row = st.tuples(st.integers(0, 2), st.lists(cell, min_size=0, max_size=4))
Cell = tuple[str | None, str | None, int, bool, bool]


def table_xml(rows: list[tuple[int, list[Cell]]]) -> etree._Element:
    parts = []
    for before, cells in rows:
        xml = "<w:tr>"
        if before:
            xml += f'<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>'
        for state, align, span, bordered, keep in cells:
            props = ""
            if span > 1:
                props += f'<w:gridSpan w:val="{span}"/>'
            if bordered:
                props += '<w:tcBorders><w:top w:val="single"/><w:bottom w:val="single"/></w:tcBorders>'
            if state == "restart":
                props += '<w:vMerge w:val="restart"/>'
            elif state == "continue":
                props += "<w:vMerge/>"
            if align:
                props += f'<w:vAlign w:val="{align}"/>'
            keep_next = '<w:pPr><w:jc w:val="center"/><w:keepNext/></w:pPr>' if keep else ""
            xml += f"<w:tc><w:tcPr>{props}</w:tcPr><w:p>{keep_next}<w:r><w:t>x</w:t></w:r></w:p></w:tc>"
        parts.append(xml + "</w:tr>")
    return etree.fromstring(f'<w:tbl xmlns:w="{W}">{"".join(parts)}</w:tbl>')


@settings(max_examples=400, deadline=None)
@given(st.lists(row, min_size=1, max_size=12))
def test_one_pass_cuts_as_the_definition(rows: list[tuple[int, list[Cell]]]) -> None:
    table = table_xml(rows)
    expected = copy.deepcopy(table)
    assert cut_merges(table) == by_definition(expected)
    assert etree.tostring(table) == etree.tostring(expected)
