"""The whole loop: forms out, filled in as agencies do (openpyxl, LibreOffice as .xlsx/.ods/.xls,
renamed, mailed back as .eml), collected: the master then holds exactly the figures entered, and
check agrees."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from annual_report.checks.run import check_workbook
from annual_report.cli.app import app
from annual_report.forms.layout import FORM_KEYS
from annual_report.forms.ledger import LEDGER_SHEET
from annual_report.forms.values import canonical
from annual_report.workbook.rows import read_workbook
from form_helpers import (
    bare_master,
    convert,
    fill,
    filled_records,
    form_of,
    issue,
    mail_with,
    names,
    needs_soffice,
)

AGENCIES = 6


@needs_soffice
def test_round_trip_every_figure_arrives(tmp_path: Path) -> None:
    master = bare_master(tmp_path / "总表.xlsx", AGENCIES)
    issued = issue(master, tmp_path / "表单")
    records = filled_records(AGENCIES)
    who = names(AGENCIES)
    work, back = tmp_path / "填好", tmp_path / "收到的表"
    filled = [fill(form_of(issued, a), work / f"{n}.xlsx", records[a], type_totals=n == 5)
              for n, a in enumerate(who)]
    profile = tmp_path / "profile"
    fill(form_of(issued, who[0]), back / "第一个单位.xlsx", records[who[0]])  # openpyxl only
    (back / "sub").mkdir(parents=True)
    shutil.copy(convert([filled[1]], "xlsx", tmp_path / "lo-xlsx", profile)[0], back / "sub" / "二.xlsx")
    shutil.copy(convert([filled[2]], "ods", tmp_path / "lo-ods", profile)[0], back / "三.ods")
    shutil.copy(convert([filled[3]], "xls", tmp_path / "lo-xls", profile)[0], back / "四.xls")
    mail_with(filled[4], back / "邮件" / "回复：填报表.eml")
    shutil.copy(filled[5], back / "随便起的名字.xlsx")
    (back / "说明.txt").write_text("不是表", encoding="utf-8")

    done = CliRunner().invoke(app, ["collect", str(back), "--into", str(master)])
    assert done.exit_code == 0, done.output
    assert done.output.count("已合并") >= AGENCIES
    assert "不是表单" in done.output

    book = read_workbook(master)
    rows = book.by_agency()
    for agency in who:
        row, record = rows[agency], records[agency]
        for key in FORM_KEYS:
            if key in record:
                got = row.values.get(key, row.raw.get(key))
                assert canonical(got) == canonical(record[key]), (agency, key, got, record[key])
    report = check_workbook(master)
    assert report.errors == [], [f.message for f in report.errors]
    ledger = openpyxl.load_workbook(master)[LEDGER_SHEET]
    states = [r[1] for r in ledger.iter_rows(min_row=2, values_only=True)]
    assert states == ["已合并"] * AGENCIES
    assert len(list(tmp_path.glob("总表.收表前备份-*.xlsx"))) == 1

    again = CliRunner().invoke(app, ["collect", str(back), "--into", str(master)])
    assert again.exit_code == 0, again.output
    assert f"已处理过 {AGENCIES}" in again.output and "总表没有改动" in again.output
