"""The aggregate's own report: rollup → the office writes the narrative (quoting the note) →
check → build → the DOCX read back with python-docx holds the summed figures."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
from typer.testing import CliRunner

from annual_report.format import model as form
from annual_report.report.build import BuildOptions, build_reports
from annual_report.workbook.values import format_money
from districts import DISTRICT, cell_of, expected_sums, three_levels, write_master
from generate import app

TABLE2_COLS, TABLE3_COLS, TABLE4_COLS, HEADER_ROWS3, LABEL_COLS3 = 4, 10, 15, 3, 3


def test_the_aggregate_builds_like_any_row_and_reproduces_its_figures(tmp_path: Path) -> None:
    records = three_levels()
    master = write_master(tmp_path / "总表.xlsx", records)
    runner = CliRunner()
    done = runner.invoke(app, ["rollup", str(master), "--into", str(tmp_path / "汇总.xlsx")])
    assert done.exit_code == 0, done.output

    # the office writes the district's narrative, using the sentence the note offers
    book = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    ws = book["总表"]
    overview = ws[cell_of(records, DISTRICT, "text.overview").split("!")[1]]
    assert overview.comment is not None
    sentence = overview.comment.text.split("可直接使用的句子：")[1].splitlines()[0]
    overview.value = "全区深入贯彻《中华人民共和国政府信息公开条例》。\n" + sentence
    ws[cell_of(records, DISTRICT, "text.proactive").split("!")[1]] = "全区主动公开政府信息1200条。"
    book.save(tmp_path / "汇总-已写正文.xlsx")

    checked = runner.invoke(app, ["check", str(tmp_path / "汇总-已写正文.xlsx")])
    assert checked.exit_code == 0, checked.output  # R7 agrees with the quoted figures
    result = build_reports(tmp_path / "汇总-已写正文.xlsx",
                           BuildOptions(out=tmp_path / "out", only=(DISTRICT,), jobs=1))
    assert result.exit_code == 0 and [b.agency for b in result.built] == [DISTRICT], result
    assert result.built[0].file is not None
    document = docx.Document(str(result.built[0].file))

    sums = expected_sums(records)[DISTRICT]
    body = "\n".join(p.text for p in document.paragraphs)
    assert sentence in body
    table3 = next(t for t in document.tables if len(t.columns) == TABLE3_COLS)
    cells = table3._cells
    rows = [r.key for r in form.APP_ROWS]
    columns = [c for c, _ in form.APP_COLUMNS]
    for f in form.FIELDS:
        if f.table == "三":
            assert f.row is not None and f.column is not None
            index = (HEADER_ROWS3 + rows.index(f.row)) * TABLE3_COLS + LABEL_COLS3 + columns.index(
                f.column)
            assert cells[index].text == str(sums[f.key]), f.key
    table4 = next(t for t in document.tables if len(t.columns) == TABLE4_COLS)
    keys = [f.key for f in form.FIELDS if f.table == "四"]
    assert [c.text for c in table4.rows[-1].cells] == [str(sums[k]) for k in keys]
    assert f"实际收取信息处理费{format_money(sums['processing_fee.collected'])}元" in body
    table2 = next(t for t in document.tables if len(t.columns) == TABLE2_COLS)
    texts = [c.text for row in table2.rows for c in row.cells]
    assert format_money(sums["fees.amount"]) in texts
    assert str(sums["licensing.decisions"]) in texts
