"""Hostile workbooks and cells: refused or reported with a Chinese message, never a crash.

Each file is made on disk the way a user's program would make it (openpyxl, a hand-edited
zip, a CSV written with the standard library) and read by the real command or reader.
"""

from __future__ import annotations

import csv
import random
import re
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from annual_report.format.model import FIELDS
from annual_report.workbook.blank import FIRST_DATA_ROW, write_workbook
from annual_report.workbook.rows import read_workbook
from factories import fill_consistent, zero_record

ROOT = Path(__file__).resolve().parents[2]
KEYS = [f.key for f in FIELDS]


def check(path: Path, timeout: float = 60) -> tuple[int, str, float]:
    start = time.monotonic()
    done = subprocess.run([sys.executable, str(ROOT / "generate.py"), "check", str(path)],
                          capture_output=True, text=True, timeout=timeout, cwd=path.parent)
    return done.returncode, done.stdout + done.stderr, time.monotonic() - start


def far_cell_workbook(path: Path, cell: str) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "总表"
    for index, key in enumerate(KEYS, start=1):
        ws.cell(row=1, column=index, value=key)
    for index, key in enumerate(KEYS, start=1):
        value = zero_record().get(key)
        ws.cell(row=2, column=index, value=value if not isinstance(value, dict) else None)
    ws[cell] = 1
    book.save(path)
    return path


def without_dimension(path: Path) -> Path:
    """The same workbook with the sheet's <dimension> removed, as some writers leave it."""
    target = path.with_name("nodim-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            dst.writestr(item, data)
    return target


@pytest.mark.parametrize("cell", ["XFD1048576", "ZZ200000"])
@pytest.mark.parametrize("dimension", [True, False])
def test_a_far_away_cell_is_refused_quickly_with_advice(tmp_path: Path, cell: str,
                                                       dimension: bool) -> None:
    path = far_cell_workbook(tmp_path / "远处.xlsx", cell)
    if not dimension:
        path = without_dimension(path)
    assert path.stat().st_size < 60_000
    code, output, elapsed = check(path)
    assert code == 2, output
    assert cell in output and "Ctrl+End" in output and "删除" in output
    assert "Traceback" not in output
    assert elapsed < 20


def _row_with(tmp_path: Path, **cells: Any) -> list[Any]:
    record = fill_consistent(zero_record(), random.Random(3))
    path = write_workbook(tmp_path / "w.xlsx", [record])
    book = openpyxl.load_workbook(path)
    ws = book["总表"]
    for key, value in cells.items():
        ws.cell(row=FIRST_DATA_ROW, column=KEYS.index(key) + 1, value=value)
    book.save(path)
    return read_workbook(path).rows[0].findings


@pytest.mark.parametrize("raw", [" 1 2 ", "1 000", "²", "₃", "٣", "१२", "①", "Ⅻ"])
def test_digits_a_user_did_not_type_as_a_number_are_r5(tmp_path: Path, raw: str) -> None:
    findings = _row_with(tmp_path, **{"apps.new.natural": raw})
    [finding] = [f for f in findings if f.field == "apps.new.natural"]
    assert finding.rule == "R5" and finding.is_error
    assert finding.cell.startswith("总表!")


@pytest.mark.parametrize("raw", ["１２", " 12 ", "12"])
def test_typed_digits_still_read(tmp_path: Path, raw: str) -> None:
    record = fill_consistent(zero_record(), random.Random(3))
    record["apps.new.natural"] = raw
    row = read_workbook(write_workbook(tmp_path / "w.xlsx", [record])).rows[0]
    assert row.values["apps.new.natural"] == 12


@pytest.mark.parametrize("raw", [1e300, 10**13, "1000000000000000", 2.5e12])
def test_implausibly_large_figures_are_errors_not_float_noise(tmp_path: Path, raw: Any) -> None:
    findings = _row_with(tmp_path, **{"apps.new.natural": raw, "fees.amount": raw})
    bad = {f.field: f for f in findings if f.rule == "R5"}
    assert {"apps.new.natural", "fees.amount"} <= set(bad)
    assert all("过大" in bad[k].message and len(bad[k].message) < 120 for k in bad)


@pytest.mark.parametrize("first, second", [
    ("ＡＢＣ局", "ABC局"),
    (unicodedata.normalize("NFC", "西安市樊川区档案馆é"), unicodedata.normalize("NFD", "西安市樊川区档案馆é")),
    ("西安市樊川区 统计局", "西安市樊川区统计局"),
])
def test_names_that_differ_only_in_width_or_composition_are_duplicates(
        tmp_path: Path, first: str, second: str) -> None:
    assert first != second
    a = fill_consistent(zero_record(first), random.Random(1))
    b = fill_consistent(zero_record(second), random.Random(2))
    path = write_workbook(tmp_path / "d.xlsx", [a, b])
    workbook = read_workbook(path)
    [dup] = [f for f in workbook.findings if f.rule == "DUPLICATE"]
    assert dup.row == FIRST_DATA_ROW + 1 and dup.is_error
    assert set(workbook.duplicates()) == {first, second}
    result = subprocess.run([sys.executable, str(ROOT / "generate.py"), "build", str(path),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert not list((tmp_path / "out").rglob("*.docx"))  # neither spelling is built


def test_a_narrative_formula_without_a_value_is_an_error_not_an_empty_section(
        tmp_path: Path) -> None:
    findings = _row_with(tmp_path, **{"text.overview": '=CONCATENATE("本年度","……")'})
    [finding] = [f for f in findings if f.field == "text.overview"]
    assert finding.rule == "R5" and finding.is_error and "公式" in finding.message


def test_a_semicolon_separated_csv_is_read(tmp_path: Path) -> None:
    records = [fill_consistent(zero_record(f"测试区第{i}局"), random.Random(i)) for i in range(3)]
    for record in records:  # commas in the texts must not decide the separator
        record["text.overview"] = "本机关, 按照要求, 做好公开工作, 1,2,3"
    path = tmp_path / "分号.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(KEYS)
        for record in records:
            writer.writerow(["" if record.get(k) is None else record.get(k) for k in KEYS])
    workbook = read_workbook(path)
    assert [r.agency for r in workbook.rows] == [r["agency"] for r in records]
    assert workbook.rows[0].values["text.overview"] == records[0]["text.overview"]
    assert not [f for f in workbook.findings if f.is_error]


INJECTIONS = ['=HYPERLINK("http://127.0.0.1/x","点我")', "=cmd|' /C calc'!A0", "=1+1", "@SUM(1)"]


def test_texts_starting_with_equals_stay_texts_in_every_workbook_we_write(tmp_path: Path) -> None:
    record = fill_consistent(zero_record(INJECTIONS[2]), random.Random(5))
    record["text.overview"] = INJECTIONS[0]
    record["联系人"] = INJECTIONS[1]
    path = write_workbook(tmp_path / "inj.xlsx", [record])
    ws = openpyxl.load_workbook(path)["总表"]
    found = {c.value: c.data_type for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value[:1] in "=@"}
    assert set(INJECTIONS[:3]) <= set(found) and set(found.values()) == {"s"}, found
    # LibreOffice, reading the file as a user's office suite would, shows the texts, not results
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "csv", "--outdir", str(tmp_path), str(path)],
                          capture_output=True, timeout=180)
    if done.returncode != 0:
        pytest.skip("LibreOffice could not convert here")
    text = (tmp_path / "inj.csv").read_text(encoding="utf-8", errors="replace")
    assert "=cmd|" in text and "HYPERLINK" in text
    assert read_workbook(path).rows[0].agency == INJECTIONS[2]
