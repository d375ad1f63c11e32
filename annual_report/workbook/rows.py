"""Read the master workbook into agency rows: parse every cell of a row by its field's kind.

The sheet is loaded by :mod:`annual_report.workbook.sheets` and its header found by
:mod:`annual_report.workbook.headers`. Nothing here raises for bad *data*: problems of single cells become
findings (R5 and friends) on the row. Only an unusable file raises :class:`InputError`.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..findings import Finding, Severity
from ..format.model import FIELD_BY_KEY, FIELDS, Field, Kind
from .headers import choose_sheet, missing_message
from .parts import FORMULA_WITHOUT_VALUE, unreadable_cells
from .sheets import column_letter, open_sheets
from .spill import TextSpill, give_back_memory
from .store import ABSENT, COUNT_KEYS, INDEX, CellPlan, RowValues, items_repr
from .values import (
    Invalid,
    clean_line,
    clean_lines,
    clean_text,
    is_blank,
    name_key,
    parse_date,
    parse_emails,
    parse_figure,
    parse_year,
)


@dataclass
class AgencyRow:
    """One agency's row: parsed values by field key, unknown columns, and the reading problems."""

    sheet: str
    row: int  # 1-based sheet row
    agency: str
    # field key -> parsed value; absent when the cell is invalid (a RowValues when read)
    values: MutableMapping[str, Any]
    raw: dict[str, Any]  # field key -> the cell as read (for messages and invalid rendering)
    extras: dict[str, Any]  # header of an unknown column -> its cell value
    columns: dict[str, int]  # field key -> 0-based column index (shared by all rows)
    findings: list[Finding] = field(default_factory=list)
    _fingerprint: str | None = field(default=None, repr=False, compare=False)

    def cell(self, key: str) -> str:
        """``总表!BC7`` for a field of this row (the agency cell when the column is absent)."""
        index = self.columns.get(key, self.columns.get("agency", 0))
        return f"{self.sheet}!{column_letter(index)}{self.row}"

    @property
    def year(self) -> int | None:
        year = self.values.get("year")
        return year if isinstance(year, int) else None

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)

    def figure(self, key: str) -> int | Decimal | None:
        """A valid figure, or None where the cell was invalid (so rules skip it)."""
        value = self.values.get(key)
        return value if type(value) is int or isinstance(value, Decimal) else None

    def finding(self, key: str, rule: str, message: str, warning: bool = False) -> Finding:
        return Finding(
            agency=self.agency,
            row=self.row,
            cell=self.cell(key),
            field=key,
            rule=rule,
            severity=Severity.WARNING if warning else Severity.ERROR,
            message=message,
        )

    def fingerprint(self) -> str:
        """SHA-256 of everything that goes into this agency's report (not of its position).

        Computed once: values are not changed after parsing.
        """
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for part in (self.values, self.raw, self.extras):
                digest.update(items_repr(part).encode("utf-8"))
                digest.update(b"\x00")
            self._fingerprint = digest.hexdigest()
        return self._fingerprint


@dataclass
class ReadRows:
    """A sheet's rows as parsed one by one, before the findings that compare rows."""

    path: Path
    sheet: str
    columns: dict[str, int]
    extra_columns: dict[str, int]
    header_row: int  # 1-based row of the last header row; data starts below it
    rows: list[AgencyRow]


@dataclass
class Workbook(ReadRows):
    """A read master workbook."""

    findings: list[Finding]  # all findings of the reading, row findings included
    # reads the values of rows taken from a memo (see memo.py); None: every row is read
    loader: Callable[[Iterable[AgencyRow]], None] | None = field(default=None, repr=False,
                                                                 compare=False)

    def load(self, rows: Iterable[AgencyRow]) -> None:
        """Have every value of ``rows`` at hand (in one go, for rows a memo gave in brief)."""
        if self.loader is not None:
            self.loader(rows)

    def by_agency(self) -> dict[str, AgencyRow]:
        return {r.agency: r for r in self.rows}

    def duplicates(self) -> dict[str, list[int]]:
        """Agency names given on more than one row -> those sheet rows."""
        return {name: numbers for name, numbers in _rows_by_name(self.rows).items()
                if len(numbers) > 1}


