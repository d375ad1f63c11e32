"""Writing values into openpyxl cells as the type they are.

openpyxl takes any text that starts with ``=`` for a formula; a name, a narrative or a file name
read from a user's cell must stay text (``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` typed in a
CSV is not to become a live formula in a workbook we write). Every workbook writer of the package
puts values through :func:`set_value` / :func:`put`.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet


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

