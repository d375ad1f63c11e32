"""The annotated copy on paper: page layout read back with openpyxl and printed by LibreOffice;
texts that look like formulas stay texts (issue 8 item 8)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from annual_report.checks.annotate import HEADERS, RESULT_SHEET, write_annotated
from annual_report.checks.run import check_workbook
from annual_report.format.model import FIELDS
from annual_report.workbook.blank import write_workbook
from conftest import ROOT
from factories import zero_record

SAMPLE = ROOT / "input" / "master.xlsx"
needs_soffice = pytest.mark.skipif(
    not shutil.which("soffice") or not shutil.which("pdftotext"),
    reason="needs LibreOffice (soffice) and pdftotext")


def typo_copy(tmp_path: Path) -> Path:
    """The sample with 一、本年新收·总计 one too high in its third agency's row."""
    book = openpyxl.load_workbook(SAMPLE)
    ws = book["总表"]
    column = next(c.column for c in ws[4] if c.value == "apps.new.total")
    ws.cell(row=7, column=column).value += 1
    path = tmp_path / "总表.xlsx"
    book.save(path)
    return path


def to_pdf(path: Path, mode: str = "-layout") -> list[str]:
    """The pages of the workbook printed by LibreOffice, as text (``-raw``: cell by cell)."""
    pdf = path.with_suffix(".pdf")
    if not pdf.exists():
        profile = path.parent / "lo-profile"
        subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(path.parent), str(path)],
                       check=True, capture_output=True, timeout=240)
    text = subprocess.run(["pdftotext", mode, str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")


@pytest.fixture(scope="module")
def annotated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("annotated")
    source = typo_copy(tmp)
    target = tmp / "批注.xlsx"
    write_annotated(check_workbook(source), target)
    return source, target


def test_page_layout_read_back(annotated: tuple[Path, Path]) -> None:
    source, target = annotated
    book = openpyxl.load_workbook(target)
    results = book[RESULT_SHEET]
    assert results.page_setup.orientation == "landscape"
    assert results.sheet_properties.pageSetUpPr.fitToPage
    assert (results.page_setup.fitToWidth, results.page_setup.fitToHeight) == (1, 0)
    assert results.print_title_rows == "$1:$1"
    assert [c.value for c in results[1]] == list(HEADERS)
    long_rows = [r for r in range(2, results.max_row + 1)
                 if len(str(results.cell(row=r, column=6).value)) > 40]
    assert long_rows
    for r in long_rows:
        assert results.cell(row=r, column=6).alignment.wrap_text
        assert (results.row_dimensions[r].height or 0) > 30  # grown for the wrapped lines
    main = book["总表"]
    assert main.page_setup.orientation == "landscape"
    assert main.page_setup.cellComments == "atEnd"
    assert main.print_title_rows == "$1:$4"  # the four header rows of the blank workbook
    assert main.print_title_cols == "$A:$A"  # 机关全称
    assert main["A4"].value == "agency"
    # Findings that point at the cause come first in the sheet too.
    report = check_workbook(source)
    rules = [results.cell(row=r, column=4).value.split()[0] for r in range(2, 5)]
    assert rules == ["R1", "R7", "R2"]
    assert [results.cell(row=r, column=3).value for r in range(2, results.max_row + 1)] == [
        f.cell for f in report.findings]


@needs_soffice
def test_printed_by_libreoffice(annotated: tuple[Path, Path]) -> None:
    source, target = annotated
    pages = to_pdf(target)
    report = check_workbook(source)
    first = pages[0]
    for header in HEADERS:
        assert header in first
    squashed = re.sub(r"\s+", "", "".join(to_pdf(target, "-raw")[:2]))
    for finding in report.findings:  # the 说明 is printed whole, not cut at the column's edge
        assert finding.message[-8:] in squashed, finding.message
    agencies = [r.agency for r in report.rows]
    # 总表's pages repeat its header rows, whose last holds the key "agency" in column A.
    sheet_pages = [i for i, p in enumerate(pages) if re.search(r"^\s*agency\b", p, re.M)]
    assert len(sheet_pages) > 10  # 220 columns and 35 agencies: many pages across and down
    assert sheet_pages == list(range(sheet_pages[0], sheet_pages[-1] + 1))
    assert all("键名" in p for p in pages[: sheet_pages[0]])  # 校验结果 comes first
    for i in sheet_pages:  # every page of the 总表 printout names its agencies
        assert "机关全称" in pages[i] and any(a in pages[i] for a in agencies), i


HOSTILE = ['=HYPERLINK("http://example.com","点我")', "=cmd|' /C calc'!A0", "=1+1"]


def hostile_xlsx(tmp_path: Path) -> Path:
    records = []
    for i in range(len(HOSTILE)):
        record = zero_record(f"甲局{i}")
        record["review.upheld"] = 1  # R4: each agency gets a finding in 校验结果
        records.append(record)
    path = write_workbook(tmp_path / "总表.xlsx", records)
    book = openpyxl.load_workbook(path)
    ws = book["总表"]
    columns = {c.value: c.column for c in ws[4]}
    for i, text in enumerate(HOSTILE):
        for key in ("agency", "text.other"):
            cell = ws.cell(row=5 + i, column=columns[key])
            cell.value = text
            cell.data_type = "s"  # a text cell, as Excel stores a text typed with a leading '
    book.save(path)
    return path


def hostile_csv(tmp_path: Path) -> Path:
    path = tmp_path / "总表.csv"
    lines = [",".join(f.key for f in FIELDS)]
    for text in HOSTILE:
        record = zero_record("x")
        record["review.upheld"] = 1
        record["agency"] = text
        record["text.other"] = text
        lines.append(",".join('"' + str(record.get(f.key) if record.get(f.key) is not None
                                        else "").replace('"', '""') + '"' for f in FIELDS))
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("make", [hostile_xlsx, hostile_csv])
def test_texts_that_look_like_formulas_stay_texts(make: object, tmp_path: Path) -> None:
    source = make(tmp_path)  # type: ignore[operator]
    report = check_workbook(source)
    assert {r.agency for r in report.rows} == set(HOSTILE)
    target = tmp_path / "批注.xlsx"
    write_annotated(report, target)
    book = openpyxl.load_workbook(target)
    ws = book[report.workbook.sheet]
    written = [c for row in ws.iter_rows() for c in row if c.value in HOSTILE]
    assert len(written) == 2 * len(HOSTILE)
    assert all(c.data_type == "s" for c in written)
    results = book[RESULT_SHEET]
    names = [results.cell(row=r, column=1) for r in range(2, results.max_row + 1)]
    assert {c.value for c in names} == set(HOSTILE)
    assert all(c.data_type == "s" for c in names)
    if shutil.which("soffice") and shutil.which("pdftotext"):
        printed = "".join(to_pdf(target))
        assert "=cmd|' /C calc'!A0" in printed and "=1+1" in printed and "=HYPERLINK(" in printed
