"""``rollup``: a copy of the master whose aggregate rows hold their children's sums, plus 汇总.

The copy keeps every sheet and format of the master (openpyxl); only blank figure cells of
aggregate rows are written (light green), each aggregate gets notes for the office, and the sheet
汇总 (:mod:`.summary`) with its charts (:mod:`.charts`) is added, its formulas' values cached
(:mod:`.cached`). The master itself is never written, and the copy appears whole or not at all.
The copy is then checked like any master, so the result reports exactly what ``check`` would.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from ..checks.aggregate import IN_FORCE_KEYS, child_sum, read_hierarchy, summed_keys
from ..checks.run import CheckReport, check_workbook, usual_year
from ..errors import OutputError
from ..findings import Finding
from ..outputs import atomic_write_bytes
from ..workbook.cells import open_copy
from ..workbook.rows import AgencyRow, ReadOptions, Workbook, read_workbook
from ..workbook.sheets import MAIN_SHEET
from .cached import Cached, with_cached_values
from .charts import add_charts
from .notes import NARRATIVE_KEYS, NOTE_AUTHOR, figures_note, filled_note, in_force_note
from .summary import SUMMARY_SHEET, plan_blocks, write_summary
from .sums import Rolled, roll_up

FILLED = PatternFill("solid", fgColor="E2EFDA")


@dataclass(frozen=True)
class RollupOptions:
    sum_in_force: bool = False  # 现行有效 summed like the other figures
    sheet: str | None = None


@dataclass
class RollupResult:
    into: Path
    aggregates: list[str]  # the aggregate rows, top level first
    filled: dict[str, int]  # aggregate -> cells filled with sums
    report: CheckReport  # the check of the written copy
    charts: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def aggregate_findings(self) -> list[Finding]:
        return [f for f in self.report.findings if f.rule.startswith("A")]


def _open_copy(path: Path) -> openpyxl.Workbook:
    return open_copy(path, "汇总副本")


def _formula_values(path: Path, book: openpyxl.Workbook) -> dict[str, dict[str, Cached]]:
    """The values the master's own formulas had (sheet -> coordinate -> value): openpyxl keeps
    a formula but not its value, and check and build read values only (``=SUM(...)`` totals are
    common in masters)."""
    formulas = {ws.title: [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
                for ws in book.worksheets if ws.title != SUMMARY_SHEET}
    if not any(formulas.values()) or path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    values = openpyxl.load_workbook(path, data_only=True)
    found: dict[str, dict[str, Cached]] = {}
    for sheet, cells in formulas.items():
        ws = values[sheet]
        found[sheet] = {}
        for ref in cells:
            value = ws[ref].value
            if isinstance(value, (int, float, str, bool, Decimal)):
                found[sheet][ref] = value
    return found


def _comment(ws: Worksheet, row: AgencyRow, key: str, text: str) -> None:
    cell = ws.cell(row=row.row, column=row.columns[key] + 1)
    if cell.comment is not None and NOTE_AUTHOR not in (cell.comment.author or ""):
        text = f"{cell.comment.text}\n\n{text}"
    note = Comment(text, NOTE_AUTHOR)
    note.width, note.height = 460, min(80 + 22 * text.count("\n") + len(text) // 2, 480)
    cell.comment = note


def _write_rows(ws: Worksheet, workbook: Workbook, rolled: Rolled, options: RollupOptions) -> None:
    hierarchy = read_hierarchy(workbook.rows)
    year = usual_year(workbook.rows)
    for fill in rolled.fills:
        cell = ws.cell(row=fill.row.row, column=fill.row.columns[fill.key] + 1)
        cell.value = fill.value
        cell.fill = FILLED
    counts: dict[int, int] = {}
    for fill in rolled.fills:
        counts[fill.row.row] = counts.get(fill.row.row, 0) + 1
    for aggregate in hierarchy.aggregates_bottom_up():
        kids = hierarchy.kids(aggregate)
        names = [k.agency for k in kids]
        if counts.get(aggregate.row):
            _comment(ws, aggregate, "agency", filled_note(counts[aggregate.row], names))
        note = figures_note(year, names, functools.partial(rolled.value, aggregate))
        for key in NARRATIVE_KEYS:
            if key in aggregate.columns:
                _comment(ws, aggregate, key, note)
        if options.sum_in_force:
            continue
        for key in IN_FORCE_KEYS:
            if key in aggregate.columns and aggregate.figure(key) is None:
                _comment(ws, aggregate, key, in_force_note(key, child_sum(kids, key)))


def rollup_workbook(path: Path | str, into: Path | str,
                    options: RollupOptions | None = None) -> RollupResult:
    """Write the rolled-up copy of ``path`` to ``into`` (an ``.xlsx``) and check it."""
    options = options or RollupOptions()
    path, into = Path(path), Path(into)
    if into.suffix.lower() != ".xlsx":
        raise OutputError(f"汇总副本是 Excel 工作簿，文件名请以 .xlsx 结尾（现在是 {into.name}）。")
    if into.exists() and path.exists() and into.resolve() == path.resolve():
        raise OutputError(f"汇总副本不能覆盖原总表 {path.name}，请另起一个文件名，如 总表-汇总.xlsx。")
    workbook = read_workbook(path, ReadOptions(sheet=options.sheet))
    hierarchy = read_hierarchy(workbook.rows)
    rolled = roll_up(workbook.rows, hierarchy, summed_keys(options.sum_in_force))
    book = _open_copy(path)
    master = workbook.sheet if workbook.sheet in book.sheetnames else MAIN_SHEET
    _write_rows(book[master], workbook, rolled, options)
    notes: list[str] = []
    if SUMMARY_SHEET in book.sheetnames:
        del book[SUMMARY_SHEET]
        notes.append(f"原有的“{SUMMARY_SHEET}”工作表在副本中已换成新算的汇总表（原总表未改动）。")
    ws = book.create_sheet(SUMMARY_SHEET)
    summary = write_summary(ws, master, plan_blocks(workbook.rows, hierarchy), rolled,
                            usual_year(workbook.rows))
    charts = add_charts(ws, summary)
    book.calculation.fullCalcOnLoad = True  # Excel and WPS recompute the formulas on opening
    buffer = io.BytesIO()
    book.save(buffer)
    cached = {**_formula_values(path, book), SUMMARY_SHEET: dict(summary.cached)}
    atomic_write_bytes(into, with_cached_values(buffer.getvalue(), cached))
    report = check_workbook(into, ReadOptions(sheet=master), sum_in_force=options.sum_in_force)
    filled: dict[str, int] = {}
    for fill in rolled.fills:
        filled[fill.row.agency] = filled.get(fill.row.agency, 0) + 1
    aggregates = [b.head.agency for b in summary.blocks if b.head is not None]
    if not hierarchy.children:
        notes.append("总表中没有填写“汇总到”的行，所以没有汇总行可填；“汇总”工作表列出了全部机关及合计。"
                     "要出全区汇总报告，请按“填表说明”新增一行汇总行，并在各机关的“汇总到”填它的机关全称。")
    return RollupResult(into, aggregates, filled, report, charts, notes)
