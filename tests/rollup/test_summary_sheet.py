"""The sheet 汇总: figures and ratios match our own arithmetic — as cached in the file and as
LibreOffice computes the formulas —, blank ratios where the denominator is 0, and charts whose
series point at the right cells and that LibreOffice renders."""

from __future__ import annotations

import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.chart import BarChart, PieChart
from python_calamine import CalamineWorkbook

from annual_report.rollup.run import rollup_workbook
from annual_report.rollup.summary import COLUMNS, RATIOS
from districts import DISTRICT, OFFICE, children_of, expected_sums, leaf, three_levels, write_master
from factories import needs_libreoffice, zero_record

IDLE = "测试区无申请局"  # every figure 0: every ratio's denominator is 0
RATIO_HEADERS = ["予以公开率", "公开率（含部分公开）", "无法提供占比", "不予处理占比", "复议纠错率", "诉讼败诉率"]


def our_ratios(r: dict[str, Any]) -> dict[str, float | None]:
    """The ratios as docs/rollup.md defines them, on the model's field keys."""
    def share(top: float, bottom: float) -> float | None:
        return None if bottom == 0 else top / bottom

    results = r["apps.results_total.total"]
    unavailable = sum(r[f"apps.{k}.total"] for k in ("unavailable.not_held", "unavailable.needs_creation",
                                                 "unavailable.unclear"))
    rejected = sum(r[f"apps.rejected.{k}.total"] for k in ("petition", "duplicate", "publication",
                                                            "excessive", "confirmation"))
    suits = ("suit_direct", "suit_after_review")
    return {
        "予以公开率": share(r["apps.granted.total"], results),
        "公开率（含部分公开）": share(r["apps.granted.total"] + r["apps.partial.total"], results),
        "无法提供占比": share(unavailable, results),
        "不予处理占比": share(rejected, results),
        "复议纠错率": share(r["review.corrected"], r["review.total"] - r["review.pending"]),
        "诉讼败诉率": share(sum(r[f"{s}.corrected"] for s in suits),
                       sum(r[f"{s}.total"] - r[f"{s}.pending"] for s in suits)),
    }


@pytest.fixture(scope="module")
def rolled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], Path]:
    folder = tmp_path_factory.mktemp("summary")
    records = three_levels()
    idle = {**zero_record(IDLE), "parent": DISTRICT}
    records.append(idle)
    master = write_master(folder / "总表.xlsx", records)
    result = rollup_workbook(master, folder / "汇总.xlsx")
    assert result.report.ok, result.report.errors
    full = {r["agency"]: r for r in records}
    for name, sums in expected_sums(records).items():
        full[name] = {**full[name], **sums}
    return full, result.into


def sheet_rows(ws: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """(block, agency) -> header -> value of the 汇总 sheet."""
    headers = [c.value for c in ws[4]]
    found = {}
    for row in ws.iter_rows(min_row=5, values_only=True):
        if row[1]:
            found[(row[0], row[1])] = dict(zip(headers, row, strict=False))
    return found


def check_values(rows: dict[tuple[str, str], dict[str, Any]], full: dict[str, dict[str, Any]]) -> None:
    kids = children_of(list(full.values()))
    assert {(b, a) for b, a in rows} == {
        (block, name) for block, members in kids.items() for name in (block, *members)}
    for (_block, name), values in rows.items():
        record = full[name]
        for column in COLUMNS:
            expected = sum((record[k] for k in column.keys), Decimal(0))
            assert Decimal(str(values[column.header])) == expected, (name, column.header)
        for header, expected in our_ratios(record).items():
            got = values[header]
            if expected is None:
                assert got in (None, ""), (name, header, got)  # blank, not 0 % nor an error
            else:
                assert got == pytest.approx(expected, rel=1e-12), (name, header)


def test_cached_values_match_our_arithmetic(rolled: tuple[dict[str, dict[str, Any]], Path]) -> None:
    full, copy = rolled
    ws = openpyxl.load_workbook(copy, data_only=True)["汇总"]
    assert [c.value for c in ws[4]][-len(RATIOS):] == RATIO_HEADERS
    rows = sheet_rows(ws)
    check_values(rows, full)
    assert all(rows[(DISTRICT, IDLE)][h] in (None, "") for h in RATIO_HEADERS)
    assert rows[(DISTRICT, DISTRICT)]["予以公开率"]  # the district's own ratios are there
    # python-calamine (what check and build read with) sees the same cached values
    grid = CalamineWorkbook.from_path(str(copy)).get_sheet_by_name("汇总").to_python()
    compared = 0
    for r, row in enumerate(ws.iter_rows(min_row=5, max_col=len(COLUMNS) + len(RATIOS) + 3,
                                         values_only=True), start=4):
        for value, seen in zip(row, grid[r], strict=False):
            if isinstance(value, (int, float)):
                assert seen == pytest.approx(value, rel=1e-12)
                compared += 1
            else:
                assert seen == (value or "")
    assert compared > 300


def test_formulas_are_live_and_guard_zero_denominators(
        rolled: tuple[dict[str, dict[str, Any]], Path]) -> None:
    _, copy = rolled
    ws = openpyxl.load_workbook(copy)["汇总"]
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(row=r, column=2).value == OFFICE)
    headers = [c.value for c in ws[4]]
    new = ws.cell(row=row, column=headers.index("一、本年新收") + 1).value
    assert re.fullmatch(r"=SUM\('总表'!\$?[A-Z]+\$?\d+\)", new), new
    for header in RATIO_HEADERS:
        formula = ws.cell(row=row, column=headers.index(header) + 1).value
        assert re.fullmatch(r'=IF\(\(?[A-Z0-9+\-]+\)?=0,"",.+\)', formula), formula


