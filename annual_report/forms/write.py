"""Write one agency's fill-in form (an ``.xlsx`` made with openpyxl).

The form looks like the report: the narrative in large wrapped boxes, tables 二, 三 and 四 as
printed, the fee statement. Agency and year are filled in and locked; only input cells are
unlocked (sheet protection); figure cells carry data validation; totals are computed by formula
(and may be overwritten), and check cells show whether the figures add up.
"""

from __future__ import annotations

import copy
import io
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook import Workbook
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..format.model import APP_COLUMNS, FIELD_BY_KEY, Kind, app_key
from ..workbook.cells import put, set_value
from ..workbook.rows import AgencyRow
from ..workbook.values import is_blank
from .guide import write_guide
from .identity import FORM_FORMAT, FormIdentity, now, write_identity
from .layout import (
    BAD_MARK,
    OK_MARK,
    SHEET_T3,
    SHEET_TEXT,
    FormLayout,
    Formula,
    SheetLayout,
    form_layout,
    ref,
)
from .values import Cell, FormulaProblem, content_digest, resolve

FONT = "宋体"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT = PatternFill("solid", fgColor="FFF2CC")
_COMPUTED = PatternFill("solid", fgColor="DDEBF7")
_HEAD = PatternFill("solid", fgColor="F2F2F2")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_BOX = Alignment(horizontal="left", vertical="top", wrap_text=True)
_UNLOCKED = Protection(locked=False)
CORRECTION_FILL = PatternFill("solid", fgColor="FFC7CE")  # Excel's own "bad" red
NUMBER_FORMATS = {Kind.COUNT: "0", Kind.MONEY_WAN: "0.00##", Kind.MONEY_YUAN: "0.00"}


@dataclass
class FormContent:
    """What a form is issued with: a value or the form's own formula for every input cell."""

    agency: str
    year: int
    cells: dict[str, Cell]
    hints: dict[str, str] = field(default_factory=dict)  # key -> a note beside its cell
    # key -> what the master's check says is wrong there: the cell is marked and commented,
    # and 填表说明 lists them (a form issued again for a correction says what to correct)
    corrections: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return resolve(self.cells)


def _master_value(row: AgencyRow | None, key: str) -> Any:
    if row is None:
        return None
    if key in row.values:
        return row.values[key]
    raw = row.raw.get(key)
    return None if is_blank(raw) else raw


def prefill(agency: str, year: int, row: AgencyRow | None = None,
            previous: AgencyRow | None = None) -> FormContent:
    """The form's starting content: the master row's current figures and texts, else from last
    year's row this year's 上年结转 (= 结转下年度) and 现行有效 (from last year's); totals by
    formula unless the master holds a total that does not add up (kept, so the check shows it)."""
    layout = form_layout()
    cells: dict[str, Cell] = {key: _master_value(row, key) for key in layout.slots}
    hints: dict[str, str] = {}
    if previous is not None:
        for col, _label in APP_COLUMNS:
            key = app_key("carried_in", col)
            if cells[key] is None and col != "total":
                cells[key] = previous.figure(app_key("carried_over", col))
    master = dict(cells)
    for key, slot in layout.slots.items():
        formula = slot.computed
        if formula is None:
            continue
        if formula.const_pattern:
            start = previous.figure(key) if previous is not None else None
            if start is None:
                continue
            formula = formula.with_const(int(start))
            hints[key] = f"上年现行有效 {start} 件：本格＝{start}＋本年制发－本年废止，可改写"
        cells[key] = formula
    for _round in range(4):  # a kept total can change the totals computed from it
        try:
            computed = resolve(cells)
        except FormulaProblem:
            computed = {}
        kept = [k for k, v in cells.items() if isinstance(v, Formula)
                and master[k] is not None and computed.get(k) != master[k]]
        if not kept:
            break
        for key in kept:  # a master total that does not add up: shown as it is
            cells[key] = master[key]
            hints.pop(key, None)
    return FormContent(agency, year, cells, hints, _corrections(row, layout))


def _corrections(row: AgencyRow | None, layout: FormLayout) -> dict[str, str]:
    """The master row's errors on the form's cells, by field: what the agency is to correct."""
    if row is None:
        return {}
    from ..checks.run import check_row

    found: dict[str, str] = {}
    for finding in check_row(row):
        # a blank is to be filled, not corrected (a form issued first has blanks everywhere)
        if finding.is_error and finding.field in layout.slots \
                and _master_value(row, finding.field) is not None:
            found.setdefault(finding.field, finding.message)
    return found


