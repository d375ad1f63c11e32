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
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import OutputError
from ..findings import Finding
from ..outputs import atomic_write_bytes
from ..workbook.cells import open_copy, set_value
from .catalog import rule_title
from .run import CheckReport

RESULT_SHEET = "校验结果"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
# The 单元格 column stays third; 键名 (for other programs) goes last, where a printout may lose it.
HEADERS = ("机关", "行", "单元格", "规则", "级别", "说明", "键名")
WIDTHS = (18, 5, 11, 16, 5, 62, 18)  # about 135 characters: a landscape A4 page at 100 %
LINE_HEIGHT = 15.5  # points, one line of 11 pt text (CJK glyphs included)
WRAP = Alignment(wrap_text=True, vertical="top")


def _open_copy(path: Path) -> openpyxl.Workbook:
    return open_copy(path, "批注副本")


def _text_width(text: str) -> int:
    """Width in Excel's column units: a CJK character takes two."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _fit_row_height(ws: Worksheet, row: int) -> None:
    """Row height for the wrapped texts: neither Excel nor LibreOffice grows a row on opening."""
    lines = 1
    for index, width in enumerate(WIDTHS, start=1):
        value = ws.cell(row=row, column=index).value
        if isinstance(value, str):
            lines = max(lines, -(-_text_width(value) // max(width - 1, 1)))
    ws.row_dimensions[row].height = LINE_HEIGHT * lines


def _print_layout(ws: Worksheet, title_rows: int, title_column: str | None,
                  fit_width: bool) -> None:
    """Landscape A4, header rows (and the agency column) on every page, comments at the end.

    ``cellComments="atEnd"`` is what Excel and WPS print at the end; LibreOffice reads only
    "asDisplayed" as "print the notes" — on its printouts the 校验结果 sheet carries every
    message with its cell anyway.
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.cellComments = "atEnd"
    ws.print_options.gridLines = True
    ws.print_title_rows = f"1:{title_rows}"
    if title_column is not None:
        ws.print_title_cols = f"{title_column}:{title_column}"
    if fit_width:  # every column on the page's width, as many pages down as it takes
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0


def _mark_cells(book: openpyxl.Workbook, findings: list[Finding]) -> set[str]:
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
        text = "\n".join(f"[{f.severity.label} {f.rule} {rule_title(f.rule)}] {f.message}"
                         for f in group)
        comment = Comment(text, "年度报告校验")
        comment.width = 420
        comment.height = min(60 + 40 * len(group), 400)
        cell.comment = comment
    return {ref.split("!", 1)[0] for ref in by_cell}


def _write_results(book: openpyxl.Workbook, findings: list[Finding]) -> None:
    if RESULT_SHEET in book.sheetnames:
        del book[RESULT_SHEET]
    ws = book.create_sheet(RESULT_SHEET, 0)
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = WRAP
    for finding in findings:
        ws.append([finding.agency, finding.row, finding.cell,
                   f"{finding.rule} {rule_title(finding.rule)}".strip(), finding.severity.label,
                   finding.message, finding.field])
        for cell in ws[ws.max_row]:
            set_value(cell, cell.value)  # an agency called "=…" is a name, not a formula
            cell.alignment = WRAP
        link = ws.cell(row=ws.max_row, column=3)
        sheet, coordinate = finding.cell.split("!", 1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet}'!{coordinate}",
                                   display=finding.cell)
        link.font = Font(color="0563C1", underline="single")
        ws.cell(row=ws.max_row, column=5).fill = ERROR_FILL if finding.is_error else WARNING_FILL
        _fit_row_height(ws, ws.max_row)
    if not findings:
        ws.append(["未发现问题"])
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    _print_layout(ws, 1, None, fit_width=True)


def write_annotated(report: CheckReport, dest: Path) -> Path:
    """Write the annotated copy to ``dest`` (an ``.xlsx``); the source workbook is untouched."""
    source = report.workbook.path
    if dest.resolve() == source.resolve():
        raise OutputError(f"批注副本不能覆盖原总表 {source.name}，请换一个文件名，如 总表-批注.xlsx。")
    book = _open_copy(source)
    marked = _mark_cells(book, report.findings)
    workbook = report.workbook
    if workbook.sheet in book.sheetnames:
        agency = workbook.columns.get("agency")
        _print_layout(book[workbook.sheet], workbook.header_row,
                      None if agency is None else get_column_letter(agency + 1), fit_width=False)
    for name in marked - {workbook.sheet}:
        if name in book.sheetnames:
            book[name].page_setup.cellComments = "atEnd"
    _write_results(book, report.findings)
    buffer = io.BytesIO()
    book.save(buffer)
    atomic_write_bytes(dest, buffer.getvalue())
    return dest
