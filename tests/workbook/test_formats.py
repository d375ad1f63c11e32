"""The reader on the other workbook formats an office may have: .ods and .xls (via LibreOffice)."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from annual_report.checks.run import check_workbook
from annual_report.workbook.blank import write_workbook
from factories import fill_consistent, zero_record

pytestmark = [
    pytest.mark.pdf,
    pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice)"),
]


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_converted_workbook_reads_the_same(tmp_path: Path, fmt: str) -> None:
    record = fill_consistent(zero_record(), random.Random(7))
    record["processing_fee.notice_amount"] = 12.5
    record["processing_fee.notices"] = max(1, record["processing_fee.notices"])
    bad = zero_record("有错的局")
    bad["review.upheld"] = 1
    source = write_workbook(tmp_path / "总表.xlsx", [record, bad])
    profile = tmp_path / "profile"
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}",
                           "--convert-to", fmt, "--outdir", str(tmp_path / fmt), str(source)],
                          check=True, capture_output=True, timeout=180)
    converted = tmp_path / fmt / f"总表.{fmt}"
    if not converted.exists() and b"could not be loaded" in done.stderr:
        pytest.skip("LibreOffice Calc is not installed (bash setup.sh --test installs it)")
    original, other = check_workbook(source), check_workbook(converted)
    assert [r.agency for r in other.rows] == ["测试区测试局", "有错的局"]
    assert other.rows[0].values == original.rows[0].values
    assert [(f.cell, f.rule) for f in other.findings] == [(f.cell, f.rule) for f in original.findings]
    assert [f.rule for f in other.findings if f.is_error] == ["R4"]
