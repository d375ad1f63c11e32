"""Section headings printed inside the tables, and captions printed above table 二's parts.

Some agencies print 「三、收到和处理政府信息公开申请情况」 as the first row of table 三 (one cell
across the table) instead of a paragraph above it: the heading still starts the section, and the
table below it is read as a table (it was taken for a page laid out in a table before: 190
figures lost and the labels read as text). Captions such as 「（一）第二十条第（一）项」 printed as
paragraphs above the parts of table 二 are no text of section 二. The inputs are the hand-written
corpus files h01 and d01 (not made by this project), changed the way agencies print these.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from test_import_corpus import CASES, CORPUS, RENDERING, shown, truth

from annual_report.importer.run import import_paths

HEADINGS = ("三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况")


def _check(path: Path, case: dict[str, Any]) -> None:
    result = import_paths([path], None, RENDERING)
    assert len(result.records) == 1, [line.detail for line in result.log]
    record = result.records[0]
    expected = truth(case["agency"], case["seed"]) | case["changed"]
    wrong = {key: (record.get(key), value) for key, value in expected.items()
             if shown(record.get(key)) != shown(value)}
    assert not wrong, (wrong, [(line.item, line.detail) for line in result.log])
    status = next(line for line in result.log if line.item == "结果")
    assert status.status == "已导入", status.detail


def test_headings_as_the_first_rows_of_the_tables_of_a_page(tmp_path: Path) -> None:
    page = (CORPUS / "h01_baseline.html").read_text(encoding="utf-8")
    for heading in HEADINGS:
        start = page.index(f"<h3>{heading}</h3>")
        table = page.index("<table", start)
        row = page.index("<tr>", table)
        page = (page[:start] + page[start + len(f"<h3>{heading}</h3>"):row]
                + f"<tr><td colspan=\"15\"><b>{heading}</b></td></tr>" + page[row:])
    page = page.replace("<table border=\"1\" cellspacing=\"0\" >",
                        "<p>（一）第二十条第（一）项</p><table border=\"1\" cellspacing=\"0\" >", 1)
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    _check(path, CASES["h01"])


def test_headings_as_the_first_rows_of_the_tables_of_a_word_document(tmp_path: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    case = CASES["d01"]
    document = docx.Document(str(CORPUS / case["file"]))
    body = document.element.body
    for heading in HEADINGS:
        paragraph = next(p for p in body.iter(qn("w:p"))
                         if "".join(p.itertext()).startswith(heading))
        table = paragraph.getnext()
        assert table.tag == qn("w:tbl")
        first = table.find(qn("w:tr"))
        row = copy.deepcopy(first)
        cells = row.findall(qn("w:tc"))
        for extra in cells[1:]:
            row.remove(extra)
        keep = cells[0]
        properties = keep.find(qn("w:tcPr"))
        for old in list(properties):
            if old.tag in (qn("w:gridSpan"), qn("w:vMerge"), qn("w:hMerge")):
                properties.remove(old)
        span = properties.makeelement(qn("w:gridSpan"), {qn("w:val"): str(
            len(table.find(qn("w:tblGrid")).findall(qn("w:gridCol"))))})
        properties.append(span)
        for p in keep.findall(qn("w:p"))[1:]:
            keep.remove(p)
        cell_paragraph = keep.find(qn("w:p"))
        for run in cell_paragraph.findall(qn("w:r")):
            cell_paragraph.remove(run)
        run = cell_paragraph.makeelement(qn("w:r"), {})
        text = run.makeelement(qn("w:t"), {})
        text.text = heading
        run.append(text)
        cell_paragraph.append(run)
        first.addprevious(row)
        body.remove(paragraph)
    path = tmp_path / "report.docx"
    document.save(str(path))
    _check(path, case)
