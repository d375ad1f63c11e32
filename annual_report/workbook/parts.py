"""The parts of an ``.xlsx`` package, read without loading a sheet: which zip member holds a sheet,
the range its ``<dimension>`` gives (and the refusal of an absurd one), and the cells holding a
formula without a cached value or an error value.
"""

from __future__ import annotations

import itertools
import operator
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError
from . import zipread

# A master sheet is a few hundred columns by a few thousand rows. The reader holds a sheet as a
# dense grid, so one stray cell at XFD1048576 would ask for billions of cells: refuse instead.
MAX_ROWS = 200_000
MAX_COLUMNS = 2_000
MAX_CELLS = 6_000_000  # 20,000 agencies of 300 columns
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([^"]*)"')
_FORMULA_OR_ERROR = re.compile(rb"<(?:\w+:)?f[\s>/]|\st=\"e\"")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


FORMULA_WITHOUT_VALUE = "formula"


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding a sheet of an ``.xlsx``, by the sheet's name."""
    from lxml import etree

    book = etree.fromstring(archive.read("xl/workbook.xml"))
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for s in book.iter(f"{SHEET_NS}sheet"):
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


def _column_number(letters: str | bytes) -> int:
    number = 0
    for ch in (letters.decode("ascii") if isinstance(letters, bytes) else letters).upper():
        number = number * 26 + ord(ch) - 64
    return number


_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="([0-9]+)"')
_CELL_REFERENCE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Za-z]+)([0-9]+)"')
_LONGEST_TAG = 1 << 16  # an unfinished tag kept for the next block (no writer writes longer)


def _extent(blocks: Iterable[bytes]) -> tuple[int, int, str]:
    """(rows, columns, last cell) that a sheet's cells reach, from every cell reference.

    The XML is scanned as it is given, a block at a time: a sheet without a ``<dimension>``
    (openpyxl's write-only mode writes none) may have hundreds of MB of it, and its references
    as Python objects all at once took twice that again."""
    rows, columns, last = 0, 0, "A1"
    rest = b""
    for block in itertools.chain(blocks, (None,)):
        if block is None:  # the end: what was kept back
            data, rest = rest, b""
        else:
            data = rest + block
            cut = data.rfind(b"<")  # the tag it opens may end in the next block
            if cut < 0:
                continue  # no tag begins here: nothing to find
            if cut > 0:
                data, rest = data[:cut], data[cut:]
            elif len(data) > _LONGEST_TAG:  # one tag longer than any writer's: scanned as it is
                rest = b""
            else:
                rest = data
                continue
        numbers = _ROW_NUMBER.findall(data)
        if numbers:
            rows = max(rows, max(map(int, numbers)))
        found = _CELL_REFERENCE.findall(data)
        if not found:
            continue
        rows = max(rows, max(map(int, map(operator.itemgetter(1), found))))
        letters = max({letters for letters, _number in found}, key=_column_number)
        column = _column_number(letters)
        if column > columns:
            number = next(n for c, n in found if c == letters)
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
                    rows, columns, last = _extent(
                        zipread.member_blocks(archive, archive.getinfo(part)))
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
                for _event, cell in etree.iterparse(stream, tag=f"{SHEET_NS}c"):
                    formula = cell.find(f"{SHEET_NS}f")
                    value = cell.find(f"{SHEET_NS}v")
                    if cell.get("t") == "e":
                        found[cell.get("r", "")] = (value.text if value is not None else "") or "#错误"
                    elif formula is not None and (value is None or not value.text):
                        found[cell.get("r", "")] = FORMULA_WITHOUT_VALUE
                    cell.clear()
            return found
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return {}
