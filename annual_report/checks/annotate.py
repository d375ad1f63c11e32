"""Write an annotated copy of the checked workbook: bad cells filled and commented.

Errors are filled red, warnings yellow; each marked cell carries an Excel comment with the
messages. A sheet 校验结果 lists every finding with a link to its cell. The original is never
modified; for ``.xls``, ``.ods`` and ``.csv`` inputs the copy is a new ``.xlsx`` with the values.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from ..errors import OutputError
from ..findings import Finding
from ..outputs import atomic_write_bytes
from ..workbook.cells import open_copy
from .run import CheckReport

RESULT_SHEET = "校验结果"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
HEADERS = ("机关", "行", "单元格", "键名", "规则", "级别", "说明")


def _open_copy(path: Path) -> openpyxl.Workbook:
    return open_copy(path, "批注副本")


def _mark_cells(book: openpyxl.Workbook, findings: list[Finding]) -> None:
    by_cell: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_cell[finding.cell].append(finding)
    for ref, group in by_cell.items():
        sheet, coordinate = ref.split("!", 1)
        if sheet not in book.sheetnames:
            continue
        cell = book[sheet][coordinate]
        has_error = any(f.is_error for f in group)
        cell.fill = ERROR_FILL if has_error else WARNING_FILL
        text = "\n".join(f"[{f.severity.label} {f.rule}] {f.message}" for f in group)
        comment = Comment(text, "年度报告校验")
        comment.width = 420
        comment.height = min(60 + 40 * len(group), 400)
        cell.comment = comment


def _write_results(book: openpyxl.Workbook, findings: list[Finding]) -> None:
    if RESULT_SHEET in book.sheetnames:
        del book[RESULT_SHEET]
    ws = book.create_sheet(RESULT_SHEET, 0)
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for finding in findings:
        ws.append([finding.agency, finding.row, finding.cell, finding.field, finding.rule,
                   finding.severity.label, finding.message])
        link = ws.cell(row=ws.max_row, column=3)
        sheet, coordinate = finding.cell.split("!", 1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet}'!{coordinate}",
                                   display=finding.cell)
        link.font = Font(color="0563C1", underline="single")
        ws.cell(row=ws.max_row, column=6).fill = ERROR_FILL if finding.is_error else WARNING_FILL
    if not findings:
        ws.append(["未发现问题"])
    for column, width in zip("ABCDEFG", (30, 6, 14, 28, 8, 8, 90), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"


def write_annotated(report: CheckReport, dest: Path) -> Path:
    """Write the annotated copy to ``dest`` (an ``.xlsx``); the source workbook is untouched."""
    source = report.workbook.path
    if dest.resolve() == source.resolve():
        raise OutputError(f"批注副本不能覆盖原总表 {source.name}，请换一个文件名，如 总表-批注.xlsx。")
    book = _open_copy(source)
    _mark_cells(book, report.findings)
    _write_results(book, report.findings)
    buffer = io.BytesIO()
    book.save(buffer)
    atomic_write_bytes(dest, buffer.getvalue())
    return dest
