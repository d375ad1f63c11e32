"""Raw sheets from workbook files: every cell as read, for the reader and the annotated copy.

``.xlsx``/``.xlsm``/``.xls``/``.ods`` are read with python-calamine (cached values only), ``.csv``
as UTF-8 or GB18030. A file that cannot be read raises :class:`InputError`, in Chinese.
"""

from __future__ import annotations

import csv
import io
import itertools
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .parts import SHEET_NS, check_extent, sheet_part

MAIN_SHEET = "总表"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class SheetRows:
    """One sheet's rows, [0][0] = A1: the first :data:`HEAD_ROWS` held, the rest read lazily,
    so a large sheet never sits in memory as Python objects while its rows are parsed."""

    name: str
    head: list[list[Any]]
    rest: Iterator[list[Any]]
    sliced: bool = False  # a large sheet read in slices (see :mod:`.slices`)

    def all_rows(self) -> list[list[Any]]:
        return [*self.head, *self.rest]


HEAD_ROWS = 16  # enough to find the header (headers.HEADER_SCAN_ROWS) and its rows


def load_grids(path: Path, wanted: str | None = None) -> list[tuple[str, list[list[Any]]]]:
    """Sheets as (name, rows) of raw values, [0][0] = A1: the wanted or master sheet, else all."""
    return [(sheet.name, sheet.all_rows()) for sheet in open_sheets(path, wanted)]


_Key = tuple[str, str | None, int, int]
_PREFETCHED: dict[_Key, Future[list[SheetRows]]] = {}


def _key(path: Path, wanted: str | None) -> _Key | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return str(path.resolve()), wanted, status.st_size, status.st_mtime_ns


def prefetch(path: Path, wanted: str | None = None) -> None:
    """Start loading a workbook's sheet in a background thread (python-calamine releases the
    GIL while it reads), so that imports or compiling the template run meanwhile; the next
    :func:`open_sheets` of the same unchanged file takes the result (or its error)."""
    key = _key(path, wanted)
    if key is None or key in _PREFETCHED:
        return
    if path.suffix.lower() in (".xlsx", ".xlsm") and _sheet_to_slice(path, wanted) is not None:
        return  # read as a stream anyway; a thread would hold a second heap of its buffers
    future: Future[list[SheetRows]] = Future()

    def load() -> None:
        try:
            future.set_result(_open_sheets(path, wanted))
        except BaseException as exc:  # handed to open_sheets, raised there
            future.set_exception(exc)

    _PREFETCHED[key] = future
    threading.Thread(target=load, name="prefetch-workbook", daemon=True).start()


def open_sheets(path: Path, wanted: str | None = None) -> list[SheetRows]:
    """The wanted or master sheet (else every sheet), each with its rows to be read in order."""
    key = _key(path, wanted) if _PREFETCHED else None
    future = _PREFETCHED.pop(key, None) if key is not None else None
    if future is not None:
        return future.result()
    return _open_sheets(path, wanted)


def _open_sheets(path: Path, wanted: str | None) -> list[SheetRows]:
    if not path.exists():
        raise InputError(f"找不到文件：{path}。请检查路径和文件名。")
    if path.is_dir():
        raise InputError(f"{path} 是文件夹，不是工作簿。请给出 .xlsx 文件的路径。")
    suffix = path.suffix.lower()
    if suffix == ".csv":  # one table: called 总表 so references read as in the .xlsx
        rows = iter(_read_csv(path))
        return [SheetRows(MAIN_SHEET, list(itertools.islice(rows, HEAD_ROWS)), rows)]
    if suffix not in WORKBOOK_SUFFIXES:
        raise InputError(
            f"无法读取 {path.name}：只支持 .xlsx、.xls、.ods 和 .csv 文件。"
            "请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后重试。"
        )
    if suffix in (".xlsx", ".xlsm") and (sliced := _sliced(path, wanted)) is not None:
        return [sliced]
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        if wanted is None and MAIN_SHEET in names:
            names = [MAIN_SHEET]  # the usual case: read only the master sheet
        elif wanted is not None and wanted in names:
            names = [wanted]
    except python_calamine.PasswordError as exc:
        raise InputError(
            f"无法读取 {path.name}：文件设置了打开密码。请在 Excel 或 WPS 中取消密码后另存，再重试。"
        ) from exc
    except Exception as exc:  # calamine raises a handful of unrelated types for broken files
        raise _unreadable(path) from exc
    if suffix in (".xlsx", ".xlsm"):
        check_extent(path, names)
    try:
        sheets = []
        for name in names:
            rows = _calamine_rows(book.get_sheet_by_name(name), path)
            sheets.append(SheetRows(name, list(itertools.islice(rows, HEAD_ROWS)), rows))
        return sheets
    except Exception as exc:
        raise _unreadable(path) from exc


