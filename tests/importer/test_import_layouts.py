"""Import of reports in layouts unlike ours: other column orders, the 28 × 8 subtotal variant,
split and merged cells, header wording variants, a table split in two, GBK web pages without a
meta charset, and PDFs LibreOffice makes from those documents. Wording from the seed report
(西安市阎良区人民政府办公室 2024)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document

from annual_report.cli.import_cmd import report_rendering
from annual_report.format.model import APP_COLUMNS, APP_ROWS
from annual_report.importer.docx_in import read_docx
from annual_report.importer.html_in import read_html
from annual_report.importer.pdf_in import read_pdf
from annual_report.importer.run import import_document

AGENCY = "西安市阎良区人民政府办公室"
TITLE = f"{AGENCY}2024年政府信息公开工作年度报告"
RENDERING = report_rendering()
TEXTS = {
    "一、总体情况": ["2024年，西安市阎良区人民政府办公室认真贯彻落实《中华人民共和国政府信息公开条例》，"
                 "坚持以公开为常态、不公开为例外。"],
    "二、主动公开政府信息情况": ["1.主动公开情况。2024年，及时通过区政府网站发布相关重要政务信息2175条。"],
    "三、收到和处理政府信息公开申请情况": [],
    "四、政府信息公开行政复议、行政诉讼情况": [],
    "五、存在问题和改进情况": ["存在问题：一是在进一步发挥作用方面还要持续强化。",
                      "改进措施：一是充分发挥区政府办公室协调全区政务公开工作的作用。"],
    "六、其他需要报告的事项": ["2024年度本机关未收取信息处理费，发出收费通知的件数和总金额，"
                      "以及实际收取的总金额均为0。"],
}
SHORT_ROWS = {  # how other layouts word the rows
    "denied.prohibited": "2.其他法律法规禁止公开",
    "partial": "(二) 部分公开(区分处理的，只计这一情形，不计其他情形)",
}


def figure(row: int, col: int) -> int:
    return (row * 7 + col * 3) % 5


def expected_apps() -> dict[str, int]:
    values: dict[str, int] = {}
    for r, row in enumerate(APP_ROWS):
        for c, (col, _label) in enumerate(APP_COLUMNS[:-1]):
            values[f"apps.{row.key}.{col}"] = figure(r, c)
        values[f"apps.{row.key}.total"] = sum(figure(r, c) for c in range(6))
    return values


def _cell_text(cell: Any, text: str) -> None:
    cell.text = text


def table3(document: Document, *, order: list[str], subtotal: bool, split_at: int | None = None) -> None:
    """Table 三 with the columns in ``order`` (keys; "subtotal" = 法人或其他组织 小计) and, with
    ``subtotal``, a 小计 row under each result group; split in two tables at ``split_at``."""
    rows: list[tuple[str, str, dict[str, int] | None]] = []
    for r, row in enumerate(APP_ROWS):
        values = {col: figure(r, c) for c, (col, _l) in enumerate(APP_COLUMNS[:-1])}
        values["total"] = sum(values.values())
        values["subtotal"] = values["total"] - values["natural"]
        label = SHORT_ROWS.get(row.key, row.label)
        rows.append((row.subgroup or row.group, label, values))
        if subtotal and row.key in ("denied.query", "rejected.confirmation"):
            rows.append((row.subgroup, "小计", None))
    width = 2 + len(order)
    pieces = [rows] if split_at is None else [rows[:split_at], rows[split_at:]]
    for n, piece in enumerate(pieces):
        table = document.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        if n == 0:
            top = table.add_row().cells
            second = table.add_row().cells
            top[0].merge(second[1])
            _cell_text(top[0], "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
            org = [i for i, k in enumerate(order) if k not in ("natural", "total")]
            for i, key in enumerate(order):
                label = {"subtotal": "小计", "total": "总计"}.get(key) or dict(APP_COLUMNS)[key]
                if key in ("natural", "total"):
                    top[2 + i].merge(second[2 + i])
                    _cell_text(top[2 + i], label)
                else:
                    _cell_text(second[2 + i], label)
            first, last = 2 + min(org), 2 + max(org)
            merged = top[first].merge(top[last])
            _cell_text(merged, "法人或其他组织")
        for group, label, values in piece:
            cells = table.add_row().cells
            _cell_text(cells[0], group)
            _cell_text(cells[1], label)
            for i, key in enumerate(order):
                if values is None:
                    _cell_text(cells[2 + i], "5")  # a subtotal row: ignored
                else:
                    _cell_text(cells[2 + i], str(values[key]))


def base_document(order: list[str], subtotal: bool, split_at: int | None = None,
                  appeals_transposed: bool = False) -> Document:
    document = docx.Document()
    document.add_paragraph(AGENCY)
    document.add_paragraph("2024年政府信息公开工作年度报告")
    for heading, paragraphs in TEXTS.items():
        document.add_paragraph(heading)
        for text in paragraphs:
            document.add_paragraph(text)
        if heading.startswith("二"):
            t = document.add_table(rows=4, cols=4)
            for r, row in enumerate([["第二十条第（一）项", "", "", ""],
                                     ["信息内容", "本年新制发件数", "本年废止件数", "现行有效件数"],
                                     ["规章", "0", "0", "1"], ["行政规范性文件", "2", "/", "7"]]):
                for c, text in enumerate(row):
                    t.cell(r, c).text = text
            t.cell(0, 0).merge(t.cell(0, 3))
            t.style = "Table Grid"
            document.add_paragraph("")
            t2 = document.add_table(rows=5, cols=2)
            t2.style = "Table Grid"
            for r, row in enumerate([["信息内容", "本年处理决定数量"], ["行政许可", "12"],
                                     ["行政处罚", "3 4"], ["行政强制", ""],
                                     ["行政事业性收费", ""]]):
                for c, text in enumerate(row):
                    t2.cell(r, c).text = text
        if heading.startswith("三"):
            table3(document, order=order, subtotal=subtotal, split_at=split_at)
        if heading.startswith("四"):
            appeals(document, appeals_transposed)
    document.add_paragraph(AGENCY)
    document.add_paragraph("2025年1月20日")
    return document


def appeals(document: Document, transposed: bool) -> None:
    parts = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    if transposed:
        t = document.add_table(rows=4, cols=6)
        t.style = "Table Grid"
        for c, p in enumerate(["类别", *parts]):
            t.cell(0, c).text = p
        for r, (label, values) in enumerate([("行政复议", [1, 0, 0, 0, 1]),
                                             ("行政诉讼（未经复议直接起诉）", [0, 1, 0, 0, 1]),
                                             ("行政诉讼（复议后起诉）", [0, 0, 0, 2, 2])], start=1):
            t.cell(r, 0).text = label
            for c, v in enumerate(values, start=1):
                t.cell(r, c).text = str(v)
        return
    t = document.add_table(rows=4, cols=15)
    t.style = "Table Grid"
    t.cell(0, 0).merge(t.cell(1, 4)).text = "行政复议"
    t.cell(0, 5).merge(t.cell(0, 14)).text = "行政诉讼"
    t.cell(1, 5).merge(t.cell(1, 9)).text = "未经复议直接起诉"
    t.cell(1, 10).merge(t.cell(1, 14)).text = "复议后起诉"
    for c in range(15):
        t.cell(2, c).text = parts[c % 5]
        t.cell(3, c).text = str([1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 2, 2][c])


def check_common(record: dict[str, Any], log: list[tuple[str, str]]) -> None:
    assert record["agency"] == AGENCY and record["year"] == 2024
    assert str(record["report_date"]) == "2025-01-20"
    for key, value in expected_apps().items():
        assert record.get(key) == value, key
    assert record["rules.in_force"] == 1 and record["normative.issued"] == 2
    assert record["normative.repealed"] == "/"  # kept as printed: R5 names it
    assert record["licensing.decisions"] == 12
    assert "penalty.decisions" not in record  # 「3 4」 cannot be read with certainty
    assert any("「3 4」" in d for _i, d in log)
    assert "enforcement.decisions" not in record
    assert record["review.total"] == 1 and record["suit_direct.corrected"] == 1
    assert record["suit_after_review.pending"] == 2
    assert record["processing_fee.collected"] == 0 and record["processing_fee.notices"] == 0
    assert record["heading.problems"] == "五、存在问题和改进情况"
    assert record["text.problems"] == TEXTS["五、存在问题和改进情况"][0]
    assert record["text.improvements"] == TEXTS["五、存在问题和改进情况"][1]
    assert record["text.overview"] == TEXTS["一、总体情况"][0]
    assert record["text.proactive"] == TEXTS["二、主动公开政府信息情况"][0]
    assert "text.other" not in record


ORDERS = {
    "ours": ["natural", "business", "research", "nonprofit", "legal", "other_org", "total"],
    "total first, other order": ["total", "natural", "legal", "business", "other_org", "research",
                                 "nonprofit"],
    "28 x 8 with subtotal": ["natural", "business", "research", "nonprofit", "legal", "other_org",
                             "subtotal", "total"],
}


@pytest.mark.parametrize("layout", list(ORDERS))
def test_docx_layouts(tmp_path: Path, layout: str) -> None:
    document = base_document(ORDERS[layout], subtotal="subtotal" in ORDERS[layout],
                             split_at=14 if layout == "ours" else None,
                             appeals_transposed=layout != "ours")
    path = tmp_path / "report.docx"
    document.save(str(path))
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    check_common(record, log)


def test_a_split_value_cell_and_a_cell_spanning_two_columns(tmp_path: Path) -> None:
    document = base_document(ORDERS["ours"], subtotal=False)
    table = document.tables[2]
    new = next(r for r in table.rows if "新收" in r.cells[1].text)
    new.cells[2].merge(new.cells[3])  # one cell over 自然人 and 商业企业
    path = tmp_path / "report.docx"
    document.save(str(path))
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    assert "apps.new.natural" not in record and "apps.new.business" not in record
    assert any("跨了两列" in d for _i, d in log)
    assert record["apps.new.research"] == expected_apps()["apps.new.research"]


def _html(order: list[str]) -> str:
    """Table 三 as a web page; the 法人或其他组织 columns of ``order`` must be adjacent."""
    org = [k for k in order if k not in ("natural", "total")]
    top = ""
    for k in order:
        if k in ("natural", "total"):
            top += f"<td rowspan='2'>{'自然人' if k == 'natural' else '总计'}</td>"
        elif k == org[0]:
            top += f"<td colspan='{len(org)}'>法人或其他组织</td>"
    head = "".join(f"<td>{dict(APP_COLUMNS).get(k, '小计') if k != 'total' else '总计'}</td>"
                   for k in order if k not in ("natural", "total"))
    rows = []
    for r, row in enumerate(APP_ROWS):
        values = {col: figure(r, c) for c, (col, _l) in enumerate(APP_COLUMNS[:-1])}
        values["total"] = sum(values.values())
        cells = "".join(f"<td>{values[k]}</td>" for k in order)
        label = f"<td colspan='2'>{row.label}</td>" if not row.subgroup else (
            f"<td>{row.subgroup}</td><td>{row.label}</td>")
        rows.append(f"<tr>{label}{cells}</tr>")
    paragraphs = "".join(
        f"<p><strong>{h}</strong></p>" + "".join(f"<p>　　{t}</p>" for t in ps)
        + (f"<table border='1'><tr><td colspan='2' rowspan='2'>（本列数据的勾稽关系为：第一项加第二项之和，"
           f"等于第三项加第四项之和）</td>{top}</tr><tr>{head}</tr>{''.join(rows)}</table>"
           if h.startswith("三") else "")
        for h, ps in TEXTS.items())
    return (f"<html><head><title>{TITLE}_西安市阎良区人民政府</title></head><body>"
            f"<div class='nav'>首页 &gt; 政府信息公开 &gt; 年度报告</div><h1>{TITLE}</h1>{paragraphs}"
            f"<p style='text-align:right'>{AGENCY}</p><p>2025年1月20日</p>"
            "<div>【打印本页】 【关闭窗口】</div><div>主办单位：西安市阎良区人民政府办公室</div></body></html>")


def test_a_gbk_page_without_meta_charset(tmp_path: Path) -> None:
    order = ["total", "natural", "business", "research", "nonprofit", "legal", "other_org"]
    path = tmp_path / "report.htm"
    path.write_bytes(_html(order).encode("gbk"))
    record, log = import_document(read_html(path), path.name, None, RENDERING)
    assert record["agency"] == AGENCY and record["year"] == 2024
    for key, value in expected_apps().items():
        assert record.get(key) == value, key
    assert record["text.improvements"] == TEXTS["五、存在问题和改进情况"][1]
    assert record["text.overview"] == TEXTS["一、总体情况"][0]
    assert "text.other" not in record and str(record["report_date"]) == "2025-01-20"
    assert any(i == "表二" and "没有找到" in d for i, d in log)


def test_a_utf8_page_with_meta_charset(tmp_path: Path) -> None:
    page = _html(ORDERS["ours"]).replace("<head>", "<head><meta charset='utf-8'>")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    record, _log = import_document(read_html(path), path.name, None, RENDERING)
    assert record["apps.results_total.total"] == expected_apps()["apps.results_total.total"]


@pytest.mark.pdf
@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice)")
def test_pdfs_made_by_libreoffice_from_other_layouts(tmp_path: Path) -> None:
    names = []
    for n, layout in enumerate(ORDERS):
        document = base_document(ORDERS[layout], subtotal="subtotal" in ORDERS[layout],
                                 split_at=14 if n == 0 else None, appeals_transposed=n > 0)
        document.save(str(tmp_path / f"r{n}.docx"))
        names.append(str(tmp_path / f"r{n}.docx"))
    unruled = base_document(ORDERS["ours"], subtotal=False)
    for table in unruled.tables[:2]:
        table.style = None  # no borders: pdfplumber sees text, not a table
    unruled.save(str(tmp_path / "unruled.docx"))
    names.append(str(tmp_path / "unruled.docx"))
    profile = tmp_path / "profile"
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), *names],
                   check=True, capture_output=True, timeout=180)
    for n in range(len(ORDERS)):
        record, log = import_document(read_pdf(tmp_path / f"r{n}.pdf"), f"r{n}.pdf", None, RENDERING)
        check_common(record, log)
    record, log = import_document(read_pdf(tmp_path / "unruled.pdf"), "unruled.pdf", None, RENDERING)
    assert not any(key in record for key in ("rules.in_force", "normative.issued", "licensing.decisions"))
    assert any("像表格的文字" in d for _i, d in log)
    assert record["text.proactive"] == TEXTS["二、主动公开政府信息情况"][0]
    assert record["apps.new.total"] == expected_apps()["apps.new.total"]


def test_a_scanned_pdf_gets_a_clear_message(tmp_path: Path) -> None:
    from annual_report.importer.run import import_paths

    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
                    b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                    b"trailer<</Root 1 0 R>>\n%%EOF\n")
    result = import_paths([tmp_path])
    assert result.records == []
    assert any("扫描件" in line.detail for line in result.log)


def test_a_page_laid_out_in_a_table_frame(tmp_path: Path) -> None:
    page = _html(ORDERS["ours"])
    body = page.split("<body>", 1)[1].split("</body>", 1)[0]
    framed = page.replace(body, "<table><tr><td>导航 首页</td><td>" + body + "</td><td>相关链接</td></tr></table>")
    path = tmp_path / "framed.html"
    path.write_text(framed, encoding="utf-8")
    record, _log = import_document(read_html(path), path.name, None, RENDERING)
    assert record["agency"] == AGENCY
    assert record["text.overview"] == TEXTS["一、总体情况"][0]
    assert record["apps.new.total"] == expected_apps()["apps.new.total"]


def test_a_docx_whose_body_sits_in_a_one_cell_table(tmp_path: Path) -> None:
    inner = base_document(ORDERS["ours"], subtotal=False)
    outer = docx.Document()
    frame = outer.add_table(rows=1, cols=1).cell(0, 0)
    for element in list(inner.element.body):
        if not element.tag.endswith("sectPr"):
            frame._tc.append(element)
    path = tmp_path / "framed.docx"
    outer.save(str(path))
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    check_common(record, log)


def test_a_fee_sentence_with_its_own_figures() -> None:
    from annual_report.importer.fees import read_fees
    from annual_report.importer.tables import Found

    found = Found()
    used = read_fees(["本机关发出收费通知2件，实际收取的总金额为0元。", "其他事项。"], found)
    assert used == [0]
    assert found.values["processing_fee.notices"].value == 2
    assert found.values["processing_fee.collected"].value == 0
    assert "processing_fee.notice_amount" not in found.values  # 「总金额」 here is what was collected
    found = Found()
    read_fees(["发出信息处理费收费通知3件，总金额120.5元，实际收取信息处理费0.8万元。"], found)
    assert found.values["processing_fee.notice_amount"].value == "120.5"
    assert "万元" in found.problems["processing_fee.collected"]


def test_folders_pages_that_are_not_reports_and_the_same_report_twice(tmp_path: Path) -> None:
    from annual_report.importer.run import import_paths

    (tmp_path / "报告_files").mkdir()
    (tmp_path / "报告_files" / "header.htm").write_text("<p>页眉</p>", encoding="utf-8")
    (tmp_path / "关于我们.html").write_text("<html><body><p>联系我们</p></body></html>", encoding="utf-8")
    path = tmp_path / "报告.htm"
    path.write_text(_html(ORDERS["ours"]), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "报告副本.htm").write_text(_html(ORDERS["ours"]), encoding="utf-8")
    result = import_paths([tmp_path], None, RENDERING)
    assert len(result.records) == 2
    files = {Path(line.file).name for line in result.log}
    assert "header.htm" not in files
    assert any("不像年度报告" in line.detail for line in result.log if line.file.endswith("关于我们.html"))
    assert any("同一机关、同一年度" in line.detail for line in result.log)


def test_titles_as_agencies_print_them() -> None:
    from annual_report.importer.sections import find_title

    assert find_title(["西安市樊川区教育局", "2024年度政府信息公开工作年度报告"])[1:3] == (
        "西安市樊川区教育局", 2024)
    assert find_title(["2024年西安市樊川区教育局政府信息公开工作年度报告"])[1:3] == (
        "西安市樊川区教育局", 2024)
    assert find_title(["首页>政务公开>年度报告", "西安市樊川区教育局关于2024年政府信息公开工作年度报告"])[1:3] == (
        "西安市樊川区教育局", 2024)


def test_headings_numbered_by_a_list_style_have_no_number_in_their_text(tmp_path: Path) -> None:
    document = base_document(ORDERS["ours"], subtotal=False)
    for paragraph in document.paragraphs:
        if paragraph.text in TEXTS:
            paragraph.text = paragraph.text[2:]  # 「总体情况」: Word's style prints the 一、
    path = tmp_path / "styled.docx"
    document.save(str(path))
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    check_common(record, log)


def test_printed_dates() -> None:
    import datetime as dt

    from annual_report.importer.sections import parse_printed_date

    assert parse_printed_date("二〇二五年一月二十日") == ("", dt.date(2025, 1, 20))
    assert parse_printed_date(f"{AGENCY}  2025年1月22日") == (AGENCY, dt.date(2025, 1, 22))
    assert parse_printed_date("截至2024年12月31日") is None
    assert parse_printed_date("2025年2月30日") == ("", None)


def test_a_table_split_after_a_row_printed_blank(tmp_path: Path) -> None:
    document = base_document(ORDERS["ours"], subtotal=False, split_at=4)
    first = document.tables[2]
    for cell in first.rows[-1].cells[2:]:
        cell.text = ""  # 部分公开 printed blank, the last row before the break
    path = tmp_path / "split.docx"
    document.save(str(path))
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    expected = expected_apps()
    assert not any(key.startswith("apps.partial.") for key in record)
    assert any("印的是空白" in d for _i, d in log)
    for key in ("apps.denied.state_secret.natural", "apps.denied.state_secret.total", "apps.granted.total"):
        assert record[key] == expected[key]


def test_a_damaged_file_does_not_stop_the_others(tmp_path: Path) -> None:
    from annual_report.importer.run import import_paths

    (tmp_path / "坏.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00" * 50)
    (tmp_path / "坏.docx").write_bytes(b"PK\x03\x04 not a zip")
    (tmp_path / "好.htm").write_bytes(_html(ORDERS["ours"]).encode("gb18030"))
    result = import_paths([tmp_path], None, RENDERING)
    assert len(result.records) == 1
    bad = [line for line in result.log if line.status == "未导入"]
    assert {Path(line.file).name for line in bad} == {"坏.pdf", "坏.docx"}
    assert any("没有声明编码" in line.detail for line in result.log)


_TEXT_BOX = """<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
 xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent>
<mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>
<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice>
<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>
<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>
</mc:AlternateContent></w:r>"""


def test_a_title_in_a_text_box_is_read_once(tmp_path: Path) -> None:
    """Word stores a text box twice (what it shows, and a copy for older readers)."""
    from lxml import etree

    document = base_document(ORDERS["ours"], subtotal=False)
    title = document.paragraphs[0]
    for run in list(title.runs):
        run._r.getparent().remove(run._r)
    title._p.append(etree.fromstring(_TEXT_BOX.format(text=AGENCY)))
    path = tmp_path / "boxed.docx"
    document.save(str(path))
    blocks = read_docx(path).blocks
    assert blocks[0].text == AGENCY  # type: ignore[union-attr]
    record, log = import_document(read_docx(path), path.name, None, RENDERING)
    check_common(record, log)


def test_a_utf8_page_that_declares_gb2312(tmp_path: Path) -> None:
    """Saved again as UTF-8, the page still says gb2312: its text is read as UTF-8 (GB18030 would
    decode the bytes, into nonsense), and the note says so."""
    page = _html(ORDERS["ours"]).replace("<head>", "<head><meta charset='gb2312'>")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    document = read_html(path)
    record, _log = import_document(document, path.name, None, RENDERING)
    assert record["agency"] == AGENCY and record["text.overview"] == TEXTS["一、总体情况"][0]
    assert any("声明的是 gb2312" in note and "UTF-8" in note for note in document.notes)
