"""The sheet 收表记录 of the master: every return that came in, and what was done with it.

One row per return: the agency, what happened (merged, unchanged, conflict, older, error), the
file, when it was received, which issue of the form it was (issue time, form number), its SHA-256,
the cells it changed and the check result of the merged row. ``collect`` reads it to apply no
return twice and never let an older return overwrite a newer one; ``status`` reads it to tell
who has returned a form.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook import Workbook

from ..clock import shown
from ..workbook.cells import put
from .identity import parse_time

LEDGER_SHEET = "收表记录"


class State(enum.StrEnum):
    MERGED = "已合并"
    UNCHANGED = "交回未改动"
    CONFLICT = "冲突未合并"
    OLDER = "较旧未合并"
    ERROR = "有错误未合并"


@dataclass
class LedgerRow:
    agency: str
    state: str
    file: str
    received_at: str
    issued_at: str
    form_id: str
    sha256: str
    changed_count: int
    changed: str
    check: str
    recorded_at: str

    def order(self) -> tuple[dt.datetime, dt.datetime]:
        """Which of two returns is the newer: the later issue of the form, then the later
        received."""
        return _time(self.issued_at), _time(self.received_at)


HEADERS = ("机关全称", "状态", "文件", "收到时间", "表单发出时间", "表单编号", "SHA-256",
           "改动单元格数", "改动的单元格", "合并后校验", "处理时间")
WIDTHS = (30, 12, 50, 21, 21, 18, 20, 8, 60, 50, 21)


def _time(text: str) -> dt.datetime:
    try:
        return parse_time(text)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)


def show_time(moment: dt.datetime) -> str:
    return shown(moment)


def _rows(grid: list[list[Any]]) -> list[LedgerRow]:
    if not grid:
        return []
    head = [str(c).strip() for c in grid[0]]
    index = {name: head.index(name) for name in HEADERS if name in head}
    if "机关全称" not in index or "状态" not in index:
        return []
    found: list[LedgerRow] = []
    names = [f.name for f in fields(LedgerRow)]
    for cells in grid[1:]:
        values: dict[str, Any] = {}
        for name, header in zip(names, HEADERS, strict=True):
            c = index.get(header)
            raw = cells[c] if c is not None and c < len(cells) else ""
            values[name] = "" if raw is None else raw
        if not str(values["agency"]).strip():
            continue
        try:
            values["changed_count"] = int(float(values["changed_count"] or 0))
        except (TypeError, ValueError):
            values["changed_count"] = 0
        for name in names:
            if name != "changed_count":
                values[name] = str(values[name]).strip()
        found.append(LedgerRow(**values))
    return found


def read_ledger(book: Workbook) -> list[LedgerRow]:
    if LEDGER_SHEET not in book.sheetnames:
        return []
    ws = book[LEDGER_SHEET]
    return _rows([list(r) for r in ws.iter_rows(values_only=True)])


def read_ledger_file(path: Path) -> list[LedgerRow]:
    """The ledger of a master in any format (for ``status``); empty when it has none."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        if LEDGER_SHEET not in book.sheet_names:
            return []
        return _rows(book.get_sheet_by_name(LEDGER_SHEET).to_python())
    except Exception:  # the master itself is read (and its problems told) elsewhere
        return []


def append_rows(book: Workbook, rows: list[LedgerRow]) -> None:
    if LEDGER_SHEET in book.sheetnames:
        ws = book[LEDGER_SHEET]
    else:
        ws = book.create_sheet(LEDGER_SHEET)
        ws.append(list(HEADERS))
        for cell, width in zip(ws[1], WIDTHS, strict=True):
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            ws.column_dimensions[cell.column_letter].width = width
        ws.freeze_panes = "B2"
    for row in rows:
        r = ws.max_row + 1
        for c, f in enumerate(fields(LedgerRow), start=1):
            value = getattr(row, f.name)
            cell = put(ws, r, c, value)  # a file name starting with "=" stays text
            cell.alignment = Alignment(vertical="top", wrap_text=f.name in ("changed", "check"))
