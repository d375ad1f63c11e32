"""Tables printed in ways the other tests do not: 表二 as four tables with their captions, and a
表三 with a 合计 column beside 总计. Made by hand (python-docx, HTML written here)."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from test_import_layouts import (
    AGENCY,
    ORDERS,
    RENDERING,
    TEXTS,
    base_document,
    expected_apps,
    figure,
)

from annual_report.format.model import APP_COLUMNS, APP_ROWS, FIELD_BY_KEY
from annual_report.importer.docx_in import read_docx
from annual_report.importer.html_in import read_html
from annual_report.importer.run import import_document

PARTS = [
    ("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
     [["规章", "1", "0", "5"], ["行政规范性文件", "3", "2", "17"]]),
    ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [["行政许可", "120"]]),
    ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], [["行政处罚", "45"], ["行政强制", "6"]]),
    ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [["行政事业性收费", "12.5"]]),
]


def test_table_two_as_four_tables_each_with_its_caption(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph(f"{AGENCY}2024年政府信息公开工作年度报告")
    for heading, texts in TEXTS.items():
        document.add_paragraph(heading)
        for text in texts:
            document.add_paragraph(text)
        if not heading.startswith("二"):
            continue
        for caption, header, rows in PARTS:  # four w:tbl in a row, each four columns wide
            table = document.add_table(rows=2 + len(rows), cols=4)
            table.style = "Table Grid"
            table.cell(0, 0).merge(table.cell(0, 3)).text = caption
            for r, row in enumerate([header, *rows], start=1):
                table.cell(r, 0).text = row[0]
                if len(row) == 2:
                    table.cell(r, 1).merge(table.cell(r, 3)).text = row[1]
                else:
                    for c, text in enumerate(row[1:], start=1):
                        table.cell(r, c).text = text
    document.add_paragraph(AGENCY)
    document.add_paragraph("2025年1月20日")
    path = tmp_path / "four.docx"
    document.save(str(path))
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    assert {k: record.get(k) for k in (
        "rules.issued", "rules.repealed", "rules.in_force", "normative.issued",
        "normative.repealed", "normative.in_force", "licensing.decisions", "penalty.decisions",
        "enforcement.decisions")} == {
        "rules.issued": 1, "rules.repealed": 0, "rules.in_force": 5, "normative.issued": 3,
        "normative.repealed": 2, "normative.in_force": 17, "licensing.decisions": 120,
        "penalty.decisions": 45, "enforcement.decisions": 6}, log
    assert str(record["fees.amount"]) == "12.5"


def _table_three(total_again: dict[int, int]) -> str:
    """表三 with 「合计」 after 「总计」: row r prints ``total_again.get(r, its total)`` there."""
    org = [label for key, label in APP_COLUMNS[1:-1]]
    head = ("<tr><td colspan='3' rowspan='2'>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加"
            "第四项之和）</td><td rowspan='2'>自然人</td><td colspan='5'>法人或其他组织</td>"
            "<td rowspan='2'>总计</td><td rowspan='2'>合计</td></tr>"
            + "<tr>" + "".join(f"<td>{label}</td>" for label in org) + "</tr>")
    rows = []
    for r, row in enumerate(APP_ROWS):
        values = [figure(r, c) for c in range(len(APP_COLUMNS) - 1)]
        total = sum(values)
        label = (f"<td colspan='3'>{row.label}</td>" if not row.subgroup
                 else f"<td>{row.group}</td><td>{row.subgroup}</td><td>{row.label}</td>")
        cells = "".join(f"<td>{v}</td>" for v in [*values, total, total_again.get(r, total)])
        rows.append(f"<tr>{label}{cells}</tr>")
    sections = "".join(f"<p>{h}</p>" + "".join(f"<p>{t}</p>" for t in ps)
                       + (f"<table border='1'>{head}{''.join(rows)}</table>" if h.startswith("三") else "")
                       for h, ps in TEXTS.items())
    return (f"<html><head><meta charset='utf-8'></head><body><h1>{AGENCY}2024年政府信息公开工作年度报告"
            f"</h1>{sections}<p>{AGENCY}</p><p>2025年1月20日</p></body></html>")


def test_a_total_column_printed_twice(tmp_path: Path) -> None:
    path = tmp_path / "twice.html"
    path.write_text(_table_three({}), encoding="utf-8")
    record, log = import_document(read_html(path), path.name, None, RENDERING)
    for key, value in expected_apps().items():
        assert record.get(key) == value, (key, log)
    assert not any("拆成" in d for _i, d in log)


def test_two_total_columns_that_disagree_and_a_blank(tmp_path: Path) -> None:
    new = next(r for r, row in enumerate(APP_ROWS) if row.key == "new")
    granted = next(r for r, row in enumerate(APP_ROWS) if row.key == "granted")
    path = tmp_path / "disagree.html"
    page = _table_three({new: 999, granted: -1}).replace("<td>-1</td>", "<td></td>")
    path.write_text(page, encoding="utf-8")
    record, log = import_document(read_html(path), path.name, None, RENDERING)
    assert "apps.new.total" not in record and "apps.granted.total" not in record
    messages = " ".join(d for _i, d in log)
    assert "「999」" in messages and "空白" in messages and "None" not in messages
    assert record["apps.new.natural"] == expected_apps()["apps.new.natural"]


def _split_table_three(split: str) -> str:
    """表三 with its merges as rowspans, printed as two <table>s: the second starts at row
    ``split`` inside 「三、本年度办理结果」 (and maybe a subgroup), whose cells it then lacks."""
    org = "".join(f"<td>{label}</td>" for _key, label in APP_COLUMNS[1:-1])
    head = ("<tr><td colspan='3' rowspan='2'>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加"
            "第四项之和）</td><td rowspan='2'>自然人</td><td colspan='5'>法人或其他组织</td>"
            f"<td rowspan='2'>总计</td></tr><tr>{org}</tr>")
    pieces: list[list[str]] = [[head]]
    group_rows = sum(1 for row in APP_ROWS if row.group)
    for r, row in enumerate(APP_ROWS):
        if row.key == split:
            pieces.append([])
        values = [figure(r, c) for c in range(len(APP_COLUMNS) - 1)]
        cells = "".join(f"<td>{v}</td>" for v in [*values, sum(values)])
        label = ""
        if not row.group:
            label = f"<td colspan='3'>{row.label}</td>"
        else:
            if row.key == "granted":
                label += f"<td rowspan='{group_rows}'>{row.group}</td>"
            if not row.subgroup:
                label += f"<td colspan='2'>{row.label}</td>"
            else:
                size = sum(1 for x in APP_ROWS if x.subgroup == row.subgroup)
                if APP_ROWS[r - 1].subgroup != row.subgroup:
                    label += f"<td rowspan='{size}'>{row.subgroup}</td>"
                label += f"<td>{row.label}</td>"
        pieces[-1].append(f"<tr>{label}{cells}</tr>")
    tables = "<p>（续表）</p>".join(f"<table border='1'>{''.join(p)}</table>" for p in pieces)
    sections = "".join(f"<p>{h}</p>" + "".join(f"<p>{t}</p>" for t in ps)
                       + (tables if h.startswith("三") else "") for h, ps in TEXTS.items())
    return (f"<html><head><meta charset='utf-8'></head><body><h1>{AGENCY}2024年政府信息公开工作年度报告"
            f"</h1>{sections}<p>{AGENCY}</p><p>2025年1月20日</p></body></html>")


@pytest.mark.parametrize("split", ["denied.third_party", "unavailable.not_held", "other.other",
                                   "results_total", "carried_over"])
def test_table_three_split_inside_its_merges(tmp_path: Path, split: str) -> None:
    path = tmp_path / "split.html"
    path.write_text(_split_table_three(split), encoding="utf-8")
    record, log = import_document(read_html(path), path.name, None, RENDERING)
    for key, value in expected_apps().items():
        assert record.get(key) == value, (key, log)


def test_a_docx_table_three_whose_second_piece_lacks_the_merged_cells(tmp_path: Path) -> None:
    """Split after 「3.危及“三安全一稳定”」: the second w:tbl's rows of （三）不予公开 have no cell
    for the group (its merge stayed in the first piece); the rows after them have all cells."""
    split = next(r for r, row in enumerate(APP_ROWS) if row.key == "denied.third_party")
    document = base_document(ORDERS["ours"], subtotal=False, split_at=split)
    second = [t for t in document.tables if "危及" not in "".join(c.text for c in t.columns[1].cells)
              and any("第三方" in c.text for c in t.columns[1].cells)][0]
    lacking = sum(1 for row in APP_ROWS[split:] if row.subgroup == "（三）不予公开")
    for tr in second._tbl.tr_lst[:lacking]:
        tr.remove(tr.tc_lst[0])
    path = tmp_path / "cut.docx"
    document.save(str(path))
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    for key, value in expected_apps().items():
        assert record.get(key) == value, (key, log)


FIGURE_HEADER = {k: f.header for k, f in FIELD_BY_KEY.items()}


def test_a_figure_given_as_see_the_attachment(tmp_path: Path) -> None:
    """「见附件」 where a figure stands: that field is left blank and the log says the figure is
    in an attachment (not that the row or column was not found); the other figures are read."""
    document = base_document(ORDERS["ours"], subtotal=False)
    two, licensing, three, four = None, None, None, None
    for table in document.tables:
        texts = [c.text for row in table.rows for c in row.cells]
        if "行政许可" in texts:
            licensing = table
        elif "结果维持" in texts:
            four = table
        elif any("新收政府信息公开申请数量" in t for t in texts):
            three = table
        elif "规章" in texts:
            two = table
    assert two and licensing and three and four
    licensing.cell(1, 1).text = "详见附件2"
    four.cell(3, 0).text = "见附件"  # 行政复议 · 结果维持
    row = next(r for r in three.rows if any("新收政府信息公开申请数量" in c.text for c in r.cells))
    row.cells[-1].text = "（见附件）"  # 新收 · 总计
    path = tmp_path / "attachment.docx"
    document.save(str(path))
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    for key in ("licensing.decisions", "review.upheld", "apps.new.total"):
        assert key not in record, key
        (line,) = [d for item, d in log if "附件" in d and FIGURE_HEADER[key] in item]
        assert "数字在附件里" in line and "没有找到" not in line, line
    # only the fee amount, which the base document does not print, is not found
    assert [i for i, d in log if "没有找到这一项" in d] == [f"表二·{FIGURE_HEADER['fees.amount']}"]
    assert record["review.total"] == 1 and record["rules.in_force"] == 1
    assert record["apps.new.natural"] == figure(0, 0)
