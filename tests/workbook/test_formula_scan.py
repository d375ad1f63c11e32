"""The scan for formulas without a value and error cells finds what its pattern finds, in sheet
XML written by hand (namespace prefixes, a formula across the 1 MiB read boundary)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from annual_report.workbook.parts import (
    _FORMULA_OR_ERROR,
    FORMULA_WITHOUT_VALUE,
    _formula_or_error_in,
    unreadable_cells,
)

_BYTES = st.lists(st.sampled_from([b"<", b"f", b":", b"x", b" ", b"\n", b"t", b"=", b'"', b"e", b">",
                                   b"/", b"a", b"<f", b":f", b't="e"', b"<c", b"ormula"]),
                  max_size=24).map(b"".join)


@given(_BYTES)
def test_the_literal_scan_agrees_with_the_pattern(window: bytes) -> None:
    assert _formula_or_error_in(window) == bool(_FORMULA_OR_ERROR.search(window))


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xlsx(path: Path, sheet_xml: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
                         '<sheet name="总表" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'relationships"><Relationship Id="rId1" Type="x" '
                         'Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def test_prefixed_formulas_and_error_values(tmp_path: Path) -> None:
    cells = ('<x:row r="5"><x:c r="B5"><x:f>SUM(1,2)</x:f></x:c>'
             '<x:c r="C5" t="e"><x:v>#DIV/0!</x:v></x:c><x:c r="D5"><x:v>3</x:v></x:c></x:row>')
    path = _xlsx(tmp_path / "p.xlsx", f'<x:worksheet xmlns:x="{_MAIN}"><x:sheetData>{cells}'
                                      '</x:sheetData></x:worksheet>')
    assert unreadable_cells(path, "总表") == {"B5": FORMULA_WITHOUT_VALUE, "C5": "#DIV/0!"}


def test_a_formula_across_the_read_boundary(tmp_path: Path) -> None:
    head = f'<worksheet xmlns="{_MAIN}"><sheetData><row r="5"><c r="A5" t="inlineStr"><is><t>'
    filler = "x" * ((1 << 20) - len(head.encode()) - len("</t></is></c><c r=\"B5\">") - 1)
    sheet = f'{head}{filler}</t></is></c><c r="B5"><f>1+1</f></c></row></sheetData></worksheet>'
    at = sheet.encode().index(b"<f>")
    assert at < 1 << 20 < at + 3  # "<f>" is cut by the first read
    assert unreadable_cells(_xlsx(tmp_path / "b.xlsx", sheet), "总表") == {"B5": FORMULA_WITHOUT_VALUE}


def test_no_formula_no_scan_result(tmp_path: Path) -> None:
    sheet = (f'<worksheet xmlns="{_MAIN}"><sheetData><row r="5"><c r="A5"><v>1</v></c></row>'
             '</sheetData><dataValidations><dataValidation><formula1>0</formula1>'
             '</dataValidation></dataValidations></worksheet>')
    assert unreadable_cells(_xlsx(tmp_path / "n.xlsx", sheet), "总表") == {}