# A sheet's XML this large (about 2,400 agencies with real narratives) is read in slices; a
# smaller one is read whole, ~25 % faster, for at most ~60 MiB more while it is read.
SLICED_FROM = 16 << 20


def _sheet_to_slice(path: Path, wanted: str | None) -> str | None:
    """The name of the one sheet of an ``.xlsx`` to be read, when it is to be read in slices
    (see :mod:`.slices`): its XML is large."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            book = etree.fromstring(archive.read("xl/workbook.xml"))
            names = [s.get("name") for s in book.iter(f"{SHEET_NS}sheet")]
            name = wanted if wanted is not None else MAIN_SHEET
            if names.count(name) != 1:
                return None  # every sheet, or a message naming them: the usual way
            part = sheet_part(archive, name)
            if part is None or archive.getinfo(part).file_size < SLICED_FROM:
                return None
            return name
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return None


def _sliced(path: Path, wanted: str | None) -> SheetRows | None:
    """The one sheet to be read, read slice by slice when its XML is large; None: read it the
    usual way (calamine reads the whole workbook's shared strings on opening it, so it is not
    opened here)."""
    name = _sheet_to_slice(path, wanted)
    if name is None:
        return None
    check_extent(path, [name])
    from .slices import sliced_rows

    def whole() -> Iterator[list[Any]]:
        import python_calamine

        try:
            book = python_calamine.CalamineWorkbook.from_path(str(path))
            sheet = book.get_sheet_by_name(name)
        except Exception as exc:
            raise _unreadable(path) from exc
        return _calamine_rows(sheet, path)

    rows = sliced_rows(path, name, whole)
    try:
        head = list(itertools.islice(rows, HEAD_ROWS))
    except InputError:
        raise
    except Exception as exc:
        raise _unreadable(path) from exc
    return SheetRows(name, head, _unreadable_on_error(rows, path), sliced=True)


def _unreadable_on_error(rows: Iterator[list[Any]], path: Path) -> Iterator[list[Any]]:
    try:
        yield from rows
    except InputError:
        raise
    except Exception as exc:
        raise _unreadable(path) from exc


def _unreadable(path: Path) -> InputError:
    return InputError(
        f"无法读取 {path.name}：文件已损坏、已加密或不是 Excel 工作簿。"
        "请用 Excel 或 WPS 打开确认后，“另存为” .xlsx 再重试。")


def _calamine_rows(sheet: Any, path: Path) -> Iterator[list[Any]]:
    """A calamine sheet's rows from A1: iter_rows starts at row 1 but at the first used column."""
    if sheet.height == 0:
        return
    pad = [""] * sheet.start[1]
    try:
        for row in sheet.iter_rows():
            yield [*pad, *row] if pad else row
    except Exception as exc:
        raise _unreadable(path) from exc


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
    delimiter = _delimiter(text)
    # newline='' keeps the line breaks inside quoted cells (one paragraph a line)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _delimiter(text: str) -> str:
    """The field separator of a CSV: the one that splits its first rows into the most columns.

    A master has hundreds of columns, so its header rows decide it, whatever commas or
    semicolons the narrative texts hold (csv.Sniffer can be misled by those)."""
    best, most = ",", 0
    for candidate in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text[:200_000], newline=""), delimiter=candidate)
        try:
            width = max((len(row) for row in itertools.islice(reader, 8)), default=0)
        except csv.Error:
            continue
        if width > most:
            best, most = candidate, width
    return best
