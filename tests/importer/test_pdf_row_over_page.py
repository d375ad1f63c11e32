"""A table row that broke over a page with rules drawn on both sides of the break (LibreOffice
does so): the piece on the next page starts with the rest of that row, not with a second, blank
printing of the figures above it (table 四 read 0 of 15 from such a PDF before)."""

from __future__ import annotations

from annual_report.importer.blocks import Cell, Table
from annual_report.importer.pdf_grid import join_over_break


def _pieces(last: list[str], first: list[str]) -> tuple[Table, Table]:
    header = [Cell("结果维持") for _ in last]
    return Table([header, [Cell(t) for t in last]]), Table([[Cell(t) for t in first]])


def test_the_rest_of_the_last_row() -> None:
    previous, table = _pieces(["1", "2", "3", "13"], ["", "", "", "4"])
    join_over_break(previous, table)
    assert [c.text for c in previous.grid[-1]] == ["1", "2", "3", "13\n4"]
    assert table.grid == []


def test_a_row_of_its_own_stays() -> None:
    for first in (["", "", "", "合计"], ["5", "6", "", ""], ["5", "", "7", "8"]):
        previous, table = _pieces(["1", "", "3", "13"], first)
        join_over_break(previous, table)
        assert [c.text for c in previous.grid[-1]] == ["1", "", "3", "13"], first
        assert [c.text for c in table.grid[0]] == first
