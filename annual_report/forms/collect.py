"""``collect``: merge returned forms into the master workbook, losing nothing.

The returns are found (:mod:`.sources`), read (:mod:`.read`) and judged (:mod:`.decide`); the
merged ones are written into the agency's row of the master with openpyxl, which keeps the other
sheets and the formatting; values keep their type (a text starting with "=" stays a text). The
master is never overwritten without a copy of the previous version beside it, unless the result
goes to a new file (``save_as``). Every return is recorded in the sheet 收表记录, and the merged
rows are checked as ``check`` would check them.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..checks.run import check_row, check_year_and_date, usual_year
from ..errors import InputError
from ..findings import Finding, sort_key
from ..format.model import FIELD_BY_KEY, Kind
from ..outputs import atomic_write_bytes, exclusive_folder
from ..workbook.cells import set_value
from ..workbook.rows import AgencyRow, Workbook, read_workbook
from ..workbook.sheets import column_letter
from .decide import Change, Outcome, Verdict, decide
from .identity import now
from .layout import FORM_KEYS
from .ledger import LedgerRow, append_rows, read_ledger, show_time
from .sources import gather
from .values import canonical

WRITABLE = (".xlsx", ".xlsm")
BACKUP_MARK = "收表前备份"


@dataclass
class CollectResult:
    master: Path
    written: Path | None  # the workbook written (None: nothing to write)
    backup: Path | None
    outcomes: list[Outcome]
    skipped_folders: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def by(self, *verdicts: Verdict) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict in verdicts]

    @property
    def exit_code(self) -> int:
        bad = self.by(Verdict.CONFLICT, Verdict.ERROR, Verdict.OTHER_YEAR, Verdict.OTHER_FORMAT,
                      Verdict.UNKNOWN_AGENCY)
        failing = any(f.is_error for o in self.by(Verdict.MERGED) for f in o.findings)
        return 1 if bad or failing else 0


def _master_value(key: str, value: Any) -> Any:
    """A form value as the master cell gets it: counts as whole numbers, money as numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer() and FIELD_BY_KEY[key].kind is Kind.COUNT:
        return int(value)
    return value


def _load(path: Path) -> Any:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")


def _apply(book: Any, master: Workbook, outcome: Outcome) -> None:
    """Write a merged return into its row; record every cell it changes."""
    row = outcome.row
    assert row is not None
    ws = book[master.sheet]
    header_row = master.header_row
    for key in FORM_KEYS:
        if key in outcome.ret.unknown:
            continue  # a total over a text: the master keeps what it has (see collect's notes)
        new = _master_value(key, outcome.ret.values.get(key))
        col = master.columns.get(key)
        if col is None:
            if new is None:
                continue
            col = ws.max_column  # a text column the master lacks: added, so nothing is lost
            ws.cell(row=header_row, column=col + 1, value=FIELD_BY_KEY[key].header)
            master.columns[key] = col
        cell = ws.cell(row=row.row, column=col + 1)
        if canonical(cell.value) == canonical(new):
            continue
        outcome.changes.append(Change(f"{master.sheet}!{column_letter(col)}{row.row}", key,
                                      cell.value, new))
        set_value(cell, new)


def _check_summary(findings: list[Finding]) -> str:
    errors = [f for f in findings if f.is_error]
    if not findings:
        return "无错误"
    first = (errors or findings)[0]
    return (f"{len(errors)} 个错误，{len(findings) - len(errors)} 个提醒；如 {first.cell} "
            f"{first.rule}：{first.message}")


def _changed_text(changes: list[Change]) -> str:
    """The changed cells for 收表记录: old → new where a cell held something, else a count."""
    def short(value: Any) -> str:
        text = " ".join(str(value).split())
        return text if len(text) <= 12 else text[:12] + "…"

    held = [c for c in changes if canonical(c.old) != ""]
    parts = [f"{c.cell.split('!', 1)[-1]} {short(c.old)}→{short(c.new) if c.new is not None else '空'}"
             for c in held]
    if len(changes) > len(held):
        parts.append(f"新填 {len(changes) - len(held)} 格")
    text = "；".join(parts)
    return text if len(text) <= 30000 else text[:30000] + "……"