@dataclass(frozen=True)
class ReadOptions:
    blank_as_zero: bool = False
    sheet: str | None = None


# --- loading raw grids ----------------------------------------------------------------------------


_COUNT_KEYS = COUNT_KEYS


def _parse_cell(row: AgencyRow, f: Field, raw: Any, options: ReadOptions) -> None:
    kind = f.kind
    if is_blank(raw):
        if kind.is_figure:
            if options.blank_as_zero:
                row.values[f.key] = Decimal(0) if kind is not Kind.COUNT else 0
                row.findings.append(row.finding(
                    f.key, "R5", f"{f.label}：单元格为空，已按 0 处理；如果不是 0 请填写实际数字。",
                    warning=True))
            else:
                row.findings.append(row.finding(
                    f.key, "R5", f"{f.label}：单元格为空。本项没有发生时请填 0。"))
        elif f.required:
            row.findings.append(row.finding(f.key, "R5", f"{f.label}：必填，请填写。"))
        return
    if kind.is_figure:
        value: Any = parse_figure(raw, kind)
    elif kind is Kind.YEAR:
        value = parse_year(raw)
    elif kind is Kind.DATE:
        value = parse_date(raw)
    elif kind is Kind.EMAIL:
        value = parse_emails(raw)
        if isinstance(value, Invalid):
            row.findings.append(row.finding(f.key, "EMAIL", f"{f.label}：{value.message}", True))
            return
    elif kind is Kind.TEXT:
        value = clean_text(raw)
    elif f.key == "title":  # a title typed on two lines is set on those two lines
        value = clean_lines(raw)
    else:
        value = clean_line(raw)
    if isinstance(value, Invalid):
        row.findings.append(row.finding(f.key, "R5", f"{f.label}：{value.message}"))
    else:
        row.values[f.key] = value


# How _parse_cell cleans a non-blank text of the kinds that never make it invalid.
_CLEANERS: dict[str, Callable[[object], str]] = {
    f.key: clean_text if f.kind is Kind.TEXT else clean_lines if f.key == "title" else clean_line
    for f in FIELDS if f.kind in (Kind.TEXT, Kind.LINE, Kind.NAME)
}

_OPTIONAL_TEXTS = frozenset(key for key in _CLEANERS if not FIELD_BY_KEY[key].required)
_NARRATIVE_KEYS = frozenset(f.key for f in FIELDS if f.kind is Kind.TEXT)


def _row_is_blank(cells: list[Any]) -> bool:
    if cells and cells[0] == "" and len(set(cells)) == 1:  # calamine's empty row: at C speed
        return True
    return all(is_blank(c) for c in cells)


def parse_row(
    sheet: str,
    number: int,
    raw: dict[str, Any],
    extras: dict[str, Any],
    columns: dict[str, int],
    options: ReadOptions,
) -> AgencyRow:
    """Parse one row's raw cells (field key -> value) into an :class:`AgencyRow`."""
    values = RowValues()
    cells = values.cells
    rest: dict[str, Any] = {}
    for key, value in raw.items():
        if (type(value) is float and key in _COUNT_KEYS and 0 <= value < 1e12
                and value.is_integer()):
            cells[INDEX[key]] = int(value)  # the common case, inlined: a count read by calamine
        else:
            rest[key] = value
    return _finish_row(sheet, number, values, rest, raw.get("agency", ""), extras, columns,
                       options)


def _finish_row(sheet: str, number: int, values: RowValues, rest: dict[str, Any], agency_raw: Any,
                extras: dict[str, Any], columns: dict[str, int], options: ReadOptions,
                texts: TextSpill | None = None) -> AgencyRow:
    """A row whose plain counts are in ``values`` already: parse the ``rest`` of its cells (in
    column order, so the findings come in that order). ``texts``: where its narratives go once
    the read has kept enough of them in memory (see :mod:`.spill`)."""
    agency = clean_line(agency_raw) if not is_blank(agency_raw) else f"（第{number}行）"
    row = AgencyRow(sheet, number, agency, values, rest, extras, columns)
    cells = values.cells
    for key, value in rest.items():
        clean = _CLEANERS.get(key)
        if clean is not None and type(value) is str:  # what _parse_cell does with a text
            if value.strip():
                cells[INDEX[key]] = (texts.keep(clean(value)) if texts is not None
                                     and key in _NARRATIVE_KEYS else clean(value))
                continue
            if key in _OPTIONAL_TEXTS:
                continue  # blank and not required: nothing to say
        _parse_cell(row, FIELD_BY_KEY[key], value, options)
    # keep the raw cell only where it was not usable (messages, --allow-invalid rendering)
    row.raw = {k: v for k, v in rest.items() if cells[INDEX[k]] is ABSENT}
    _collapse_blank_figures(row)
    _collapse_totals_only(row)
    return row


