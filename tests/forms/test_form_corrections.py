"""A form issued again for a correction says what to correct: the cells the master's check finds
wrong are red with a comment, and 填表说明 lists them first (it prints; comments do not)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from annual_report.forms.guide import GUIDE_SHEET
from annual_report.forms.layout import form_layout
from annual_report.workbook.blank import write_workbook
from form_helpers import filled_records, form_of, issue, names


def test_a_reissued_form_marks_and_lists_what_to_correct(tmp_path: Path) -> None:
    agency = names(1)[0]
    record = filled_records(1)[agency]
    record["apps.new.natural"] = "5件"  # as collect merges a text typed into a figure
    master = write_workbook(tmp_path / "总表.xlsx", [record])
    form = form_of(issue(master, tmp_path / "表单"), agency)
    book = openpyxl.load_workbook(form)
    slot = form_layout().slots["apps.new.natural"]
    cell = book[slot.sheet][slot.ref]
    assert cell.value == "5件"
    assert cell.comment is not None and "「5件」不是数字" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    guide = [(a, b) for a, b in book[GUIDE_SHEET].iter_rows(min_row=2, values_only=True)]
    assert guide[0][0] == "需要更正" and "1 处" in guide[0][1]
    assert guide[1][0] == slot.where and "不是数字" in guide[1][1]
    others = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
              if c.comment is not None]
    assert others == [cell]  # nothing else is marked: blanks and right figures are not


def test_a_first_form_from_an_empty_row_marks_nothing(tmp_path: Path) -> None:
    agency = names(1)[0]
    master = write_workbook(tmp_path / "总表.xlsx", [{"agency": agency, "year": 2024}])
    book = openpyxl.load_workbook(form_of(issue(master, tmp_path / "表单"), agency))
    assert not [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert next(book[GUIDE_SHEET].iter_rows(min_row=2, values_only=True))[0] != "需要更正"