def _ledger_row(outcome: Outcome, recorded_at: str) -> LedgerRow:
    ret = outcome.ret
    identity = ret.identity
    assert identity is not None and outcome.verdict.ledger_state is not None
    check = _check_summary(outcome.findings) if outcome.verdict == Verdict.MERGED else \
        outcome.message
    return LedgerRow(identity.agency, outcome.verdict.ledger_state, ret.source,
                     show_time(ret.received_at), identity.issued_at, identity.form_id,
                     ret.sha256, len(outcome.changes), _changed_text(outcome.changes), check,
                     recorded_at)


def _backup_path(master: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = master.with_name(f"{master.stem}.{BACKUP_MARK}-{stamp}{master.suffix}")
    n = 2
    while candidate.exists():
        candidate = master.with_name(f"{master.stem}.{BACKUP_MARK}-{stamp}-{n}{master.suffix}")
        n += 1
    return candidate


def _check_merged(data: bytes, suffix: str, merged: list[Outcome]) -> None:
    """Check the merged rows as ``check`` reads them from the written workbook."""
    with tempfile.TemporaryDirectory(prefix="collect-check-") as tmp:
        path = Path(tmp) / f"master{suffix}"
        path.write_bytes(data)
        book = read_workbook(path)
    rows: dict[int, AgencyRow] = {r.row: r for r in book.rows}
    year = usual_year(book.rows)
    for outcome in merged:
        assert outcome.row is not None
        row = rows.get(outcome.row.row)
        if row is not None:
            outcome.findings = sorted([*check_row(row), *check_year_and_date(row, year)],
                                      key=sort_key)


def _formula_note(book: Any, master: Workbook) -> str | None:
    ws = book[master.sheet]
    count = sum(1 for r in ws.iter_rows(min_row=master.header_row + 1)
                for c in r if c.data_type == "f")
    if not count:
        return None
    return (f"总表中有 {count} 个公式单元格：程序保存后，它们的计算结果要在 Excel 或 WPS 中打开、"
            "保存一次才会更新（否则 check 会提示“公式没有保存计算结果”）。")


def collect_forms(paths: list[Path], master_path: Path, save_as: Path | None = None) -> CollectResult:
    """Read every return under ``paths`` and merge what may be merged into the master."""
    if master_path.suffix.lower() not in WRITABLE:
        raise InputError(
            f"collect 只能写入 .xlsx 总表，{master_path.name} 是 {master_path.suffix} 文件：请先在 "
            "Excel 或 WPS 中把它“另存为” .xlsx，再用 --into 指定新文件。")
    if save_as is not None:
        if save_as.suffix.lower() not in WRITABLE:
            raise InputError(f"--save-as {save_as}：请给一个 .xlsx 文件名。")
        if save_as.exists() and save_as.resolve() != master_path.resolve():
            raise InputError(f"--save-as {save_as} 已存在，未覆盖：请换一个文件名。")
    master = read_workbook(master_path)
    busy = InputError(f"另一个 collect 正在写 {master_path.parent} 中的总表，请等它结束后再运行。")
    with exclusive_folder(master_path.parent.resolve(), busy):
        returns, skipped = gather(paths)
        original = master_path.read_bytes()
        book = _load(master_path)
        ledger = read_ledger(book)
        outcomes = decide(returns, master, ledger, usual_year(master.rows))
        result = CollectResult(master_path, None, None, outcomes, skipped)
        merged = [o for o in outcomes if o.verdict == Verdict.MERGED]
        for outcome in merged:
            _apply(book, master, outcome)
            if outcome.ret.unknown:
                who = outcome.row.agency if outcome.row is not None else outcome.ret.source
                result.notes.append(
                    f"{who}：{'；'.join(outcome.ret.unknown.values())}。这个合计算不出来，没有并入总表"
                    "（总表中原来的值未改）；请机关把该格改成数字后重新交回，再运行 collect。")
        recorded = [o for o in outcomes if o.record and o.verdict.ledger_state is not None]
        if not recorded:
            return result
        if merged:
            buffer = io.BytesIO()
            book.save(buffer)
            _check_merged(buffer.getvalue(), master_path.suffix, merged)
        stamp = now().replace("T", " ")
        append_rows(book, [_ledger_row(o, stamp) for o in recorded])
        buffer = io.BytesIO()
        book.save(buffer)
        note = _formula_note(book, master)
        if note:
            result.notes.append(note)
        target = save_as or master_path
        if target.resolve() == master_path.resolve():
            result.backup = _backup_path(master_path)
            atomic_write_bytes(result.backup, original)
        atomic_write_bytes(target, buffer.getvalue())
        result.written = target
    return result
