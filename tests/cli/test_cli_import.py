"""`generate.py import` and `check --against`: the commands as a clerk runs them."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from annual_report.importer.run import LOG_SHEET
from annual_report.report.build import BuildOptions, build_reports
from annual_report.workbook.blank import write_workbook
from annual_report.workbook.rows import read_workbook
from factories import zero_record
from generate import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_import_then_check_against_the_master(tmp_path: Path) -> None:
    good, edited = zero_record("甲局"), zero_record("乙局")
    edited["text.overview"] = "=1+1 开头的文字不是公式。"
    master = write_workbook(tmp_path / "审定.xlsx", [good, edited])
    fixed = openpyxl.load_workbook(master)  # the blank workbook's writer keeps "=" as a formula
    for row in fixed["总表"].iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("=1+1"):
                c.data_type = "s"
    fixed.save(master)
    out = tmp_path / "out"
    assert build_reports(master, BuildOptions(out=out, jobs=1)).exit_code == 0
    (out / "2024" / "说明.txt").write_text("不是报告", encoding="utf-8")
    (out / "2024" / "旧版.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    into = tmp_path / "导入.xlsx"
    code, output = invoke("import", str(out / "2024"), "--into", str(into))
    assert code == 0, output
    assert "共导入 2 份报告" in output and "旧版.doc" in output
    book = openpyxl.load_workbook(into)
    assert book.sheetnames[:2] == ["总表", LOG_SHEET]
    cell = next(c for row in book["总表"].iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=1+1"))
    assert cell.data_type == "s"
    log = [[c.value for c in row] for row in book[LOG_SHEET].iter_rows(min_row=2)]
    assert any(row[5] == "文件" and "另存为 .docx" in str(row[6]) for row in log)
    rows = {r.agency: r for r in read_workbook(into).rows}
    assert set(rows) == {"甲局", "乙局"}
    code, output = invoke("check", str(into), "--against", str(master))
    assert code == 0 and "P1" not in output, output
    assert "EMAIL" not in output  # published reports carry no 联系邮箱: they are compared, not sent
    # the published report differs from the approved master: P1 names both cells
    changed = write_workbook(tmp_path / "改过.xlsx", [dict(good, **{"apps.new.natural": 2,
                                                                   "apps.new.total": 2}), edited])
    code, output = invoke("check", str(into), "--against", str(changed))
    assert code == 1 and "P1" in output and "改过.xlsx 的 总表!" in output
    code, output = invoke("import", str(out / "2024"), "--into", str(into))
    assert code == 2 and "已存在" in output


def test_import_refuses_a_non_xlsx_target_and_missing_paths(tmp_path: Path) -> None:
    code, output = invoke("import", str(tmp_path), "--into", str(tmp_path / "x.csv"))
    assert code == 2 and ".xlsx" in output
    code, output = invoke("import", str(tmp_path / "没有"), "--into", str(tmp_path / "x.xlsx"))
    assert code == 2 and "找不到" in output
    code, output = invoke("import", str(tmp_path), "--into", str(tmp_path / "x.xlsx"))
    assert code == 2 and "没有读出任何报告" in output
