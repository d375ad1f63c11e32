"""Re-reading a master workbook of which only some rows changed: the others come from a memo.

``build`` keeps, beside its no-change record, a *memo* of the last ``.xlsx`` master it read into
an output folder: for every row of the sheet the digest of its XML (see :mod:`.rawrows`), and
what the reader made of the row in brief — its 机关全称, year, 成文日期 and 汇总到, its reading
findings and its fingerprint. The next read takes the file apart as XML instead of reading its
cells; when the frame (everything but the rows) and the header rows are as in the memo, a row
with a known digest is taken from the memo, and only the rows that changed are parsed, from a
copy of the file that holds just them and the header.

A row taken from the memo has its brief at once; its other values are read when something asks
for them: :meth:`~.rows.Workbook.load` reads the rows asked for in one go, and any other use of
their values reads every such row (slower, never wrong). Whatever the memo cannot vouch for —
another file, sheet, option or reader code, a change outside the rows, more than a tenth of the
rows changed — is read in full, as it always is, and the memo is written afresh. A memo that
cannot be read or written costs only the shortcut.

May import: the shared modules, :mod:`annual_report.format` and the rest of this stage.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, OutputError
from ..findings import Finding
from ..outputs import atomic_write_bytes, sources_sha256
from .rawrows import Known, RawSheet, read_raw_sheet, write_subset
from .rows import AgencyRow, ReadOptions, ReadRows, Workbook, assemble, read_rows

MEMO_VERSION = 2  # 2: the shared strings' digests and each row's string indices
# The values a row's brief holds: what is asked of every row of a build (its name and year,
# the checks of its date, the roll-up's tree) without reading the rest.
BRIEF_VALUES = ("agency", "year", "report_date", "parent")
BRIEF_RAW = ("report_date",)
_SUFFIXES = (".xlsx", ".xlsm")
PACKAGE = Path(__file__).resolve().parent.parent


@functools.cache
def reader_sha256() -> str:
    """The reading code: the format, this stage and the shared modules it uses."""
    files = [PACKAGE / "findings.py", PACKAGE / "errors.py"]
    for stage in ("format", "workbook"):
        files.extend(sorted((PACKAGE / stage).glob("*.py")))
    return sources_sha256(PACKAGE, files)


@dataclass(frozen=True)
class Brief:
    """What the memo keeps of a row (everything a build asks of a row it does not rebuild)."""

    agency: str
    values: dict[str, Any]
    raw: dict[str, Any]
    findings: tuple[Finding, ...]  # the reading's own (before rows are compared)
    fingerprint: str

    @classmethod
    def of(cls, row: AgencyRow) -> Brief:
        return cls(row.agency, {k: row.values[k] for k in BRIEF_VALUES if k in row.values},
                   {k: row.raw[k] for k in BRIEF_RAW if k in row.raw}, tuple(row.findings),
                   row.fingerprint())


@dataclass
class Memo:
    key: tuple[Any, ...]  # version, reader code, options
    sheet: str
    frame: bytes
    strings_digest: bytes  # sharedStrings.xml as it was
    columns: dict[str, int]
    extra_columns: dict[str, int]
    header_row: int
    header: list[tuple[int, bytes]]  # (row number, digest) of the rows down to the header
    rows: dict[bytes, Brief | None]  # digest -> the row's brief (None: a blank row)
    plain: dict[bytes, bytes]  # a row's plain digest -> its digest (with these shared strings)
    items: list[bytes]  # each shared string's digest, by index
    refs: dict[bytes, tuple[int, ...]]  # a row's plain digest -> the string indices it uses


def _key(options: ReadOptions) -> tuple[Any, ...]:
    return (MEMO_VERSION, reader_sha256(), options.blank_as_zero, options.sheet)


def _load(path: Path, options: ReadOptions) -> Memo | None:
    try:
        memo = pickle.loads(path.read_bytes())
    except Exception:  # no memo, or one this code cannot read: the full read
        return None
    return memo if isinstance(memo, Memo) and memo.key == _key(options) else None


def read_with_memo(path: Path, options: ReadOptions, memo_path: Path) -> Workbook:
    """The workbook at ``path`` read as :func:`~.rows.read_workbook` reads it, taking the rows
    that did not change since the memo at ``memo_path`` from it (and writing it afresh)."""
    if path.suffix.lower() not in _SUFFIXES:
        return assemble(read_rows(path, options))
    memo = _load(memo_path, options)
    raw = None
    if memo is not None:  # its rows hashed with their strings only where they are not known
        known = Known(memo.strings_digest, memo.items, memo.plain, memo.refs)
        raw = read_raw_sheet(path, memo.sheet, known)
    if memo is not None and raw is not None and raw.frame == memo.frame:
        taken = _read_changed(path, options, raw, memo, memo_path)
        if taken is not None:
            read, pending = taken
            _save(memo_path, options, raw, read, memo)
            return assemble(read, pending.load)
    read = read_rows(path, options)
    if raw is None or memo is None or read.sheet != memo.sheet:
        raw = read_raw_sheet(path, read.sheet)
    if raw is not None:
        _save(memo_path, options, raw, read, None)
    return assemble(read)


def _read_changed(path: Path, options: ReadOptions, raw: RawSheet, memo: Memo,
                  memo_path: Path) -> tuple[ReadRows, _Pending] | None:
    digests = raw.digests
    header = [(n, d) for n, d in zip(raw.numbers, digests, strict=True) if n <= memo.header_row]
    if header != memo.header:
        return None
    data = [i for i, n in enumerate(raw.numbers) if n > memo.header_row]
    changed = [i for i in data if digests[i] not in memo.rows]
    if len(changed) > max(50, len(data) // 10):
        return None  # parsing that many rows from a copy saves nothing
    pending = _Pending(path, options, raw, memo, memo_path)
    fresh = pending.parse(changed) if changed else {}
    if fresh is None:
        return None
    rows: list[AgencyRow] = []
    for i in data:
        number, digest = raw.numbers[i], digests[i]
        if digest in memo.rows:
            brief = memo.rows[digest]
            if brief is not None:
                rows.append(pending.row(number, i, brief))
        elif number in fresh:
            rows.append(fresh[number])
    if not rows:
        return None  # the full read says what is wrong
    return ReadRows(path, memo.sheet, memo.columns, memo.extra_columns, memo.header_row,
                    rows), pending


def _save(memo_path: Path, options: ReadOptions, raw: RawSheet, read: ReadRows,
          old: Memo | None) -> None:
    """Write the memo of what was just read (before its rows are compared: see assemble)."""
    digests = raw.digests
    by_number = {r.row: r for r in read.rows}
    rows: dict[bytes, Brief | None] = {}
    header = []
    for number, digest in zip(raw.numbers, digests, strict=True):
        if number <= read.header_row:
            header.append((number, digest))
            continue
        known = old.rows.get(digest) if old is not None else None
        row = by_number.get(number)
        if known is not None and row is not None and row.fingerprint() == known.fingerprint:
            rows[digest] = known
        else:
            rows[digest] = Brief.of(row) if row is not None else None
    if (old is not None and old.rows.keys() == rows.keys() and old.header == header
            and old.strings_digest == raw.strings_digest):
        return  # nothing new to remember
    plain = dict(zip(raw.plain, digests, strict=True))
    refs = dict(zip(raw.plain, raw.row_refs, strict=True))
    memo = Memo(_key(options), read.sheet, raw.frame, raw.strings_digest, read.columns,
                read.extra_columns, read.header_row, header, rows, plain, raw.item_digests,
                refs)
    with contextlib.suppress(OSError, OutputError):  # no cache folder: no shortcut, that is all
        memo_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(memo_path, pickle.dumps(memo, protocol=pickle.HIGHEST_PROTOCOL))


class _Pending:
    """The rows taken from the memo whose values are not read yet, and how to read them."""

    def __init__(self, path: Path, options: ReadOptions, raw: RawSheet, memo: Memo,
                 memo_path: Path) -> None:
        self.path, self.options, self.raw, self.memo = path, options, raw, memo
        self.memo_path = memo_path
        self.header = [i for i, n in enumerate(raw.numbers) if n <= memo.header_row]
        self.waiting: dict[int, tuple[AgencyRow, int]] = {}  # id(row) -> (row, position)

    def row(self, number: int, position: int, brief: Brief) -> AgencyRow:
        row = AgencyRow(self.memo.sheet, number, brief.agency, {}, {}, {}, self.memo.columns,
                        list(brief.findings), brief.fingerprint)
        row.values = _Later(self, row, "values", brief.values)
        row.raw = _Later(self, row, "raw", brief.raw)  # type: ignore[assignment]
        row.extras = _Later(self, row, "extras", {})  # type: ignore[assignment]
        self.waiting[id(row)] = (row, position)
        return row

    def parse(self, positions: list[int]) -> dict[int, AgencyRow] | None:
        """The rows at ``positions`` parsed from a copy of the file holding only them (and the
        header), by row number; None when the copy does not read as the memo says."""
        folder = Path(tempfile.gettempdir())
        handle, name = tempfile.mkstemp(suffix=".xlsx", prefix="annual-report-rows-", dir=folder)
        os.close(handle)
        subset = Path(name)
        try:
            write_subset(self.raw, sorted({*self.header, *positions}), subset)
            read = read_rows(subset, ReadOptions(self.options.blank_as_zero, self.memo.sheet))
        except (InputError, OSError):
            return None
        finally:
            with contextlib.suppress(OSError):
                subset.unlink()
        if (read.columns, read.extra_columns, read.header_row) != (
                self.memo.columns, self.memo.extra_columns, self.memo.header_row):
            return None
        return {row.row: row for row in read.rows}

    def load(self, rows: Iterable[AgencyRow]) -> None:
        """Read the values of those of ``rows`` that are still waiting, in one go."""
        wanted = [self.waiting[id(r)] for r in rows if id(r) in self.waiting]
        if not wanted:
            return
        fresh = self.parse([position for _row, position in wanted])
        for row, _position in wanted:
            got = fresh.get(row.row) if fresh is not None else None
            if got is None or got.fingerprint() != row.fingerprint():
                with contextlib.suppress(OSError):  # the next run reads the workbook in full
                    self.memo_path.unlink()
                raise InputError(
                    f"读取 {self.path.name} 第 {row.row} 行时与上次记下的不一致，已停止。"
                    "已清除读表记录：请重新运行同一命令（这次会完整读取总表）。")
            row.values, row.raw, row.extras = got.values, got.raw, got.extras
            del self.waiting[id(row)]

    def load_all(self) -> None:
        self.load([row for row, _position in list(self.waiting.values())])


class _Later(MutableMapping[str, Any]):
    """A row's values (or raw cells, or extra columns) from the memo: the brief's keys answered
    at once, anything else read (with every other waiting row) on first use."""

    __slots__ = ("_pending", "_row", "_name", "_brief")

    def __init__(self, pending: _Pending, row: AgencyRow, name: str, brief: dict[str, Any]
                 ) -> None:
        self._pending, self._row, self._name, self._brief = pending, row, name, brief

    def _loaded(self) -> MutableMapping[str, Any] | None:
        current = getattr(self._row, self._name)
        return None if current is self else current

    def _real(self) -> MutableMapping[str, Any]:
        current = self._loaded()
        if current is None:
            self._pending.load_all()
            current = self._loaded()
            assert current is not None
        return current

    def __getitem__(self, key: str) -> Any:
        if key in self._brief and self._loaded() is None:
            return self._brief[key]
        if key in _BRIEF_KEYS[self._name] and self._loaded() is None:
            raise KeyError(key)
        return self._real()[key]

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._brief and self._loaded() is None:
            return self._brief[key]
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if key in _BRIEF_KEYS[self._name] and self._loaded() is None:
            return key in self._brief
        return key in self._real()

    def __setitem__(self, key: str, value: Any) -> None:
        self._real()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._real()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._real())

    def __len__(self) -> int:
        return len(self._real())

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return _unchanged, (self._real(),)


def _unchanged(value: Any) -> Any:
    return value


_BRIEF_KEYS = {"values": frozenset(BRIEF_VALUES), "raw": frozenset(BRIEF_RAW),
               "extras": frozenset()}