def strip_cached(source: Path, target: Path) -> Path:
    """The file without the cached values of its formulas, so LibreOffice must compute them."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", data)
                assert b"</f><v>" not in data
            zout.writestr(info, data)
    return target


def soffice(*args: str, cwd: Path) -> None:
    done = subprocess.run(["soffice", "--headless", *args], cwd=cwd, capture_output=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr


@needs_libreoffice
@pytest.mark.pdf
def test_libreoffice_computes_the_same_values(rolled: tuple[dict[str, dict[str, Any]], Path],
                                             tmp_path: Path) -> None:
    full, copy = rolled
    bare = strip_cached(copy, tmp_path / "bare.xlsx")
    assert openpyxl.load_workbook(bare, data_only=True)["汇总"]["J5"].value is None
    out = tmp_path / "lo"
    soffice("--convert-to", "xlsx", "--outdir", str(out), str(bare), cwd=tmp_path)
    check_values(sheet_rows(openpyxl.load_workbook(out / "bare.xlsx", data_only=True)["汇总"]), full)


def test_charts_point_at_the_right_cells(rolled: tuple[dict[str, dict[str, Any]], Path]) -> None:
    full, copy = rolled
    ws = openpyxl.load_workbook(copy)["汇总"]
    headers = [c.value for c in ws[4]]
    members = children_of(list(full.values()))[DISTRICT]
    rows = [r for r in range(5, ws.max_row + 1)
            if ws.cell(row=r, column=1).value == DISTRICT and ws.cell(row=r, column=2).value]
    head, first, last = rows[0], rows[1], rows[-1]
    assert [ws.cell(row=r, column=2).value for r in range(first, last + 1)] == members

    def col(header: str) -> str:
        return openpyxl.utils.get_column_letter(headers.index(header) + 1)

    charts = ws._charts
    assert [type(c) for c in charts] == [BarChart, BarChart, PieChart]
    bar, stacked, pie = charts
    names = f"'汇总'!$B${first}:$B${last}"
    (series,) = bar.series
    assert series.val.numRef.f == f"'汇总'!${col('一、本年新收')}${first}:${col('一、本年新收')}${last}"
    assert series.cat.strRef.f == names and series.tx.strRef.f == f"'汇总'!${col('一、本年新收')}$4"
    kinds = ["（一）予以公开", "（二）部分公开", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"]
    assert stacked.grouping == "stacked"
    assert [s.val.numRef.f for s in stacked.series] == [
        f"'汇总'!${col(k)}${first}:${col(k)}${last}" for k in kinds]
    assert [s.tx.strRef.f for s in stacked.series] == [f"'汇总'!${col(k)}$4" for k in kinds]
    assert all(s.cat.strRef.f == names for s in stacked.series)
    (whole,) = pie.series
    assert whole.val.numRef.f == f"'汇总'!${col(kinds[0])}${head}:${col(kinds[-1])}${head}"
    assert whole.cat.strRef.f == f"'汇总'!${col(kinds[0])}$4:${col(kinds[-1])}$4"


@needs_libreoffice
@pytest.mark.pdf
def test_libreoffice_renders_the_charts(rolled: tuple[dict[str, dict[str, Any]], Path],
                                        tmp_path: Path) -> None:
    _, copy = rolled
    soffice("--convert-to", "pdf", "--outdir", str(tmp_path), str(copy), cwd=tmp_path)
    pdf = tmp_path / "汇总.pdf"
    assert pdf.stat().st_size > 10_000
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8")
    squashed = re.sub(r"\s+", "", text)
    for title in ("各机关本年新收政府信息公开申请（件）", "各机关办理结果构成（件）", "办理结果构成（合计）"):
        assert title in squashed


def test_a_flat_master_gets_one_total_row(tmp_path: Path) -> None:
    records = [leaf(f"测试区第{n}局", None, n) for n in range(3)]
    result = rollup_workbook(write_master(tmp_path / "总表.xlsx", records), tmp_path / "汇总.xlsx")
    ws = openpyxl.load_workbook(result.into, data_only=True)["汇总"]
    rows = sheet_rows(ws)
    total = rows[("全部机关", "合计")]
    assert total["一、本年新收"] == sum(r["apps.new.total"] for r in records)
    assert Decimal(str(total["行政事业性收费（万元）"])) == sum(r["fees.amount"] for r in records)
    assert openpyxl.load_workbook(result.into)["汇总"]["J5"].value == "=SUM(J6:J8)"
