"""Read the master workbook: find the header by content, map columns to field keys, parse rows.

Reading is done with python-calamine (fast, cached values only); ``.xlsx``, ``.xlsm``, ``.xls``,
``.ods`` and ``.csv`` are accepted. Nothing here raises for bad *data*: problems of single cells
become findings (R5) on the row. Only an unusable file raises :class:`InputError`.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import InputError
from .findings import Finding, Severity
from .form import FIELD_BY_KEY, FIELDS, Field, Kind
from .values import (
    Invalid,
    clean_line,
    clean_text,
    is_blank,
    parse_date,
    parse_emails,
    parse_figure,
    parse_year,
)

MAIN_SHEET = "总表"
HEADER_SCAN_ROWS = 15
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_HEADER_NOISE = re.compile(r"[\s*＊·・•.。_\-－—–/／|｜:：、,，;；]+")


def normalise_header(text: object) -> str:
    """A header cell reduced to what identifies it: NFKC, lower case, no spaces, separators or
    required-marks, so ``一、本年新收 - 自然人`` matches ``一、本年新收·自然人``."""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return _HEADER_NOISE.sub("", folded)


_HEADER_INDEX: dict[str, str] = {}
for _f in FIELDS:
    for _name in (_f.key, _f.header):
        _norm = normalise_header(_name)
        if _HEADER_INDEX.setdefault(_norm, _f.key) != _f.key:  # pragma: no cover - model guard
            raise AssertionError(f"header {_name!r} is ambiguous after normalisation")


def match_header(text: object) -> str | None:
    """The field key a header cell names (by key or by the Chinese header), or None."""
    if is_blank(text):
        return None
    return _HEADER_INDEX.get(normalise_header(text))


@dataclass
class AgencyRow:
    """One agency's row: parsed values by field key, unknown columns, and the reading problems."""

    sheet: str
    row: int  # 1-based sheet row
    agency: str
    values: dict[str, Any]  # field key -> parsed value; absent when the cell is invalid
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
                digest.update(repr(sorted(part.items())).encode("utf-8"))
                digest.update(b"\x00")
            self._fingerprint = digest.hexdigest()
        return self._fingerprint


@dataclass
class Workbook:
    """A read master workbook."""

    path: Path
    sheet: str
    columns: dict[str, int]
    extra_columns: dict[str, int]
    header_row: int  # 1-based row of the last header row; data starts below it
    rows: list[AgencyRow]
    findings: list[Finding]  # all findings of the reading, row findings included

    def by_agency(self) -> dict[str, AgencyRow]:
        return {r.agency: r for r in self.rows}


@dataclass(frozen=True)
class ReadOptions:
    blank_as_zero: bool = False
    sheet: str | None = None


# --- loading raw grids ----------------------------------------------------------------------------


def load_grids(path: Path, wanted: str | None = None) -> list[tuple[str, list[list[Any]]]]:
    """Sheets as (name, rows) of raw values, [0][0] = A1: the wanted or master sheet, else all."""
    if not path.exists():
        raise InputError(f"找不到文件：{path}。请检查路径和文件名。")
    if path.is_dir():
        raise InputError(f"{path} 是文件夹，不是工作簿。请给出 .xlsx 文件的路径。")
    suffix = path.suffix.lower()
    if suffix == ".csv":  # one table: called 总表 so references read as in the .xlsx
        return [(MAIN_SHEET, _read_csv(path))]
    if suffix not in WORKBOOK_SUFFIXES:
        raise InputError(
            f"无法读取 {path.name}：只支持 .xlsx、.xls、.ods 和 .csv 文件。"
            "请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后重试。"
        )
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        if wanted is None and MAIN_SHEET in names:
            names = [MAIN_SHEET]  # the usual case: read only the master sheet
        elif wanted is not None and wanted in names:
            names = [wanted]
        grids = []
        for name in names:
            sheet = book.get_sheet_by_name(name)
            # skip_empty_area=False: the grid starts at A1 whatever the first used cell is
            grids.append((name, sheet.to_python(skip_empty_area=False)))
        return grids
    except python_calamine.PasswordError as exc:
        raise InputError(
            f"无法读取 {path.name}：文件设置了打开密码。请在 Excel 或 WPS 中取消密码后另存，再重试。"
        ) from exc
    except Exception as exc:  # calamine raises a handful of unrelated types for broken files
        raise InputError(
            f"无法读取 {path.name}：文件已损坏、已加密或不是 Excel 工作簿。"
            "请用 Excel 或 WPS 打开确认后，“另存为” .xlsx 再重试。"
        ) from exc