_APPLICANT_KEYS = frozenset(
    f.key for f in FIELDS if f.table == "三" and f.column != "total"
)


_FIGURE_KEYS = frozenset(f.key for f in FIELDS if f.kind.is_figure)


def _collapse_blank_figures(row: AgencyRow) -> None:
    """A row whose figures are all blank (an agency listed but not yet filled in) gets one
    finding, not one per cell."""
    blanks = [f for f in row.findings if f.field in _FIGURE_KEYS and "为空" in f.message]
    if len(blanks) < len(_FIGURE_KEYS):
        return
    # Even with --blank-as-zero: an agency that filled in nothing must not get an all-zero report.
    row.findings = [f for f in row.findings if f not in blanks]
    first = min(blanks, key=lambda f: row.columns.get(f.field, 0))
    row.findings.append(row.finding(
        first.field, "R5",
        f"这一行的数字一项都没有填写（共 {len(blanks)} 项）。请按“填表说明”填写表二、表三、表四和"
        "信息处理费的全部数字，没有发生的填 0。"))


def _collapse_totals_only(row: AgencyRow) -> None:
    """A table 三 with only its 总计 column filled gets one finding, not one per blank cell.

    Filling only the totals is a known habit; "fill in 0" would be the wrong advice for it.
    """
    blanks = [f for f in row.findings if f.field in _APPLICANT_KEYS and "为空" in f.message]
    if len(blanks) < len(_APPLICANT_KEYS) or not any(
        isinstance(row.values.get(f"apps.{r}.total"), int) and row.values[f"apps.{r}.total"] > 0
        for r in ("new", "carried_in", "results_total", "carried_over")
    ):
        return
    severity_warning = not blanks[0].is_error
    row.findings = [f for f in row.findings if f not in blanks]
    row.findings.append(row.finding(
        "apps.new.natural", "R5",
        "表三只填了“总计”列，自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他这六列全部为空。"
        "请按申请人类型把每一行分列填写（各列之和等于总计），确实没有的填 0。",
        warning=severity_warning))


def read_workbook(path: Path | str, options: ReadOptions | None = None) -> Workbook:
    """Read and parse the master workbook; cell problems become findings, not exceptions."""
    return assemble(read_rows(Path(path), options or ReadOptions()))


def assemble(read: ReadRows,
             loader: Callable[[Iterable[AgencyRow]], None] | None = None) -> Workbook:
    """The workbook of parsed rows, with the findings that compare rows (DUPLICATE)."""
    _flag_duplicates(read.rows)
    findings = [f for row in read.rows for f in row.findings]
    return Workbook(read.path, read.sheet, read.columns, read.extra_columns, read.header_row,
                    read.rows, findings, loader)


