"""Reports that agencies print from a browser to PDF (Chromium's own PDF writer, not LibreOffice):
its text layer names many characters by their radicals (「⼀」 U+2F00 for 一), its paragraphs stand
apart by spacing only, and the page's 【打印本页】 links share the date's line."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from test_import_layouts import AGENCY, ORDERS, RENDERING, TEXTS, _html, expected_apps
from test_import_tables import _split_table_three

from annual_report.importer.blocks import Para
from annual_report.importer.pdf_in import read_pdf
from annual_report.importer.run import import_document

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (bash setup.sh --test)")

STYLE = ("<style>body{font-family:'Noto Serif CJK SC';font-size:16px;line-height:28px}"
         "table{border-collapse:collapse} td{border:1px solid black}"
         ".foot{display:flex;justify-content:space-between;width:480px}</style>")


def print_to_pdf(page: str, folder: Path) -> Path:
    source, pdf = folder / "page.html", folder / "page.pdf"
    source.write_text(page, encoding="utf-8")
    profile = folder / "profile"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                    f"--user-data-dir={profile}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", source.as_uri()],
                   capture_output=True, timeout=120, check=True)
    return pdf


def test_a_report_page_printed_by_chromium(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    page = _html(ORDERS["ours"]).replace("<head>", f"<head><meta charset='utf-8'>{STYLE}")
    page = page.replace("<p>2025年1月20日</p><div>【打印本页】 【关闭窗口】</div>",
                        "<div class='foot'><span>2025年1月20日</span><span>【打印本页】【关闭窗口】</span></div>")
    pdf = print_to_pdf(page, tmp_path)
    with pdfplumber.open(pdf) as opened:  # the property the reader has to undo
        assert "\u2f00" in "".join(p.extract_text() or "" for p in opened.pages)
    caplog.set_level(logging.DEBUG)
    caplog.clear()  # what pdfplumber said above, before the reader was asked
    record, log = import_document(read_pdf(pdf), pdf.name, None, RENDERING)
    # pdfminer's English warnings about the fonts (「Could not get FontBBox …」) are not shown
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert record["agency"] == AGENCY and record["year"] == 2024
    for key, value in expected_apps().items():
        assert record.get(key) == value, key
    assert record["text.overview"] == TEXTS["一、总体情况"][0]
    assert record["text.improvements"] == TEXTS["五、存在问题和改进情况"][1]
    assert str(record["report_date"]) == "2025-01-20", log
    assert "text.other" not in record


@pytest.mark.parametrize("space", ["14px", "0"])
def test_an_unindented_heading_after_a_full_line(tmp_path: Path, space: str) -> None:
    """30 characters fill a line of 480 px: section 五 ends on a full line, and 「六、……」 starts
    at the margin under it, set apart by spacing or (0) only by being a heading."""
    full = ("　　存在问题：一是在进一步发挥作用方面还要持续强化，"
            "二是公开内容的规范性有待提升，三是政策解读的形式还不够丰富，需加强。")
    assert len(full) == 60
    page = (f"<html><head><meta charset='utf-8'>{STYLE}</head><body style='width:480px'>"
            f"<p style='margin:0'>五、存在的主要问题及改进情况</p><p style='margin:0'>{full}</p>"
            f"<p style='margin:{space} 0 0 0'>六、其他需要报告的事项</p>"
            "<p style='margin:0'>　　本年度本机关未收取信息处理费。</p></body></html>")
    pdf = print_to_pdf(page, tmp_path)
    texts = [b.text for b in read_pdf(pdf).blocks if isinstance(b, Para)]
    assert texts == ["五、存在的主要问题及改进情况", full.lstrip("　"), "六、其他需要报告的事项",
                     "本年度本机关未收取信息处理费。"]


TALL = "<style>td{border:1px solid black;padding:4px;height:110px} table{border-collapse:collapse}</style>"


def _import(page: str, folder: Path) -> tuple[dict[str, object], list[tuple[str, str]]]:
    pdf = print_to_pdf(page, folder)
    record, log = import_document(read_pdf(pdf), pdf.name, None, RENDERING)
    return record, log


def test_rows_broken_over_pages_and_open_at_the_break(tmp_path: Path) -> None:
    """Rows 110 px tall: Chromium breaks some over the page and draws no rule at the break;
    on later pages the merged 「三、本年度办理结果」 has no rule across and is no column."""
    page = _split_table_three("none").replace("<head>", f"<head>{TALL}")
    record, log = _import(page, tmp_path)
    for key, value in expected_apps().items():
        assert record.get(key) == value, (key, log)


def test_a_header_repeated_on_every_page(tmp_path: Path) -> None:
    page = _split_table_three("none").replace("<head>", f"<head>{TALL}")
    head_end = page.index("</tr>", page.index("<td>其他</td>")) + len("</tr>")
    page = (page[:head_end].replace("<table border='1'>", "<table border='1'><thead>")
            + "</thead><tbody>" + page[head_end:].replace("</table>", "</tbody></table>", 1))
    record, log = _import(page, tmp_path)
    for key, value in expected_apps().items():
        assert record.get(key) == value, (key, log)
    assert not any("不是本格式的行" in d for _i, d in log), log


APPEALS = [1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 2, 2]


def _appeals_page(space: int) -> str:
    parts = "".join(f"<td>{p}</td>" for p in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"])
    table = ("<table border='1'><tr><td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td></tr>"
             f"<tr>{parts.replace('<td>', '<td rowspan=2>')}<td colspan='5'>未经复议直接起诉</td>"
             f"<td colspan='5'>复议后起诉</td></tr><tr>{parts * 2}</tr>"
             f"<tr>{''.join(f'<td>{v}</td>' for v in APPEALS)}</tr></table>")
    return (f"<html><head><meta charset='utf-8'>{TALL.replace('110px', '60px')}</head><body>"
            f"<h1>{AGENCY}2024年政府信息公开工作年度报告</h1><p>一、总体情况</p>"
            f"<div style='height:{space}px'></div><p>四、政府信息公开行政复议、行政诉讼情况</p>"
            f"{table}<p>五、存在问题和改进情况</p></body></html>")


@pytest.mark.parametrize("space", [560, 640, 700, 760, 820])
def test_table_four_where_the_page_breaks_inside_its_header(tmp_path: Path, space: int) -> None:
    record, log = _import(_appeals_page(space), tmp_path)
    assert record.get("review.total") == 1 and record.get("suit_direct.corrected") == 1, log
    assert record.get("suit_after_review.pending") == 2 and record.get("suit_after_review.total") == 2
    assert record.get("review.corrected") == 0 and record.get("suit_direct.upheld") == 0


def test_a_figure_on_the_next_page_is_named_by_that_page(tmp_path: Path) -> None:
    """表四's header at the foot of one page, its figures on the next: a figure that cannot be
    read is named by the page and the row where it is printed."""
    for space in (560, 640, 700, 760, 820):
        page = _appeals_page(space).replace("<td>2</td>", "<td>3 4</td>", 1)
        folder = tmp_path / str(space)
        folder.mkdir()
        record, log = _import(page, folder)
        if "第 2 页" not in " ".join(d for _i, d in log):
            continue  # the table did not break at this height
        message = next(d for _i, d in log if "「3 4」" in d)
        assert re.search(r"第 2 页表四第 [12] 行", message), message  # not 「第 1 页表四第 4 行」
        return
    pytest.fail("no height broke 表四 between its header and its figures")