def _read_csv(path: Path) -> list[list[Any]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise InputError(f"无法读取 {path.name}：文件编码无法识别，请另存为 UTF-8 编码的 CSV。")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return [list(r) for r in csv.reader(text.splitlines(), delimiter=delimiter)]


# --- header detection -----------------------------------------------------------------------------


@dataclass
class _Layout:
    columns: dict[str, int]
    extra_columns: dict[str, int]
    header_row: int  # 1-based
    score: int


def _find_layout(grid: list[list[Any]], sheet: str) -> _Layout | None:
    scores: list[tuple[int, dict[str, int]]] = []
    twice: list[tuple[str, int, int, int]] = []  # key, header row, first column, second column
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        mapping: dict[str, int] = {}
        for c, cell in enumerate(row):
            key = match_header(cell)
            if key and key in mapping:
                twice.append((key, r, mapping[key], c))
            elif key:
                mapping[key] = c
        scores.append((len(mapping), mapping))
    if not scores:
        return None
    best = max(s for s, _ in scores)
    if best < 2:
        return None
    header_rows = [r for r, (s, _) in enumerate(scores) if s >= max(2, best * 0.3)]
    problems = [
        f"  - 第 {r + 1} 行的 {column_letter(a)} 列和 {column_letter(b)} 列都是「{FIELD_BY_KEY[k].header}」"
        for k, r, a, b in twice if r in header_rows
    ]
    columns: dict[str, int] = {}
    for r in sorted(header_rows, key=lambda r: -scores[r][0]):
        for key, c in scores[r][1].items():
            if key in columns and columns[key] != c:
                problems.append(
                    f"  - 「{FIELD_BY_KEY[key].header}」：{column_letter(columns[key])} 列和 "
                    f"{column_letter(c)} 列的表头（第 {r + 1} 行）都指向它")
            elif key not in columns and c not in columns.values():
                columns[key] = c
    if problems:
        raise InputError(
            f"工作表「{sheet}」的表头有重复，无法确定该读哪一列：\n" + "\n".join(problems[:10])
            + "\n请删除多余的列，或改正表头（第 3 行中文列名和第 4 行键名应指同一项）。")
    last = max(header_rows)
    used = set(columns.values())
    extras: dict[str, int] = {}
    width = max((len(grid[r]) for r in header_rows), default=0)
    for c in range(width):
        if c in used:
            continue
        name = ""
        for r in header_rows:  # the first non-empty header cell of the column names it
            if c < len(grid[r]) and not is_blank(grid[r][c]):
                name = clean_line(grid[r][c])
                break
        if name and name not in extras:
            extras[name] = c
    return _Layout(columns, extras, last + 1, best)


def _missing_message(missing: Sequence[Field], seen: Iterable[str], sheet: str) -> str:
    candidates = [str(s) for s in seen if not is_blank(s)]
    lines = [f"工作表「{sheet}」缺少必填的列（表头行里找不到）："]
    for f in missing[:12]:
        near = list(dict.fromkeys(
            difflib.get_close_matches(f.header, candidates, n=2, cutoff=0.6)
            + difflib.get_close_matches(f.key, candidates, n=2, cutoff=0.8)))
        hint = f"；表中相近的列：{'、'.join(near)}" if near else ""
        lines.append(f"  - {f.header}（键名 {f.key}）{hint}")
    if len(missing) > 12:
        lines.append(f"  ……共缺少 {len(missing)} 列。")
    lines.append("表头可以写中文列名或键名；请用 `python generate.py init` 生成空白总表对照。")
    return "\n".join(lines)


def _choose_sheet(
    grids: list[tuple[str, list[list[Any]]]], wanted: str | None, path: Path
) -> tuple[str, list[list[Any]], _Layout]:
    if wanted is not None:
        named = [g for g in grids if g[0] == wanted]
        if not named:
            names = "、".join(n for n, _ in grids)
            raise InputError(f"{path.name} 中没有名为「{wanted}」的工作表；现有工作表：{names}。")
        grids = named
    found = [(name, grid, _find_layout(grid, name)) for name, grid in grids]
    usable = [(n, g, lay) for n, g, lay in found if lay is not None]
    if not usable:
        raise InputError(
            f"在 {path.name} 中找不到总表的表头行（前 {HEADER_SCAN_ROWS} 行里没有“机关全称”等列名）。"
            "请用 `python generate.py init` 生成空白总表，按其表头填写。"
        )
    preferred = [u for u in usable if u[0] == MAIN_SHEET]
    name, grid, layout = preferred[0] if preferred else max(usable, key=lambda u: u[2].score)
    return name, grid, layout


# --- parsing rows ---------------------------------------------------------------------------------


_FIGURE_KINDS = frozenset(k for k in Kind if k.is_figure)
_COUNT_KEYS = frozenset(f.key for f in FIELDS if f.kind is Kind.COUNT)


def _parse_cell(row: AgencyRow, f: Field, raw: Any, options: ReadOptions) -> None:
    kind = f.kind
    if kind in _FIGURE_KINDS and type(raw) is float and raw >= 0 and raw.is_integer():
        row.values[f.key] = int(raw) if kind is Kind.COUNT else Decimal(int(raw))
        return  # the common case, kept fast: a whole number read by calamine
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
    else:
        value = clean_line(raw)
    if isinstance(value, Invalid):
        row.findings.append(row.finding(f.key, "R5", f"{f.label}：{value.message}"))
    else:
        row.values[f.key] = value


def _row_is_blank(cells: list[Any]) -> bool:
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
    agency_raw = raw.get("agency", "")
    agency = clean_line(agency_raw) if not is_blank(agency_raw) else f"（第{number}行）"
    row = AgencyRow(sheet, number, agency, {}, raw, extras, columns)
    values = row.values
    for key, value in raw.items():
        if type(value) is float and key in _COUNT_KEYS and value >= 0 and value.is_integer():
            values[key] = int(value)  # the common case, inlined: a count read by calamine
        else:
            _parse_cell(row, FIELD_BY_KEY[key], value, options)
    # keep the raw cell only where it was not usable (messages, --allow-invalid rendering)
    row.raw = {k: v for k, v in raw.items() if k not in row.values}
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
    options = options or ReadOptions()
    path = Path(path)
    grids = load_grids(path, options.sheet)
    sheet, grid, layout = _choose_sheet(grids, options.sheet, path)
    missing = [f for f in FIELDS if f.required and f.key not in layout.columns]
    if missing:
        header_cells = [c for r in grid[: layout.header_row] for c in r]
        raise InputError(_missing_message(missing, header_cells, sheet))
    columns = layout.columns
    fields = [(FIELD_BY_KEY[k], c) for k, c in columns.items()]
    rows: list[AgencyRow] = []
    for index in range(layout.header_row, len(grid)):
        cells = grid[index]
        if _row_is_blank(cells):
            continue
        width = len(cells)
        raw = {f.key: (cells[c] if c < width else "") for f, c in fields}
        extras = {
            name: cells[c] for name, c in layout.extra_columns.items()
            if c < width and not is_blank(cells[c])
        }
        rows.append(parse_row(sheet, index + 1, raw, extras, columns, options))
    if not rows:
        raise InputError(
            f"工作表「{sheet}」中没有机关的数据：请从第 {layout.header_row + 1} 行起，每个机关填一行"
            "（填写方法见“填表说明”工作表）。")
    findings: list[Finding] = []
    _flag_formulas(path, sheet, rows)
    _flag_duplicates(rows)
    for row in rows:
        findings.extend(row.findings)
    return Workbook(path, sheet, columns, layout.extra_columns, layout.header_row, rows, findings)


def _flag_duplicates(rows: list[AgencyRow]) -> None:
    first: dict[str, AgencyRow] = {}
    for row in rows:
        if "agency" not in row.values:
            continue
        name = row.agency
        if name in first:
            row.findings.append(row.finding(
                "agency", "DUPLICATE",
                f"机关全称「{name}」与第 {first[name].row} 行重复；每个机关只能占一行，请删除或合并重复行。"))
        else:
            first[name] = row


def _flag_formulas(path: Path, sheet: str, rows: list[AgencyRow]) -> None:
    """Blank-looking figure cells that hold a formula without a cached value, or an error value
    such as ``#DIV/0!``, get a message that says so (calamine reads both as empty)."""
    blank = [(r, f) for r in rows for f in r.findings if f.rule == "R5" and "为空" in f.message]
    if not blank or path.suffix.lower() not in (".xlsx", ".xlsm"):
        return
    special = unreadable_cells(path, sheet)
    if not special:
        return
    for row, finding in blank:
        what = special.get(finding.cell.split("!", 1)[1])
        if what is None:
            continue
        label = FIELD_BY_KEY[finding.field].label
        if what == FORMULA_WITHOUT_VALUE:
            message = (f"{label}：单元格是公式，但文件里没有保存计算结果（常见于程序生成的表格）。"
                       "请在 Excel 或 WPS 中打开并保存一次，或把公式改为数字。")
        else:
            message = (f"{label}：单元格是错误值 {what}（公式算不出结果）。"
                       "请改正公式引用的单元格，或直接填写数字。")
        row.findings[row.findings.index(finding)] = row.finding(finding.field, "R5", message)


FORMULA_WITHOUT_VALUE = "formula"


def unreadable_cells(path: Path, sheet: str) -> dict[str, str]:
    """Cells of an ``.xlsx`` sheet that hold no usable value: reference (``B7``) ->
    :data:`FORMULA_WITHOUT_VALUE` or the error value (``#DIV/0!``)."""
    from lxml import etree

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as archive:
            book = etree.fromstring(archive.read("xl/workbook.xml"))
            rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            target = None
            for s in book.iter(f"{ns}sheet"):
                if s.get("name") == sheet:
                    rid = s.get(f"{rel_ns}id")
                    for rel in rels:
                        if rel.get("Id") == rid:
                            target = rel.get("Target", "")
            if not target:
                return {}
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            found: dict[str, str] = {}
            with archive.open(part) as stream:
                for _event, cell in etree.iterparse(stream, tag=f"{ns}c"):
                    formula = cell.find(f"{ns}f")
                    value = cell.find(f"{ns}v")
                    if cell.get("t") == "e":
                        found[cell.get("r", "")] = (value.text if value is not None else "") or "#错误"
                    elif formula is not None and (value is None or not value.text):
                        found[cell.get("r", "")] = FORMULA_WITHOUT_VALUE
                    cell.clear()
            return found
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return {}
