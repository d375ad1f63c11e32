"""`rollup`: the copy's aggregate rows hold the independently computed sums, read back through
openpyxl and python-calamine; nothing filled is replaced; the master and its formatting survive."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from annual_report.errors import OutputError
from annual_report.format.model import APPLICANT_COLUMNS, FIELD_BY_KEY, FIGURE_FIELDS, Kind
from annual_report.rollup.run import RollupOptions, rollup_workbook
from annual_report.workbook.rows import read_workbook
from conftest import ROOT
from districts import (
    DISTRICT,
    IN_FORCE,
    OFFICE,
    cell_of,
    children_of,
    expected_sums,
    first_row,
    three_levels,
    two_levels,
    write_master,
)
from generate import app

runner = CliRunner()
TOWNS = ("测试区甲镇人民政府", "测试区乙街道办事处")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def exact(value: Any, key: str) -> Any:
    """A value as read by openpyxl, in the model's type (money exact as Decimal)."""
    if FIELD_BY_KEY[key].kind is Kind.COUNT:
        assert isinstance(value, int), (key, value)
        return value
    return Decimal(str(value))


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Path, Path]:
    folder = tmp_path_factory.mktemp("district")
    records = three_levels()
    master = write_master(folder / "总表.xlsx", records)
    before = sha256(master)
    result = rollup_workbook(master, folder / "汇总.xlsx")
    assert sha256(master) == before  # the master is never written
    assert result.report.ok, result.report.errors
    assert result.aggregates == [DISTRICT, *TOWNS]
    assert result.filled == {name: len(FIGURE_FIELDS) - 2 for name in (DISTRICT, *TOWNS)}
    return records, master, result.into


def test_every_aggregate_cell_equals_the_independent_sum(
        district: tuple[list[dict[str, Any]], Path, Path]) -> None:
    records, _, copy = district
    sums = expected_sums(records)
    ws = openpyxl.load_workbook(copy)["总表"]
    for name, expected in sums.items():
        for key, value in expected.items():
            cell = ws[cell_of(records, name, key).split("!")[1]]
            assert exact(cell.value, key) == value, (name, key)
            assert cell.fill.fgColor.rgb.endswith("E2EFDA")  # marked as filled by the roll-up
    # read as check and build read it: the same figures, and no R1–R6 problem in the aggregates
    rows = read_workbook(copy).by_agency()
    for name, expected in sums.items():
        assert {k: rows[name].figure(k) for k in expected} == expected
        assert not rows[name].findings


def test_in_force_is_left_to_the_office_with_a_note(
        district: tuple[list[dict[str, Any]], Path, Path]) -> None:
    records, _, copy = district
    ws = openpyxl.load_workbook(copy)["总表"]
    by_name = {r["agency"]: r for r in records}
    for name in (DISTRICT, *TOWNS):
        for key in IN_FORCE:
            assert ws[cell_of(records, name, key).split("!")[1]].value == by_name[name][key]
    blank = write_master(copy.parent / "空白现行有效.xlsx",
                         [{**r, "normative.in_force": None} if r["agency"] == DISTRICT else r
                          for r in records])
    result = rollup_workbook(blank, copy.parent / "空白现行有效-汇总.xlsx")
    cell = openpyxl.load_workbook(result.into)["总表"][
        cell_of(records, DISTRICT, "normative.in_force").split("!")[1]]
    assert cell.value is None and cell.comment is not None
    assert "--sum-in-force" in cell.comment.text
    total = sum(r["normative.in_force"] for r in records if r["agency"] in children_of(records)[DISTRICT])
    assert f"下级之和为 {total}" in cell.comment.text
    assert any(f.rule == "R5" and f.field == "normative.in_force" for f in result.report.errors)


def test_sum_in_force_fills_them_too(tmp_path: Path) -> None:
    records = two_levels()
    records[0].update({"rules.in_force": None, "normative.in_force": None})
    master = write_master(tmp_path / "总表.xlsx", records)
    result = rollup_workbook(master, tmp_path / "汇总.xlsx", RollupOptions(sum_in_force=True))
    assert result.report.ok
    row = read_workbook(result.into).by_agency()[DISTRICT]
    sums = expected_sums(records, sum_in_force=True)[DISTRICT]
    assert row.figure("normative.in_force") == sums["normative.in_force"]


