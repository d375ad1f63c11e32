"""workbook.sheets.prefetch: the sheet read in a background thread gives the same rows, the same
errors, and never a stale file."""

from __future__ import annotations

from pathlib import Path

import pytest

from annual_report.errors import InputError
from annual_report.format.synthetic import district_records
from annual_report.workbook import sheets
from annual_report.workbook.blank import write_workbook
from annual_report.workbook.rows import read_workbook
from conftest import ROOT


def test_prefetched_rows_are_the_rows() -> None:
    path = ROOT / "input" / "master.xlsx"
    expected = [r.fingerprint() for r in read_workbook(path).rows]
    sheets.prefetch(path)
    assert sheets._PREFETCHED
    assert [r.fingerprint() for r in read_workbook(path).rows] == expected
    assert not sheets._PREFETCHED  # taken once


def test_a_prefetched_error_is_raised_when_read(tmp_path: Path) -> None:
    path = tmp_path / "坏.xlsx"
    path.write_bytes(b"not a zip")
    sheets.prefetch(path)
    with pytest.raises(InputError, match="无法读取 坏.xlsx"):
        read_workbook(path)


def test_a_file_changed_after_the_prefetch_is_read_anew(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "总表.xlsx", district_records(2, seed=1))
    sheets.prefetch(path)
    write_workbook(path, district_records(3, seed=1))
    assert len(read_workbook(path).rows) == 3
    sheets._PREFETCHED.clear()
