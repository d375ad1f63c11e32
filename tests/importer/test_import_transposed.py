"""Table 三 printed transposed (the results across the top, the applicants down the side), as
some agencies lay it out on a landscape page: its figures import, and a figure that cannot be
read is named by the row and column where it is printed."""

from __future__ import annotations

from pathlib import Path

import docx

from annual_report.format.model import APP_COLUMNS, APP_ROWS
from annual_report.importer.docx_in import read_docx
from annual_report.importer.html_in import read_html
from annual_report.importer.run import import_document
from tests.importer.test_import_layouts import RENDERING, TEXTS, base_document, expected_apps


def _transposed_rows() -> list[list[str]]:
    """The printed grid: three header rows (group, subgroup, row label), then one row per
    applicant column (two label columns, then a figure per format row)."""
    rows = [["申请人情况", ""] + [row.group for row in APP_ROWS],
            ["", ""] + [row.subgroup for row in APP_ROWS],
            ["", ""] + [row.label for row in APP_ROWS]]
    values = expected_apps()
    for key, label in APP_COLUMNS:
        side = "" if key in ("natural", "total") else "法人或其他组织"
        rows.append([side, label] + [str(values[f"apps.{row.key}.{key}"]) for row in APP_ROWS])
    return rows


def _docx_with_transposed_table3(path: Path, bad: tuple[int, int] | None = None) -> None:
    document = base_document(["natural", "business", "research", "nonprofit", "legal", "other_org",
                              "total"], subtotal=False)
    ours = document.tables[2]
    grid = _transposed_rows()
    if bad is not None:
        grid[bad[0]][bad[1]] = "3 4"
    table = document.add_table(rows=len(grid), cols=len(grid[0]))
    table.style = "Table Grid"
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    ours._tbl.addnext(table._tbl)  # where ours was: in section 三
    ours._tbl.getparent().remove(ours._tbl)
    document.save(str(path))


def test_a_transposed_table3_in_a_docx_imports_every_figure(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    _docx_with_transposed_table3(path)
    assert not any("新收" in c.text for t in docx.Document(str(path)).tables[:2]
                   for row in t.rows for c in row.cells)
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    for key, value in expected_apps().items():
        assert record.get(key) == value, key
    assert not any("没有找到表三" in d for _i, d in log), log
    assert record["review.total"] == 1  # the other tables still read


def test_an_unreadable_figure_in_a_transposed_table3_is_named_where_printed(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    # printed row 5 (商业企业), printed column 3 (the first format row: 本年新收)
    _docx_with_transposed_table3(path, bad=(4, 2))
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    assert "apps.new.business" not in record
    messages = [d for _i, d in log if "「3 4」" in d and "表三" in d]
    assert messages and "第 5 行第 3 列" in messages[0], messages
    assert record["apps.new.natural"] == expected_apps()["apps.new.natural"]


def test_a_transposed_table3_in_a_web_page(tmp_path: Path) -> None:
    body = "".join(f"<p>{h}</p>" + "".join(f"<p>{t}</p>" for t in ps) for h, ps in TEXTS.items()
                   if not h.startswith(("三", "四", "五", "六")))
    table = "".join("<tr>" + "".join(f"<td>{t}</td>" for t in row) + "</tr>"
                    for row in _transposed_rows())
    page = (f"<html><head><meta charset='utf-8'></head><body><p>西安市阎良区人民政府办公室"
            f"2024年政府信息公开工作年度报告</p>{body}<p>三、收到和处理政府信息公开申请情况</p>"
            f"<table border='1'>{table}</table><p>2025年1月20日</p></body></html>")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    record, _log = import_document(read_html(path), path.name, None, RENDERING)
    for key, value in expected_apps().items():
        assert record.get(key) == value, key


def test_a_cell_merged_across_columns_counts_once_in_the_column_named(tmp_path: Path) -> None:
    """Row 一 of table 三 prints its label in one cell across the two label columns: the figure
    beside it is in the row's second printed cell, as a reader counts, not the grid's third."""
    document = base_document(["natural", "business", "research", "nonprofit", "legal", "other_org",
                              "total"], subtotal=False)
    table = document.tables[2]
    r, new = next((i, row) for i, row in enumerate(table.rows) if "新收" in row.cells[1].text)
    label = new.cells[1].text
    merged = new.cells[0].merge(new.cells[1])
    merged.text = label
    new.cells[2].text = "3 4"
    path = tmp_path / "report.docx"
    document.save(str(path))
    assert len({id(c._tc) for c in docx.Document(str(path)).tables[2].rows[r].cells[:3]}) == 2
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    assert "apps.new.natural" not in record
    messages = [d for _i, d in log if "「3 4」" in d and "表三" in d]
    assert messages and f"表三第 {r + 1} 行第 2 列" in messages[0], messages