def test_other_sheets_formatting_and_comments_survive(
        district: tuple[list[dict[str, Any]], Path, Path]) -> None:
    records, master, copy = district
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames == ["总表", "联系人", "汇总"]
    assert book["联系人"]["A1"].value == "联系人一览" and book["联系人"]["A1"].font.b
    assert book["联系人"].column_dimensions["A"].width == 33
    assert book["总表"]["A1"].value == "测试区2024年政府信息公开年度报告总表"
    assert book["总表"]["A2"].fill.fgColor.rgb.endswith("FFD966")
    original = openpyxl.load_workbook(master)["总表"]
    for row in original.iter_rows(min_row=3):  # every row but the aggregates' is unchanged
        if row[0].value in (DISTRICT, *TOWNS):
            continue
        for cell in row:
            assert book["总表"][cell.coordinate].value == cell.value, cell.coordinate


def test_narrative_is_left_blank_with_the_figures_in_a_note(
        district: tuple[list[dict[str, Any]], Path, Path]) -> None:
    records, _, copy = district
    ws = openpyxl.load_workbook(copy)["总表"]
    sums = expected_sums(records)[DISTRICT]
    for key in ("text.overview", "text.applications", "text.appeals"):
        cell = ws[cell_of(records, DISTRICT, key).split("!")[1]]
        assert cell.value is None and cell.comment is not None
        note = cell.comment.text
        assert f"本年新收政府信息公开申请 {sums['apps.new.total']} 件" in note
        assert f"办理完毕 {sums['apps.results_total.total']} 件" in note
        assert f"行政复议 {sums['review.total']} 件" in note
        suits = sums["suit_direct.total"] + sums["suit_after_review.total"]
        assert f"行政诉讼 {suits} 件" in note
    agency = ws[cell_of(records, DISTRICT, "agency").split("!")[1]]
    assert agency.comment is not None and f"填写了 {len(FIGURE_FIELDS) - 2} 个" in agency.comment.text


def test_a_filled_figure_that_differs_is_kept_and_reported(tmp_path: Path) -> None:
    records = two_levels()
    sums = expected_sums(records)[DISTRICT]
    district = records[0]
    district["apps.new.total"] = sums["apps.new.total"] + 3  # filled, wrong
    district["review.total"] = sums["review.total"]  # filled, right
    master = write_master(tmp_path / "总表.xlsx", records)
    done = runner.invoke(app, ["rollup", str(master), "--into", str(tmp_path / "汇总.xlsx")])
    assert done.exit_code == 1, done.output
    cell = cell_of(records, DISTRICT, "apps.new.total")
    assert cell in done.output and "A1" in done.output and "多 3" in done.output
    assert f"按下级之和填写了 {len(FIGURE_FIELDS) - 4} 个空白数字" in done.output
    row = read_workbook(tmp_path / "汇总.xlsx").by_agency()[DISTRICT]
    assert row.figure("apps.new.total") == sums["apps.new.total"] + 3  # never replaced
    assert row.figure("apps.new.natural") == sums["apps.new.natural"]


def test_rerunning_on_the_copy_changes_no_figure(
        district: tuple[list[dict[str, Any]], Path, Path], tmp_path: Path) -> None:
    records, _, copy = district
    again = rollup_workbook(copy, tmp_path / "再次汇总.xlsx")
    assert again.filled == {} and again.report.ok
    assert any("原有的“汇总”工作表" in n for n in again.notes)
    first, second = read_workbook(copy).by_agency(), read_workbook(again.into).by_agency()
    for name in expected_sums(records):
        assert first[name].values == second[name].values


