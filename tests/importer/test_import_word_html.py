"""A report saved from Word as a web page ("网页" and "筛选过的网页") imports as printed.

Agencies often publish the page Word writes. It differs from a hand-made page in ways that a
reader of HTML must survive: GB2312 bytes declared by ``http-equiv`` (characters outside GB2312
as numeric references), ``MsoNormal`` paragraphs whose text is cut into runs wherever the font
changes (digits in ``lang=EN-US`` spans, "2024" apart from "年"), ``<o:p>`` tags, a numbered
heading whose number is followed by a run of no-break spaces, empty cells holding ``&nbsp;``,
``<![if …]>`` conditional markup around list numbers, a zero-height row of empty cells that
closes every table (``supportMisalignedColumns``), ``<br clear=all>`` page breaks between
tables, and an ``<xml>`` block of document properties in a comment.

The pages are made here from the hand-written corpus page h01 (not by this project), the way
Word lays out such a document, and must import to the same figures and texts.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from test_import_corpus import CASES, CORPUS, RENDERING, shown, truth

from annual_report.importer.run import import_paths

SOURCE = CORPUS / "h01_baseline.html"
FONT_BODY = "font-size:16.0pt;font-family:仿宋_GB2312"
_DIGITS = re.compile(r"([0-9][0-9.,%]*)")
_HEADING = re.compile(r"^([一二三四五六七八九十]+、)(.*)$")


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _runs(text: str, style: str) -> str:
    """Word's runs: Chinese in one span, every number in an ``lang=EN-US`` span of its own."""
    spans = []
    for piece in _DIGITS.split(text):
        if not piece:
            continue
        lang = " lang=EN-US" if _DIGITS.fullmatch(piece) else ""
        spans.append(f"<span{lang} style='{style}'>{_text(piece)}</span>")
    return "".join(spans)


def _paragraph(text: str, align: str = "", style: str = FONT_BODY, full: bool = False,
               indent: bool = True) -> str:
    where = f" align={align} style='text-align:{align}'" if align else (
        " style='text-indent:32.0pt;line-height:28.0pt'" if indent else "")
    end = "<span lang=EN-US><o:p></o:p></span>" if full else ""
    return f"<p class=MsoNormal{where}>{_runs(text, style)}{end}</p>\n"


def _heading(text: str, full: bool) -> str:
    match = _HEADING.match(text)
    if match is None:
        return _paragraph(text, style="font-size:16.0pt;font-family:黑体", full=full)
    number, rest = match.groups()
    gap = "&nbsp;&nbsp;&nbsp;&nbsp; "
    numbered = (f"<span style='font-size:16.0pt;font-family:黑体'>{number}<span "
                f"style='font:7.0pt \"Times New Roman\"'>{gap}</span></span>")
    if full:
        numbered = f"<![if !supportLists]>{numbered}<![endif]>"
    return (f"<p class=MsoListParagraph style='margin-left:48.0pt;text-indent:-48.0pt;"
            f"mso-list:l0 level1 lfo1'>{numbered}<span style='font-size:16.0pt;"
            f"font-family:黑体'>{_text(rest)}</span></p>\n")


def _cell(td: Any, full: bool) -> str:
    lines = [line.strip() for line in td.text_content().split("\n")] or [""]
    width = 60 * int(td.get("colspan", "1"))
    spans = "".join(f" {name}={td.get(name)}" for name in ("rowspan", "colspan") if td.get(name))
    paragraphs = "".join(
        (f"<p class=MsoNormal align=center style='text-align:center'>"
         f"{_runs(line, 'font-size:10.5pt;font-family:宋体')}"
         f"{'<span lang=EN-US><o:p></o:p></span>' if full else ''}</p>")
        if line else "<p class=MsoNormal align=center style='text-align:center'><span "
                     "lang=EN-US style='font-size:10.5pt'>&nbsp;</span></p>"
        for line in lines)
    return (f"<td width={width}{spans} valign=center style='width:{width * 0.75}pt;border:solid "
            f"windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt'>{paragraphs}</td>")


def _table(table: Any, full: bool) -> str:
    rows = table.findall(".//tr")
    columns = max(sum(int(td.get("colspan", "1")) for td in tr.findall("td")) for tr in rows)
    out = ["<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=590 "
           "style='width:442.5pt;border-collapse:collapse;border:none'>"]
    for n, tr in enumerate(rows):
        out.append(f"<tr style='mso-yfti-irow:{n};height:20.0pt'>"
                   + "".join(_cell(td, full) for td in tr.findall("td")) + "</tr>")
    closing = ("<tr height=0>" + "".join("<td width=60 style='border:none'></td>"
                                         for _ in range(columns)) + "</tr>")
    out.append(f"<![if !supportMisalignedColumns]>{closing}<![endif]>" if full else closing)
    out.append("</table>\n<p class=MsoNormal><span lang=EN-US>&nbsp;</span></p>\n"
               "<span lang=EN-US style='font-size:16.0pt'><br clear=all "
               "style='page-break-before:always'></span>\n")
    return "".join(out)


