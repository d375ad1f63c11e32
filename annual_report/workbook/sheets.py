"""Raw sheets from workbook files: every cell as read, for the reader and the annotated copy.

``.xlsx``/``.xlsm``/``.xls``/``.ods`` are read with python-calamine (cached values only), ``.csv``
as UTF-8 or GB18030. A file that cannot be read raises :class:`InputError`, in Chinese.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

MAIN_SHEET = "总表"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
# A master sheet is a few hundred columns by a few thousand rows. The reader holds a sheet as a
# dense grid, so one stray cell at XFD1048576 would ask for billions of cells: refuse instead.
MAX_ROWS = 200_000
MAX_COLUMNS = 2_000
MAX_CELLS = 6_000_000  # 20,000 agencies of 300 columns
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([^"]*)"')
_FORMULA_OR_ERROR = re.compile(rb"<(?:\w+:)?f[\s>/]|\st=\"e\"")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


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
            names = [s.get("name") for s in book.iter(f"{_NS}sheet")]
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


# --- header detection -----------------------------------------------------------------------------


FORMULA_WITHOUT_VALUE = "formula"


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding a sheet of an ``.xlsx``, by the sheet's name."""
    from lxml import etree

    book = etree.fromstring(archive.read("xl/workbook.xml"))
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for s in book.iter(f"{_NS}sheet"):
        if s.get("name") == sheet:
            rid = s.get(f"{_REL_NS}id")
            for rel in rels:
                if rel.get("Id") == rid:
                    return part_name(rel.get("Target", ""))
    return None


_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def part_name(target: str) -> str:
    """The zip member a relationship of ``xl/workbook.xml`` names (its target is relative to
    ``xl/`` unless it starts with ``/``)."""
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def related_parts(archive: zipfile.ZipFile, type_suffix: str) -> list[str]:
    """The parts that the workbook's relationships of a type ending in ``type_suffix`` name
    (``"/worksheet"``, ``"/sharedStrings"``), in their order."""
    from lxml import etree

    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    return [part_name(rel.get("Target", "")) for rel in rels.iter(f"{_PACKAGE_RELS}Relationship")
            if rel.get("Type", "").endswith(type_suffix)]


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _extent(data: bytes) -> tuple[int, int, str]:
    """(rows, columns, last cell) that a sheet's cells reach, from every cell reference."""
    rows = max((int(m) for m in re.findall(rb'<(?:\w+:)?row\b[^>]*?\sr="([0-9]+)"', data)), default=0)
    columns, last = 0, "A1"
    for letters, number in re.findall(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Za-z]+)([0-9]+)"', data):
        column = _column_number(letters.decode())
        rows = max(rows, int(number))
        if column > columns:
            columns, last = column, f"{letters.decode()}{int(number)}"
    return rows, columns, last


def used_range(head: bytes) -> tuple[str, str, str, int] | None:
    """The range the ``<dimension>`` in ``head`` (the sheet's XML before its rows) gives: its
    first cell, its last cell, the last cell's column letters and row, ``$`` signs dropped; None
    where there is none, or it names one cell only (openpyxl writes ``A1`` for an empty sheet)."""
    match = _DIMENSION.search(head)
    if match is None:
        return None
    first, colon, last = match.group(1).decode().replace("$", "").partition(":")
    start, end = _REF.match(first), _REF.match(last)
    if not colon or start is None or end is None:
        return None
    return first, last, end.group(1), int(end.group(2))


def check_extent(path: Path, sheets: list[str]) -> None:
    """Refuse an ``.xlsx`` sheet whose used range is absurdly large, before it is loaded.

    The ``<dimension>`` that Excel, WPS, LibreOffice and openpyxl write says it at the top of the
    sheet; where a file has none (or only ``A1``), every cell reference is scanned instead.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for sheet in sheets:
                part = sheet_part(archive, sheet)
                if part is None:
                    continue
                with archive.open(part) as stream:
                    head = stream.read(4096)
                extent = used_range(head)
                if extent is not None:  # a range A1:HM1004
                    last = extent[1]
                    rows, columns = extent[3], _column_number(extent[2])
                else:
                    rows, columns, last = _extent(archive.read(part))
                if rows > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
                    raise InputError(
                        f"无法读取 {path.name}：工作表“{sheet}”的使用范围一直延伸到 {last}"
                        f"（{rows} 行、{columns} 列），远远超出一张总表的大小，多半是远处有一个"
                        "误填的单元格或格式。请在 Excel 或 WPS 中按 Ctrl+End 找到最后一个单元格，"
                        "删除总表以外多余的行和列，保存后再重试。")
    except (KeyError, zipfile.BadZipFile, ValueError):
        return  # not readable as .xlsx here: calamine gives the reading error


def _formula_or_error_in(window: bytes) -> bool:
    """``_FORMULA_OR_ERROR.search(window)``, found from the literals every match holds: bytes.find
    skips through the XML at C speed where the regex would try its alternatives at every "<"
    and white space (0.16 s for the 7 MB sheet of 1,000 rows)."""
    at = window.find(b"<f")
    while at != -1:  # <f> or <f t="shared" …>: the match starts at "<"
        if _FORMULA_OR_ERROR.match(window, at):
            return True
        at = window.find(b"<f", at + 1)
    at = window.find(b":f")
    while at != -1:  # <x:f>: the match starts at the last "<" before (\w+ holds none)
        start = window.rfind(b"<", 0, at)
        if start != -1 and _FORMULA_OR_ERROR.match(window, start):
            return True
        at = window.find(b":f", at + 1)
    at = window.find(b't="e"')
    while at != -1:  # an error value: the match starts at the white space before t=
        if at and _FORMULA_OR_ERROR.match(window, at - 1):
            return True
        at = window.find(b't="e"', at + 1)
    return False


def _contains_formula_or_error(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether a sheet's XML holds a formula or an error value, read in chunks, never whole."""
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            if _formula_or_error_in(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def unreadable_cells(path: Path, sheet: str) -> dict[str, str]:
    """Cells of an ``.xlsx`` sheet that hold no usable value: reference (``B7``) ->
    :data:`FORMULA_WITHOUT_VALUE` or the error value (``#DIV/0!``)."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            if not part:
                return {}
            if not _contains_formula_or_error(archive, part):  # the usual case
                return {}
            found: dict[str, str] = {}
            with archive.open(part) as stream:
                for _event, cell in etree.iterparse(stream, tag=f"{_NS}c"):
                    formula = cell.find(f"{_NS}f")
                    value = cell.find(f"{_NS}v")
                    if cell.get("t") == "e":
                        found[cell.get("r", "")] = (value.text if value is not None else "") or "#错误"
                    elif formula is not None and (value is None or not value.text):
                        found[cell.get("r", "")] = FORMULA_WITHOUT_VALUE
                    cell.clear()
            return found
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return {}