def test_the_command_never_overwrites(tmp_path: Path) -> None:
    master = write_master(tmp_path / "总表.xlsx", two_levels())
    before = sha256(master)
    same = runner.invoke(app, ["rollup", str(master), "--into", str(master)])
    assert same.exit_code == 2 and "不能覆盖原总表" in same.output
    wrong = runner.invoke(app, ["rollup", str(master), "--into", str(tmp_path / "汇总.xls")])
    assert wrong.exit_code == 2 and ".xlsx" in wrong.output
    missing = runner.invoke(app, ["rollup", str(master)])
    assert missing.exit_code == 2 and "--into" in missing.output
    target = tmp_path / "汇总.xlsx"
    target.write_bytes(b"keep me")
    refused = runner.invoke(app, ["rollup", str(master), "--into", str(target)])
    assert refused.exit_code == 2 and "已存在" in refused.output
    assert target.read_bytes() == b"keep me" and sha256(master) == before
    forced = runner.invoke(app, ["rollup", str(master), "--into", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "已写出汇总副本" in forced.output and sha256(master) == before
    with pytest.raises(OutputError):
        rollup_workbook(master, master)
    assert not list(tmp_path.glob(".~*"))  # no temporary file left behind


def test_the_bundled_sample_rolls_up_into_one_total(tmp_path: Path) -> None:
    sample = ROOT / "input" / "master.xlsx"
    done = runner.invoke(app, ["rollup", str(sample), "--into", str(tmp_path / "样例-汇总.xlsx")])
    assert done.exit_code == 0, done.output
    assert "没有填写“汇总到”" in done.output
    ws = openpyxl.load_workbook(tmp_path / "样例-汇总.xlsx")["汇总"]
    names = [ws.cell(row=r, column=2).value for r in range(5, ws.max_row + 1)]
    agencies = [r.agency for r in read_workbook(sample).rows]
    assert names[: len(agencies) + 1] == ["合计", *agencies]


@pytest.mark.pdf
@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice)")
def test_the_masters_own_formulas_keep_their_values(tmp_path: Path) -> None:
    """A master whose 总计 cells are =SUM(...) formulas, saved by a spreadsheet program (values
    cached): the copy keeps the formulas and their values, so check and build still read them."""
    records = two_levels()
    row = first_row() + 1  # the office's row
    total = cell_of(records, OFFICE, "apps.new.total").split("!")[1]
    parts = [cell_of(records, OFFICE, f"apps.new.{c}").split("!")[1] for c in APPLICANT_COLUMNS]
    written = write_master(tmp_path / "openpyxl.xlsx", records)
    book = openpyxl.load_workbook(written)
    book["总表"][total] = f"=SUM({parts[0]}:{parts[-1]})"
    book.save(written)
    done = subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir",
                           str(tmp_path / "saved"), str(written)], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    master = tmp_path / "saved" / "openpyxl.xlsx"
    assert read_workbook(master).by_agency()[OFFICE].figure("apps.new.total") == records[1][
        "apps.new.total"]
    result = rollup_workbook(master, tmp_path / "汇总.xlsx")
    assert result.report.ok, result.report.errors
    copy = openpyxl.load_workbook(result.into)["总表"]
    assert copy[total].value == f"=SUM({parts[0]}:{parts[-1]})" and total.endswith(str(row))
    assert read_workbook(result.into).by_agency()[OFFICE].figure("apps.new.total") == records[1][
        "apps.new.total"]


def test_the_blank_workbook_has_the_column_and_explains_aggregates(tmp_path: Path) -> None:
    """`init`: 汇总到 (key parent) is a column of the blank workbook, and the 填表说明 explains
    aggregates; a district typed into that workbook rolls up."""
    from annual_report.workbook.blank import write_workbook

    assert runner.invoke(app, ["init", str(tmp_path / "空白.xlsx")]).exit_code == 0
    book = openpyxl.load_workbook(tmp_path / "空白.xlsx")
    headers = {book["总表"].cell(row=3, column=c).value: book["总表"].cell(row=4, column=c).value
               for c in range(1, book["总表"].max_column + 1)}
    assert headers["汇总到"] == "parent"
    guide = "\n".join(str(c.value) for row in book["填表说明"].iter_rows() for c in row if c.value)
    for words in ("汇总行", "（本级）", "--sum-in-force", "rollup", "A3"):
        assert words in guide
    records = three_levels()
    result = rollup_workbook(write_workbook(tmp_path / "总表.xlsx", records), tmp_path / "汇总.xlsx")
    assert result.report.ok and result.aggregates == [DISTRICT, *TOWNS]
    rows = read_workbook(result.into).by_agency()
    for name, sums in expected_sums(records).items():
        assert {k: rows[name].figure(k) for k in sums} == sums
