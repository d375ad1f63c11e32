"""Hand-made agency records and rows for the tests (consistent unless a test breaks them)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from annual_report.format.model import FIELDS
from annual_report.format.synthetic import fill_consistent, zero_record
from annual_report.workbook.rows import AgencyRow, ReadOptions, parse_row

COLUMNS = {f.key: i for i, f in enumerate(FIELDS)}

__all__ = ["COLUMNS", "fill_consistent", "libreoffice_xlsx", "make_row", "needs_libreoffice",
           "zero_record"]

# Tests that convert with LibreOffice and read the PDF back.
needs_libreoffice = pytest.mark.skipif(
    not shutil.which("soffice") or not shutil.which("pdftotext"),
    reason="needs LibreOffice (soffice) and pdftotext",
)


def make_row(record: dict[str, Any], number: int = 5, blank_as_zero: bool = False) -> AgencyRow:
    """Parse a record as the reader parses a sheet row (columns in the blank workbook's order)."""
    raw = {key: value for key, value in record.items() if key in COLUMNS}
    for key in COLUMNS:
        raw.setdefault(key, "")
    extras = {k: v for k, v in record.items() if k not in COLUMNS}
    return parse_row("总表", number, raw, extras, COLUMNS, ReadOptions(blank_as_zero=blank_as_zero))


def libreoffice_xlsx(source: Path, folder: Path, timeout: int = 180) -> Path:
    """``source`` as LibreOffice saves it (its own styles, texts in sharedStrings.xml), in the
    new ``folder``."""
    import subprocess

    folder.mkdir()
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/lo",
                    "--convert-to", "xlsx", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=timeout)
    return folder / source.name