def _font(size: float = 10.5, bold: bool = False, color: str = "000000",
          name: str = FONT) -> Font:
    return Font(name=name, size=size, bold=bold, color=color)


# name -> (font, fill, alignment, border)
_KINDS: dict[str, tuple[Font, PatternFill | None, Alignment, bool]] = {
    "title": (_font(16, True), None, _CENTER, False),
    "heading": (_font(13, True, name="黑体"), None, _LEFT, False),
    "section": (_font(12, name="黑体"), None, _LEFT, False),
    "tag": (_font(bold=True), _HEAD, _CENTER, True),
    "agency": (_font(12, True), None, _LEFT, True),
    "year": (_font(12, True), None, _CENTER, True),
    "head": (_font(bold=True), _HEAD, _CENTER, True),
    "check_label": (_font(9, color="595959"), None, _CENTER, True),
    "label": (_font(), None, _LEFT, True),
    "label_center": (_font(), None, _CENTER, True),
    "plain": (_font(), None, _CENTER, True),
    "check": (_font(9), None, _CENTER, True),
    "hint": (_font(9, color="595959"), None, _LEFT, False),
    "text": (_font(12), _INPUT, _BOX, True),
    "figure": (_font(11), _INPUT, _CENTER, True),
    "total": (_font(11, True), _COMPUTED, _CENTER, True),
}