def word_page(source: Path, full: bool) -> bytes:
    """The page Word writes for the document that ``source`` shows (``full``: "网页", with
    Office markup kept; otherwise "筛选过的网页")."""
    root = lxml_html.document_fromstring(source.read_bytes())
    title = root.findtext(".//title") or ""
    body = []
    for node in root.find("body"):
        text = node.text_content().strip()
        if node.tag == "h1":
            body.append(f"<p class=MsoTitle align=center style='text-align:center'>"
                        f"{_runs(text, 'font-size:22.0pt;font-family:方正小标宋简体')}</p>\n")
        elif node.tag in ("h2", "h3"):
            body.append(_heading(text, full))
        elif node.tag == "table":
            body.append(_table(node, full))
        elif node.tag == "p":
            right = "right" in (node.get("style") or "")
            body.append(_paragraph(text, align="right" if right else "", full=full))
    office = (" xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:"
              "office:office\" xmlns:w=\"urn:schemas-microsoft-com:office:word\"" if full else "")
    properties = ("<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>办公室</o:Author>"
                  "<o:Pages>6</o:Pages><o:Words>2024</o:Words></o:DocumentProperties></xml>"
                  "<![endif]-->" if full else "")
    page = (f"<html{office} xmlns=\"http://www.w3.org/TR/REC-html40\">\n<head>\n"
            "<meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">\n"
            f"<meta name=Generator content=\"Microsoft Word 15{'' if full else ' (filtered)'}\">\n"
            f"<title>{_text(title)}</title>\n{properties}\n<style>\n<!--\n /* Font Definitions */\n"
            " @font-face {font-family:宋体;}\np.MsoNormal, li.MsoNormal, div.MsoNormal "
            "{margin:0cm;text-align:justify;font-size:10.5pt;font-family:等线;}\n-->\n</style>\n"
            "</head>\n<body lang=ZH-CN style='text-justify-trim:punctuation'>\n"
            "<div class=WordSection1 style='layout-grid:15.6pt'>\n"
            + "".join(body) + "</div>\n</body>\n</html>\n")
    return page.encode("gb2312", errors="xmlcharrefreplace")


@pytest.mark.parametrize("full", [False, True], ids=["filtered", "full"])
def test_a_page_word_saved_imports_as_printed(tmp_path: Path, full: bool) -> None:
    case = CASES["h01"]
    path = tmp_path / "交通运输局年度报告.htm"
    path.write_bytes(word_page(SOURCE, full))
    expected = truth(case["agency"], case["seed"])
    result = import_paths([path], None, RENDERING)
    assert len(result.records) == 1, [line.detail for line in result.log]
    record = result.records[0]
    wrong = {key: (record.get(key), value) for key, value in expected.items()
             if shown(record.get(key)) != shown(value)}
    assert not wrong, (wrong, [(line.item, line.detail) for line in result.log])
    status = next(line for line in result.log if line.item == "结果")
    assert status.status == "已导入", status.detail
    assert any("gb18030" in line.detail for line in result.log), "read as the GB2312 it declares"


def test_blank_rows_closing_the_tables_of_a_word_document(tmp_path: Path) -> None:
    """A Word table with an empty row left at its end (common when a row was cleared rather
    than deleted): the blank row is no second printing of the figures above it."""
    import docx

    case = CASES["d01"]
    document = docx.Document(str(CORPUS / case["file"]))
    assert len(document.tables) >= 3
    for table in document.tables:
        table.add_row()
        table.add_row()
    path = tmp_path / "有空行的报告.docx"
    document.save(str(path))
    expected = truth(case["agency"], case["seed"]) | case["changed"]
    for key in case["absent"]:
        expected.pop(key)
    result = import_paths([path], case["year"], RENDERING)
    record = result.records[0]
    wrong = {key: (record.get(key), value) for key, value in expected.items()
             if key not in case["skip"] and shown(record.get(key)) != shown(value)}
    assert not wrong, (wrong, [(line.item, line.detail) for line in result.log])


def test_a_comment_inside_a_paragraph_is_not_printed(tmp_path: Path) -> None:
    from annual_report.importer.html_in import read_html

    path = tmp_path / "page.html"
    path.write_text("<html><body><p>全年主动公开<!-- 编辑：核对数字 -->政府信息<?php echo 1 ?>1250条。"
                    "</p><table><tr><td>规章<!--x--></td><td>1</td></tr><tr><td>&nbsp;</td>"
                    "<td></td></tr></table></body></html>", encoding="utf-8")
    blocks = read_html(path).blocks
    assert [getattr(b, "text", None) for b in blocks][0] == "全年主动公开政府信息1250条。"
    table = blocks[1]
    assert [[c.text for c in row] for row in table.grid] == [["规章", "1"]]  # type: ignore[attr-defined]