def read_rows(path: Path, options: ReadOptions) -> ReadRows:
    """Every row of the master sheet parsed on its own (nothing compared across rows yet)."""
    sheets = open_sheets(path, options.sheet)
    sheet, head, layout = choose_sheet([(s.name, s.head) for s in sheets], options.sheet, path)
    missing = [f for f in FIELDS if f.required and f.key not in layout.columns]
    if missing:
        header_cells = [c for r in head[: layout.header_row] for c in r]
        raise InputError(missing_message(missing, header_cells, sheet))
    columns = layout.columns
    plan = CellPlan(columns)
    rows: list[AgencyRow] = []
    chosen = next(s for s in sheets if s.name == sheet)
    del sheets
    texts = TextSpill(0 if chosen.sliced else None)  # a sheet that large keeps none in memory
    for number, cells in enumerate(itertools.chain(head[layout.header_row:], chosen.rest),
                                   start=layout.header_row + 1):
        if _row_is_blank(cells):
            continue
        width = len(cells)
        values, rest = plan.split(cells)
        extras = {
            name: cells[c] for name, c in layout.extra_columns.items()
            if c < width and not is_blank(cells[c])
        }
        agency_column = columns.get("agency")
        agency_raw = cells[agency_column] if agency_column is not None and agency_column < width \
            else ""
        rows.append(_finish_row(sheet, number, values, rest, agency_raw, extras, columns, options,
                                texts))
    if not rows:
        raise InputError(
            f"工作表「{sheet}」中没有机关的数据：请从第 {layout.header_row + 1} 行起，每个机关填一行"
            "（填写方法见“填表说明”工作表）。")
    _flag_formulas(path, sheet, rows)
    give_back_memory()
    return ReadRows(path, sheet, columns, layout.extra_columns, layout.header_row, rows)


def _rows_by_name(rows: list[AgencyRow]) -> dict[str, list[int]]:
    """机关全称 -> the sheet rows giving that agency (rows without a name are left out). Names
    that differ only in width, composition or spaces are one agency: each spelling maps to the
    rows of all of them."""
    groups: dict[str, list[int]] = {}
    spellings: dict[str, str] = {}
    for row in rows:
        if "agency" in row.values:
            key = name_key(row.agency)
            groups.setdefault(key, []).append(row.row)
            spellings.setdefault(row.agency, key)
    return {name: groups[key] for name, key in spellings.items()}


def _flag_duplicates(rows: list[AgencyRow]) -> None:
    by_name = _rows_by_name(rows)
    first_name: dict[int, str] = {}
    for row in rows:
        if "agency" in row.values:
            first_name.setdefault(by_name[row.agency][0], row.agency)
    for row in rows:
        if "agency" not in row.values or by_name[row.agency][0] == row.row:
            continue
        first = by_name[row.agency][0]
        same = ("" if first_name[first] == row.agency else
                f"（写法只差全角/半角或空格：第 {first} 行写作「{first_name[first]}」）")
        row.findings.append(row.finding(
            "agency", "DUPLICATE",
            f"机关全称「{row.agency}」与第 {first} 行重复{same}；每个机关只能占一行，"
            "请删除或合并重复行。"))


_TEXT_KEYS = tuple(f.key for f in FIELDS if f.kind is Kind.TEXT)


def _flag_formulas(path: Path, sheet: str, rows: list[AgencyRow]) -> None:
    """Blank-looking figure and narrative cells that hold a formula without a cached value, or an
    error value such as ``#DIV/0!``, are errors that say so (calamine reads both as empty): a
    narrative section must not silently come out empty."""
    blank = [(r, f) for r in rows for f in r.findings if f.rule == "R5" and "为空" in f.message]
    texts = [(r, key) for r in rows for key in _TEXT_KEYS if key in r.columns and key not in r.values]
    if not (blank or texts) or path.suffix.lower() not in (".xlsx", ".xlsm"):
        return
    special = unreadable_cells(path, sheet)
    if not special:
        return
    for row, finding in blank:
        what = special.get(finding.cell.split("!", 1)[1])
        if what is not None:
            message = _formula_message(FIELD_BY_KEY[finding.field].label, what)
            row.findings[row.findings.index(finding)] = row.finding(finding.field, "R5", message)
    for row, key in texts:
        what = special.get(row.cell(key).split("!", 1)[1])
        if what is not None:
            row.findings.append(row.finding(key, "R5", _formula_message(FIELD_BY_KEY[key].label, what)))


def _formula_message(label: str, what: str) -> str:
    if what == FORMULA_WITHOUT_VALUE:
        return (f"{label}：单元格是公式，但文件里没有保存计算结果（常见于程序生成的表格）。"
                "请在 Excel 或 WPS 中打开并保存一次，或把公式改为数字或文字。")
    return (f"{label}：单元格是错误值 {what}（公式算不出结果）。"
            "请改正公式引用的单元格，或直接填写内容。")
