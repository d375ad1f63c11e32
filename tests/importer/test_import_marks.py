"""Footnote marks and notes printed with a figure are never read as part of it.

「11」 with a raised 「①」 or 「1」 (HTML ``<sup>``, a Word run set in superscript) or with 「¹」,
「①」 typed after it would read as 111 or 111 once the marks are taken for digits: such a cell is
left blank, saying why. A figure with a note (「0（无）」, 「4注」) is a figure that cannot be
read, not a label, so the rows beside it still import. 「收费金额共计150元」 is the notice amount.
The inputs are the hand-written corpus pages h01 and d01 (not made by this project), changed
the way agencies print these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_import_corpus import CASES, CORPUS, RENDERING, shown, truth

from annual_report.importer.run import import_paths

TABLE4 = ("<tr><td>11</td><td>12</td><td>13</td><td>14</td><td>50</td><td>21</td><td>22</td>"
          "<td>23</td><td>24</td><td>90</td>")
MARKED = ("<tr><td>11<sup>①</sup></td><td>12<sup>1</sup></td><td>13¹</td><td>14<sup>注</sup>"
          "</td><td>50</td><td>21①</td><td>22⑴</td><td>23</td><td>24</td><td>90</td>")
BLANKED = ["review.upheld", "review.corrected", "review.other", "review.pending",
           "suit_direct.upheld", "suit_direct.corrected"]


def _import(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    result = import_paths([path], None, RENDERING)
    assert len(result.records) == 1, [line.detail for line in result.log]
    reasons = {line.item: line.detail for line in result.log}
    return result.records[0], reasons


def _wrong(record: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: (record.get(key), value) for key, value in expected.items()
            if shown(record.get(key)) != shown(value)}


def test_marks_after_figures_in_a_page(tmp_path: Path) -> None:
    page = (CORPUS / "h01_baseline.html").read_text(encoding="utf-8")
    assert TABLE4 in page
    page = page.replace(TABLE4, MARKED)
    page = page.replace("<td>行政处罚</td><td colspan=\"3\">800</td>",
                        "<td>行政处罚</td><td colspan=\"3\">0<br>（无）</td>")
    page = page.replace("总金额120元", "收费金额共计120元")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    record, reasons = _import(path)
    expected = truth(CASES["h01"]["agency"], CASES["h01"]["seed"])
    for key in [*BLANKED, "penalty.decisions"]:
        expected[key] = None
    assert not _wrong(record, expected), _wrong(record, expected)
    marked = [detail for item, detail in reasons.items() if "注释标记" in detail]
    assert len(marked) == 5, reasons  # 14注 is a figure with a note, said as such
    assert any("「14注」" in detail and "不是一个能确定的数字" in detail
               for detail in reasons.values())
    assert any("「0（无）」" in detail for detail in reasons.values())
    assert record["enforcement.decisions"] == 900  # the row beside the note still reads


def test_a_superscript_run_after_a_figure_in_a_word_document(tmp_path: Path) -> None:
    import docx

    case = CASES["d01"]
    document = docx.Document(str(CORPUS / case["file"]))
    appeals = document.tables[2]
    row = appeals.rows[-1]
    for cell, mark in ((row.cells[0], "①"), (row.cells[1], "1"), (row.cells[5], "2")):
        run = cell.paragraphs[0].add_run(mark)
        run.font.superscript = True
    subscript = row.cells[6].paragraphs[0].add_run("3")
    subscript.font.subscript = True
    path = tmp_path / "report.docx"
    document.save(str(path))
    record, reasons = _import(path)
    expected = truth(case["agency"], case["seed"]) | case["changed"]
    for key in ["review.upheld", "review.corrected", "suit_direct.upheld",
                "suit_direct.corrected"]:
        expected[key] = None
    assert not _wrong(record, expected), _wrong(record, expected)
    assert any("「11①」" in detail for detail in reasons.values()), reasons
    assert any("「12¹」" in detail for detail in reasons.values()), reasons
    assert any("「22₃」" in detail for detail in reasons.values()), reasons
