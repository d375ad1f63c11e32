"""Writing values into openpyxl cells as the type they are.

openpyxl takes any text that starts with ``=`` for a formula; a name, a narrative or a file name
read from a user's cell must stay text (``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` typed in a
CSV is not to become a live formula in a workbook we write). Every workbook writer of the package
puts values through :func:`set_value` / :func:`put`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import InputError
from .sheets import load_grids


def set_value(cell: Cell | MergedCell, value: Any) -> None:
    """Give a cell a value; a text stays text even when it starts with ``=``."""
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one value at (row, column) as its own type and return the cell."""
    cell = ws.cell(row=row, column=column)
    set_value(cell, value)
    assert isinstance(cell, Cell)
    return cell



def open_copy(path: Path, purpose: str) -> Workbook:
    """A workbook to write a copy of ``path`` into: the file itself for ``.xlsx``/``.xlsm``
    (formatting, other sheets and comments kept), else its sheets' values in a new workbook.
    ``purpose`` names the copy in the message (批注副本, 汇总副本 …)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            return openpyxl.load_workbook(path, keep_vba=suffix == ".xlsm")
        except Exception as exc:
            raise InputError(
                f"无法打开 {path.name} 来写{purpose}：文件可能已损坏。请在 Excel 或 WPS 中打开并另存为 "
                ".xlsx 后重试。") from exc
    book = openpyxl.Workbook()
    first = True
    for name, grid in load_grids(path):
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        ws.title = name[:31]
        first = False
        for row in grid:
            ws.append([None if v == "" else v for v in row])
            for cell in ws[ws.max_row]:  # a text read from a CSV stays a text
                set_value(cell, cell.value)
    return book
