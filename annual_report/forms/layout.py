"""Where everything sits on a form: one declaration that the writer and the reader share.

A form has one sheet per part of the report (正文, 表二, 表三, 表四, 信息处理费), laid out as the
report prints its tables; every label comes from :mod:`annual_report.format.model`. The layout
lists the label cells (also used to recognise a form whose structure was changed), the input cell
of every field (:class:`Slot`), the totals the form computes by formula, and the check formulas
that show an agency whether its figures add up.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from ..format.model import (
    APP_COLUMN_LABEL,
    APP_COLUMNS,
    APP_ROWS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    APPLICANT_COLUMNS,
    APPLICANT_HEADER,
    ARTICLE_ITEMS,
    CONTENT_HEADER,
    DECISIONS_LABEL,
    DOC_COLUMNS,
    FEES_LABEL,
    FIELD_BY_KEY,
    G_FEE,
    ORGANISATION_HEADER,
    RESULT_ROWS,
    RESULTS,
    SECTION_BY_ID,
    TABLE3_NOTE,
    TEXT_FIELDS,
    app_key,
    appeal_key,
)

SHEET_TEXT = "正文"
SHEET_T2 = "表二"
SHEET_T3 = "表三"
SHEET_T4 = "表四"
SHEET_FEE = "信息处理费"
FORM_SHEETS = (SHEET_TEXT, SHEET_T2, SHEET_T3, SHEET_T4, SHEET_FEE)
HEADER_ROWS = 3  # title, agency and year, section heading
OK_MARK = "✓"
BAD_MARK = "✗"


def ref(row: int, col: int) -> str:
    """1-based row and column -> ``D7``."""
    return f"{get_column_letter(col)}{row}"


@dataclass(frozen=True)
class Formula:
    """A total the form computes: the sum of ``plus`` minus ``minus`` plus a constant.

    ``const_pattern`` marks a formula whose constant is chosen when the form is issued (last
    year's 现行有效): any whole number is accepted there when a returned form is read.
    """

    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()
    const: int = 0
    const_pattern: bool = False

    def text(self) -> str:
        if not self.minus and not self.const and len(self.plus) > 1:
            return f"=SUM({self.plus[0]}:{self.plus[-1]})"
        parts = [str(self.const)] if self.const or self.const_pattern else []
        parts += list(self.plus)
        text = "+".join(parts) + "".join(f"-{r}" for r in self.minus)
        return "=" + text

    def with_const(self, const: int) -> Formula:
        return Formula(self.plus, self.minus, const, self.const_pattern)

    def as_written(self, formula: str) -> Formula | None:
        """This formula as found in a returned form's cell, or None when the cell holds another
        formula (the constant of a ``const_pattern`` formula is taken from the cell)."""
        if not self.matches(formula):
            return None
        if not self.const_pattern:
            return self
        found = re.match(r"\d+", normalise_formula(formula))
        return self.with_const(int(found.group())) if found else None

    def matches(self, formula: str) -> bool:
        """``formula`` (as written by any office suite) is this formula."""
        mine = normalise_formula(self.text())
        theirs = normalise_formula(formula)
        if not self.const_pattern:
            return mine == theirs
        rest = normalise_formula(self.with_const(0).text())[1:]  # after the constant "0"
        return re.fullmatch(r"\d+" + re.escape(rest), theirs) is not None


_FORMULA_NOISE = re.compile(r"[\s$\[\].]")


def normalise_formula(text: str) -> str:
    """``of:=SUM([.D7:.I7])`` (ODF) and ``=sum($D$7:I7)`` both become ``SUM(D7:I7)``."""
    text = text.strip()
    if text.lower().startswith("of:"):
        text = text[3:]
    return _FORMULA_NOISE.sub("", text.lstrip("=")).upper()


@dataclass(frozen=True)
class Slot:
    """The input cell of one field."""

    key: str
    sheet: str
    row: int
    col: int
    computed: Formula | None = None  # the total the form computes here unless overwritten

    @property
    def ref(self) -> str:
        return ref(self.row, self.col)

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.ref}"


@dataclass(frozen=True)
class Label:
    sheet: str
    row: int
    col: int
    text: str
    end_row: int = 0  # merged down to this row (0: not merged)
    end_col: int = 0
    kind: str = "label"  # label, head (table header), section, note, check_label

    @property
    def ref(self) -> str:
        return ref(self.row, self.col)


@dataclass(frozen=True)
class Check:
    """A cell showing whether entered figures add up (✓ or ✗ with the expected figure)."""

    sheet: str
    row: int
    col: int
    formula: str


@dataclass
class SheetLayout:
    name: str
    width: int  # columns used
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    landscape: bool = False
    heading: str = ""


@dataclass
class FormLayout:
    sheets: dict[str, SheetLayout]
    labels: list[Label]
    slots: dict[str, Slot]
    checks: list[Check]
    merges: list[tuple[str, int, int, int, int]]  # input areas merged: sheet, r1, c1, r2, c2

    def slot(self, key: str) -> Slot:
        return self.slots[key]


def _check_sum(parts: str, total: str, blank_test: str = "") -> str:
    ok = f'IF(SUM({parts})={total},"{OK_MARK}","{BAD_MARK} 应为 "&SUM({parts}))'
    return f'=IF({blank_test},"待填",{ok})' if blank_test else "=" + ok


class _Builder:
    def __init__(self) -> None:
        self.layout = FormLayout({}, [], {}, [], [])

    def sheet(self, name: str, width: int, heading: str, **kw: object) -> SheetLayout:
        sheet = SheetLayout(name, width, heading=heading, **kw)  # type: ignore[arg-type]
        self.layout.sheets[name] = sheet
        return sheet

    def label(self, sheet: str, row: int, col: int, text: str, end_row: int = 0,
              end_col: int = 0, kind: str = "label") -> None:
        self.layout.labels.append(Label(sheet, row, col, text, end_row, end_col, kind))

    def slot(self, key: str, sheet: str, row: int, col: int,
             computed: Formula | None = None) -> Slot:
        if key not in FIELD_BY_KEY:  # pragma: no cover - guards the layout below
            raise AssertionError(key)
        slot = Slot(key, sheet, row, col, computed)
        self.layout.slots[key] = slot
        return slot

    def check(self, sheet: str, row: int, col: int, formula: str) -> None:
        self.layout.checks.append(Check(sheet, row, col, formula))


def _text_sheet(b: _Builder) -> None:
    width = 8
    sheet = b.sheet(SHEET_TEXT, width, "正文", widths=dict.fromkeys(range(1, width + 1), 13.0))
    row = HEADER_ROWS + 1
    for key, header, section_id, _expected in TEXT_FIELDS:
        heading = SECTION_BY_ID[section_id].heading
        part = header.split("、", 1)[-1]
        text = heading if part == heading.split("、", 1)[-1] else f"{heading}——{part}"
        b.label(SHEET_TEXT, row, 1, text, end_col=width, kind="section")
        b.slot(key, SHEET_TEXT, row + 1, 1)
        b.layout.merges.append((SHEET_TEXT, row + 1, 1, row + 1, width))
        sheet.heights[row + 1] = 170.0 if _expected else 90.0
        row += 2


def _table2_sheet(b: _Builder) -> None:
    s = SHEET_T2
    b.sheet(s, 5, SECTION_BY_ID["proactive"].heading,
            widths={1: 26.0, 2: 16.0, 3: 16.0, 4: 16.0, 5: 34.0})
    row = HEADER_ROWS + 1
    last_item = ""
    for prefix, row_label, item in ARTICLE_ITEMS:
        if item != last_item:
            b.label(s, row, 1, item, end_col=4, kind="head")
            b.label(s, row + 1, 1, CONTENT_HEADER, kind="head")
            if prefix in ("rules", "normative"):
                for i, (_col, col_label) in enumerate(DOC_COLUMNS):
                    b.label(s, row + 1, 2 + i, col_label, kind="head")
            else:
                label = FEES_LABEL if prefix == "fees" else DECISIONS_LABEL
                b.label(s, row + 1, 2, label, end_col=4, kind="head")
            row += 2
            last_item = item
        b.label(s, row, 1, row_label)
        if prefix in ("rules", "normative"):
            issued = b.slot(f"{prefix}.issued", s, row, 2)
            repealed = b.slot(f"{prefix}.repealed", s, row, 3)
            b.slot(f"{prefix}.in_force", s, row, 4,
                   Formula((issued.ref,), (repealed.ref,), 0, const_pattern=True))
        else:
            key = "fees.amount" if prefix == "fees" else f"{prefix}.decisions"
            b.slot(key, s, row, 2)
            b.layout.merges.append((s, row, 2, row, 4))
        row += 1


def _table3_sheet(b: _Builder) -> None:
    s = SHEET_T3
    first_data = HEADER_ROWS + 4  # three header rows below the section heading
    widths = {1: 8.0, 2: 12.0, 3: 40.0}
    widths.update(dict.fromkeys(range(4, 11), 9.5))
    widths[11] = 16.0
    b.sheet(s, 11, SECTION_BY_ID["applications"].heading, widths=widths, landscape=True)
    top = HEADER_ROWS + 1
    b.label(s, top, 1, TABLE3_NOTE, end_row=top + 2, end_col=3, kind="head")
    b.label(s, top, 4, APPLICANT_HEADER, end_col=10, kind="head")
    b.label(s, top + 1, 4, APP_COLUMN_LABEL["natural"], end_row=top + 2, kind="head")
    b.label(s, top + 1, 5, ORGANISATION_HEADER, end_col=9, kind="head")
    for i, col in enumerate(APPLICANT_COLUMNS[1:]):
        b.label(s, top + 2, 5 + i, APP_COLUMN_LABEL[col], kind="head")
    b.label(s, top + 1, 10, APP_COLUMN_LABEL["total"], end_row=top + 2, kind="head")
    b.label(s, top, 11, "核对：各列之和＝总计", end_row=top + 2, kind="check_label")
    rows = {r.key: first_data + i for i, r in enumerate(APP_ROWS)}
    result_rows = [rows[k] for k in RESULT_ROWS]
    total_row = rows["results_total"]
    for app_row in APP_ROWS:
        r = rows[app_row.key]
        if len(app_row.label) > 24:
            b.layout.sheets[s].heights[r] = 32.0
        if not app_row.group:
            b.label(s, r, 1, app_row.label, end_col=3)
        elif app_row.subgroup:
            sub = [rows[x.key] for x in APP_ROWS if x.subgroup == app_row.subgroup]
            if r == sub[0]:
                b.label(s, r, 2, app_row.subgroup, end_row=sub[-1])
            b.label(s, r, 3, app_row.label)
        else:
            b.label(s, r, 2, app_row.label, end_col=3)
        for c, (col, _label) in enumerate(APP_COLUMNS, start=4):
            computed = None
            if col == "total":
                computed = Formula((ref(r, 4), *(ref(r, x) for x in range(5, 10))))
            elif app_row.key == "results_total":
                computed = Formula(tuple(ref(x, c) for x in result_rows))
            b.slot(app_key(app_row.key, col), s, r, c, computed)
        b.check(s, r, 11, _check_sum(f"D{r}:I{r}", f"J{r}", f"COUNT(D{r}:I{r})<6"))
    b.label(s, first_data + 2, 1, RESULTS, end_row=total_row)
    r3, r2 = rows["carried_over"] + 1, rows["carried_over"] + 2
    b.label(s, r3, 1, "核对：（七）总计＝（一）至（六）各项之和", end_col=3, kind="check_label")
    b.label(s, r2, 1, "核对：" + TABLE3_NOTE.strip("（）"), end_col=3, kind="check_label")
    first, last, carried = result_rows[0], result_rows[-1], rows["carried_over"]
    new, carried_in = rows["new"], rows["carried_in"]
    for c in range(4, 11):
        x = get_column_letter(c)
        b.check(s, r3, c, _check_sum(f"{x}{first}:{x}{last}", f"{x}{total_row}"))
        b.check(s, r2, c, (
            f'=IF({x}{new}+{x}{carried_in}={x}{total_row}+{x}{carried},"{OK_MARK}",'
            f'"{BAD_MARK} 一＋二＝"&({x}{new}+{x}{carried_in})&"，三＋四＝"'
            f'&({x}{total_row}+{x}{carried}))'))
    b.layout.sheets[s].heights[r2] = 45.0


def _table4_sheet(b: _Builder) -> None:
    s = SHEET_T4
    n = len(APPEAL_PARTS)
    width = n * len(APPEAL_GROUPS)
    b.sheet(s, width, SECTION_BY_ID["appeals"].heading,
            widths=dict.fromkeys(range(1, width + 1), 8.5), landscape=True)
    top = HEADER_ROWS + 1
    tops: list[tuple[str, int, int]] = []
    for g, (_prefix, top_label, _second) in enumerate(APPEAL_GROUPS):
        start = 1 + g * n
        if tops and tops[-1][0] == top_label:
            tops[-1] = (top_label, tops[-1][1], start + n - 1)
        else:
            tops.append((top_label, start, start + n - 1))
    for g, (prefix, _top_label, second) in enumerate(APPEAL_GROUPS):
        start = 1 + g * n
        if second:
            b.label(s, top + 1, start, second, end_col=start + n - 1, kind="head")
        for i, (part, part_label) in enumerate(APPEAL_PARTS):
            b.label(s, top + 2, start + i, part_label, kind="head")
            computed = None
            if part == "total":
                computed = Formula(tuple(ref(top + 3, start + j) for j in range(n - 1)))
            b.slot(appeal_key(prefix, part), s, top + 3, start + i, computed)
        b.label(s, top + 4, start, "核对：前四项之和＝总计", end_col=start + n - 2,
                kind="check_label")
        parts = f"{ref(top + 3, start)}:{ref(top + 3, start + n - 2)}"
        b.check(s, top + 4, start + n - 1, _check_sum(parts, ref(top + 3, start + n - 1)))
    for top_label, start, end in tops:
        spans_both = all(second == "" for _p, t, second in APPEAL_GROUPS if t == top_label)
        b.label(s, top, start, top_label, end_row=top + 1 if spans_both else 0, end_col=end,
                kind="head")
    b.layout.sheets[s].heights[top + 4] = 45.0


FEE_KEYS = ("processing_fee.notices", "processing_fee.notice_amount", "processing_fee.collected")


def _fee_sheet(b: _Builder) -> None:
    s = SHEET_FEE
    b.sheet(s, 4, G_FEE, widths={1: 24.0, 2: 10.0, 3: 18.0, 4: 40.0})
    row = HEADER_ROWS + 1
    b.label(s, row, 1, "项目", end_col=2, kind="head")
    b.label(s, row, 3, "填写", kind="head")
    b.label(s, row, 4, "核对", kind="check_label")
    cells: dict[str, str] = {}
    for i, key in enumerate(FEE_KEYS, start=1):
        f = FIELD_BY_KEY[key]
        unit = "件" if f.kind.decimals == 0 else "元"
        b.label(s, row + i, 1, f"{f.label}（{unit}）", end_col=2)
        cells[key] = b.slot(key, s, row + i, 3).ref
    notices, amount, collected = (cells[k] for k in FEE_KEYS)
    b.check(s, row + 2, 4, f'=IF(AND({amount}>0,{notices}=0),"{BAD_MARK} 有通知金额，'
            f'通知件数不能为 0","{OK_MARK}")')
    b.check(s, row + 3, 4, f'=IF({collected}<={amount},"{OK_MARK}","{BAD_MARK} 实际收取不能'
            f'超过通知金额 "&{amount})')


@functools.cache
def form_layout() -> FormLayout:
    """The layout of every form (the same for all agencies)."""
    b = _Builder()
    _text_sheet(b)
    _table2_sheet(b)
    _table3_sheet(b)
    _table4_sheet(b)
    _fee_sheet(b)
    missing = {f for f in FIELD_BY_KEY if _belongs_on_form(f)} - set(b.layout.slots)
    if missing:  # pragma: no cover - guards the layout above
        raise AssertionError(f"fields without a place on the form: {sorted(missing)}")
    return b.layout


def _belongs_on_form(key: str) -> bool:
    f = FIELD_BY_KEY[key]
    return f.kind.is_figure or key.startswith("text.")


FORM_KEYS: tuple[str, ...] = tuple(k for k in FIELD_BY_KEY if _belongs_on_form(k))
