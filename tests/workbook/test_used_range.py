"""The one reading of a sheet's ``<dimension>``: the size check and the re-read copy share it."""

from __future__ import annotations

import pytest

from annual_report.workbook.parts import used_range

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
