"""The one reading of a sheet's ``<dimension>``: the size check and the re-read copy share it;
without one, the cell references scanned a block at a time give what a scan of the whole gives."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annual_report.workbook.parts import (
    _column_number,
    _extent,
    sheet_part,
    used_range,
)
from annual_report.workbook.sheets import column_letter

HEAD = b'<?xml version="1.0"?><worksheet xmlns="m"><sheetPr/>%s<sheetViews/>'


@pytest.mark.parametrize(("element", "expected"), [
    (b'<dimension ref="A1:HM1004"/>', ("A1", "HM1004", "HM", 1004)),
    (b'<dimension ref="$A$1:$HM$1004"/>', ("A1", "HM1004", "HM", 1004)),
    (b'<x:dimension ref="B3:C7"/>', ("B3", "C7", "C", 7)),
    (b'<dimension ref="A1:B2"></dimension>', ("A1", "B2", "B", 2)),
    (b'<dimension ref="A1"/>', None),  # openpyxl's empty sheet: the cells must be scanned
    (b'<dimension ref=""/>', None),
    (b'<dimension ref="A1:"/>', None),
    (b'<dimension ref="1:5"/>', None),
    (b"", None),
])
def test_used_range(element: bytes, expected: tuple[str, str, str, int] | None) -> None:
    assert used_range(HEAD % element) == expected


# -- a sheet without a <dimension>: every cell reference is scanned, a block at a time --

def _sheet(rows: int, columns: list[str], prefix: bytes = b"") -> bytes:
    cells = b"".join(b'<%sc r="%s%%d" t="n"><%sv>1</%sv></%sc>' % (prefix, c.encode(), prefix,
                     prefix, prefix) for c in columns)
    body = b"".join(b'<%srow r="%d">' % (prefix, n) + cells.replace(b"%d", b"%d" % n)
                    + b"</%srow>" % prefix for n in range(1, rows + 1))
    return b'<worksheet xmlns="m"><sheetData>' + body + b"</sheetData></worksheet>"


def _whole(data: bytes) -> tuple[int, int, str]:
    """The extent as a scan of the whole XML at once gives it (the definition)."""
    rows = max((int(m) for m in re.findall(rb'<(?:\w+:)?row\b[^>]*?\sr="([0-9]+)"', data)),
               default=0)
    columns, last = 0, "A1"
    for letters, number in re.findall(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Za-z]+)([0-9]+)"', data):
        rows = max(rows, int(number))
        column = _column_number(letters.decode())
        if column > columns:
            columns, last = column, f"{letters.decode()}{int(number)}"
    return rows, columns, last


@given(st.integers(0, 6), st.lists(st.sampled_from(["A", "B", "Z", "AA", "HN", "b", "XFD"]),
                                   max_size=5),
       st.sampled_from([b"", b"x:"]), st.lists(st.integers(1, 400), max_size=8))
def test_the_extent_read_in_blocks_is_the_extent_of_the_whole(
        rows: int, columns: list[str], prefix: bytes, cuts: list[int]) -> None:
    data = _sheet(rows, columns, prefix)
    if rows:  # a cell beyond its row's number, and a row number beyond every cell
        data = data.replace(b"</sheetData>", b'<row r="%d"/><row r="3"><c r="C%d"/></row>'
                            b"</sheetData>" % (rows + 7, rows + 40))
    points = sorted({min(c, len(data)) for c in cuts})
    blocks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    assert _extent(iter(blocks)) == _whole(data)


def _workbook(path: Path, sheet: bytes) -> Path:
    """A minimal .xlsx whose one sheet, 总表, is ``sheet``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b'<workbook xmlns="http://schemas.openxmlformats.org/'
                         b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                         b'officeDocument/2006/relationships"><sheets><sheet name="\xe6\x80\xbb'
                         b'\xe8\xa1\xa8" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", b'<Relationships xmlns="http://schemas.'
                         b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1"'
                         b' Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                         b'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                         b"</Relationships>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    with zipfile.ZipFile(path) as archive:
        assert sheet_part(archive, "总表") == "xl/worksheets/sheet1.xml"
    return path


def _peak_mib_of_check(path: Path) -> float:
    """The peak resident memory of a process that imports the reader and checks ``path``."""
    code = ("import sys; from pathlib import Path; from annual_report.workbook.parts import "
            "check_extent; check_extent(Path(sys.argv[1]), ['总表'])")
    process = subprocess.Popen([sys.executable, "-c", code, str(path)])
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0
    return usage.ru_maxrss / 1024


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="the peak of one process: os.wait4")
def test_a_large_sheet_without_dimension_is_never_held_whole(tmp_path: Path) -> None:
    """A 20 MB sheet's XML (openpyxl's write-only mode writes no <dimension>) is scanned in
    blocks: the check holds a few MiB, not the XML and every reference in it (64 MiB more
    when it held them)."""
    columns = [column_letter(i) for i in range(220)]
    small = _workbook(tmp_path / "小.xlsx", _sheet(10, columns))
    data = _sheet(4_500, columns)
    assert len(data) > 20_000_000
    large = _workbook(tmp_path / "大.xlsx", data)
    del data
    grown = _peak_mib_of_check(large) - _peak_mib_of_check(small)
    assert grown < 24, f"{grown:.0f} MiB more for the large sheet"