class _Styles:
    """The cell styles of one workbook, each built once: openpyxl hashes every style object it
    is given, so copying a finished style (a few integers) is far cheaper than assigning anew."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, str, bool], Any] = {}

    def apply(self, cell: Any, kind: str = "plain", number_format: str = "General",
              locked: bool = True) -> None:
        key = (kind, number_format, locked)
        done = self._done.get(key)
        if done is not None:
            cell._style = copy.copy(done)
            return
        font, fill, align, border = _KINDS[kind]
        cell.font = font
        if fill is not None:
            cell.fill = fill
        cell.alignment = align
        if border:
            cell.border = _BORDER
        cell.number_format = number_format
        if not locked:
            cell.protection = _UNLOCKED
        self._done[key] = copy.copy(cell._style)


def _merge(ws: Worksheet, styles: _Styles, r1: int, c1: int, r2: int, c2: int,
           kind: str = "plain") -> None:
    """Merge a range, its cells framed (added directly: openpyxl's merge_cells would re-format
    the whole range cell by cell, which costs more than the rest of the form)."""
    if (r2, c2) == (r1, c1):
        return
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if (r, c) != (r1, c1):
                styles.apply(ws.cell(row=r, column=c), kind)
    ws.merged_cells.add(MergedCellRange(ws, f"{ref(r1, c1)}:{ref(r2, c2)}"))


def _header(ws: Worksheet, st: _Styles, sheet: SheetLayout, content: FormContent) -> None:
    w = sheet.width
    title = ws.cell(row=1, column=1, value=f"{content.year}年政府信息公开工作年度报告 填报表")
    st.apply(title, "title")
    _merge(ws, st, 1, 1, 1, w, "title")
    st.apply(ws.cell(row=2, column=1, value="填报机关"), "tag")
    name = put(ws, 2, 2, content.agency)
    st.apply(name, "agency")
    _merge(ws, st, 2, 2, 2, max(2, w - 2))
    st.apply(ws.cell(row=2, column=w - 1, value="报告年度"), "tag")
    st.apply(ws.cell(row=2, column=w, value=content.year), "year")
    heading = ws.cell(row=3, column=1, value=sheet.heading)
    st.apply(heading, "heading")
    _merge(ws, st, 3, 1, 3, w, "heading")
    for row, height in ((1, 30), (2, 24), (3, 24)):
        ws.row_dimensions[row].height = height


def _validation(kind: Kind, where: str) -> DataValidation:
    if kind is Kind.COUNT:
        return DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            showErrorMessage=True, errorTitle="只能填整数",
            error="请填写不小于 0 的整数；没有发生的填 0。", sqref=where)
    places = kind.decimals
    unit = "万元" if kind is Kind.MONEY_WAN else "元"
    return DataValidation(
        type="custom", formula1=f"AND(ISNUMBER({where}),{where}>=0,ROUND({where},{places})={where})",
        allow_blank=True, showErrorMessage=True, errorTitle="只能填金额",
        error=f"请填写不小于 0 的金额（单位：{unit}），最多 {places} 位小数；没有的填 0。",
        sqref=where)


def _write_value(cell: Any, value: Cell) -> None:
    if isinstance(value, Formula):
        cell.value = value.text()
        return
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    set_value(cell, value)


def _inputs(ws: Worksheet, st: _Styles, layout: FormLayout, content: FormContent) -> None:
    counts: list[str] = []
    for key, slot in layout.slots.items():
        if slot.sheet != ws.title:
            continue
        f = FIELD_BY_KEY[key]
        cell = ws.cell(row=slot.row, column=slot.col)
        _write_value(cell, content.cells.get(key))
        if f.kind.is_figure:
            kind = "total" if slot.computed else "figure"
            st.apply(cell, kind, NUMBER_FORMATS[f.kind], locked=False)
            if f.kind is Kind.COUNT:
                counts.append(slot.ref)
            else:
                ws.add_data_validation(_validation(f.kind, slot.ref))
        else:
            st.apply(cell, "text", locked=False)
        hint = content.hints.get(key)
        if hint:
            st.apply(ws.cell(row=slot.row, column=slot.col + 1, value=hint), "hint")
        correction = content.corrections.get(key)
        if correction:
            cell.fill = CORRECTION_FILL
            cell.comment = Comment(f"请更正：{correction}", "区政府办", width=320, height=120)
    if counts:
        ws.add_data_validation(_validation(Kind.COUNT, " ".join(counts)))


_LABEL_KINDS = {"section": "section", "head": "head", "check_label": "check_label"}


def _sheet(book: Workbook, st: _Styles, layout: FormLayout, name: str,
           content: FormContent) -> Worksheet:
    sheet = layout.sheets[name]
    ws: Worksheet = book.create_sheet(name)
    _header(ws, st, sheet, content)
    for label in layout.labels:
        if label.sheet != name:
            continue
        cell = put(ws, label.row, label.col, label.text)
        kind = _LABEL_KINDS.get(label.kind) or ("label_center" if label.end_row else "label")
        st.apply(cell, kind)
        _merge(ws, st, label.row, label.col, label.end_row or label.row,
               label.end_col or label.col, "section" if kind == "section" else "plain")
    for _s, r1, c1, r2, c2 in (m for m in layout.merges if m[0] == name):
        _merge(ws, st, r1, c1, r2, c2, "text" if name == SHEET_TEXT else "figure")
    _inputs(ws, st, layout, content)
    checks = [c for c in layout.checks if c.sheet == name]
    for check in checks:
        st.apply(ws.cell(row=check.row, column=check.col, value=check.formula), "check")
    if checks:
        cells = " ".join(ref(c.row, c.col) for c in checks)
        first = ref(checks[0].row, checks[0].col)
        ws.conditional_formatting.add(cells, FormulaRule(  # type: ignore[no-untyped-call]
            formula=[f'LEFT({first},1)="{BAD_MARK}"'], font=Font(color="C00000", bold=True)))
        ws.conditional_formatting.add(cells, FormulaRule(  # type: ignore[no-untyped-call]
            formula=[f'LEFT({first},1)="{OK_MARK}"'], font=Font(color="2E7D32")))
    for col, width in sheet.widths.items():
        ws.column_dimensions[ref(1, col)[:-1]].width = width
    for row in range(4, ws.max_row + 1):
        ws.row_dimensions[row].height = sheet.heights.get(row, 20 if name == SHEET_T3 else 22)
    ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths and heights may be changed
    ws.protection.formatRows = False
    return ws


def build_form(content: FormContent, *, issued_at: str | None = None,
               form_id: str | None = None, due: str | None = None) -> tuple[Workbook, FormIdentity]:
    """The form workbook and the identity it carries."""
    layout = form_layout()
    identity = FormIdentity(
        agency=content.agency, year=content.year, format=FORM_FORMAT,
        issued_at=issued_at or now(), form_id=form_id or secrets.token_hex(8),
        content=content_digest(content.values()))
    book = Workbook()
    default = book.active
    assert default is not None
    book.remove(default)
    styles = _Styles()
    for name in layout.sheets:
        _sheet(book, styles, layout, name, content)
    write_guide(book, content.agency, content.year, due,
                [(layout.slots[key].where, text) for key, text in content.corrections.items()])
    write_identity(book, identity)
    book.active = 0
    book.security = WorkbookProtection(lockStructure=True)
    book.properties.title = f"{content.agency}{content.year}年政府信息公开工作年度报告填报表"
    book.properties.creator = "annual_report"
    return book, identity


def form_bytes(content: FormContent, **kw: Any) -> tuple[bytes, FormIdentity]:
    book, identity = build_form(content, **kw)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), identity
