"""A real published report's wording (西安市阎良区人民政府办公室 2024, the seed) in a Word document
whose section headings are numbered by Word itself (automatic 一、二、… numbering), read back."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml import parse_xml

from annual_report.checks.run import check_workbook
from annual_report.cli.import_cmd import report_rendering
from annual_report.format.model import APP_ROWS, SECTIONS
from annual_report.importer.docx_in import read_docx
from annual_report.importer.run import ImportResult, import_document, write_import
from annual_report.workbook.rows import read_workbook

SEED = Path(__file__).with_name("seed_yanliang_2024.txt")
AGENCY = "西安市阎良区人民政府办公室"
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def seed_sections() -> dict[str, list[str]]:
    """Section heading -> its paragraphs (table lines, with tabs, left out)."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in SEED.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or "\t" in line or text == "2024":
            continue
        if text[:2] in ("一、", "二、", "三、", "四、", "五、", "六、") and len(text) < 30:
            current = text
            sections[current] = []
        elif current is not None and not text.startswith(("第二十条", "信息内容", "规章", "行政")):
            sections[current].append(text)
    return sections


def numbered_heading(document: docx.document.Document, text: str) -> None:
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {W}><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>'))


def test_seed_report_with_word_numbered_headings(tmp_path: Path) -> None:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum {W} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    document.add_paragraph(f"{AGENCY}2024年政府信息公开工作年度报告")
    sections = seed_sections()
    assert len(sections) == 6
    for heading, paragraphs in sections.items():
        numbered_heading(document, heading[2:])
        for text in paragraphs:
            document.add_paragraph(text)
        if heading.startswith("三"):
            table = document.add_table(rows=3 + len(APP_ROWS), cols=9)
            for c, label in enumerate(["", "", "自然人", "商业企业", "科研机构", "社会公益组织",
                                       "法律服务机构", "其他", "总计"]):
                table.cell(0, c).text = label
            for r, row in enumerate(APP_ROWS, start=1):
                table.cell(r, 0).text = row.subgroup or row.group
                table.cell(r, 1).text = row.label
                for c in range(2, 9):
                    table.cell(r, c).text = "0"
        if heading.startswith("四"):
            table = document.add_table(rows=3, cols=15)
            table.cell(0, 0).merge(table.cell(1, 4)).text = "行政复议"
            table.cell(0, 5).merge(table.cell(0, 9)).text = "行政诉讼 未经复议直接起诉"
            table.cell(0, 10).merge(table.cell(0, 14)).text = "行政诉讼 复议后起诉"
            for c in range(15):
                table.cell(2, c).text = "0"
                if c >= 5:
                    table.cell(1, c).text = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"][c % 5]
            table.cell(0, 0).text = "行政复议（结果维持、结果纠正、其他结果、尚未审结、总计）"
    path = tmp_path / "阎良.docx"
    document.save(str(path))
    record, log = import_document(read_docx(path), path.name, None, report_rendering())
    assert record["agency"] == AGENCY and record["year"] == 2024
    assert record["heading.problems"] == "五、存在问题和改进情况"
    assert record["text.overview"] == "\n".join(sections["一、总体情况"])
    assert record["text.proactive"] == "\n".join(sections["二、主动公开政府信息情况"])
    assert record["text.problems"].startswith("存在问题：一是区政府办公室")
    assert record["text.improvements"].startswith("改进措施：一是充分发挥")
    assert "text.other" not in record and record["processing_fee.collected"] == 0
    assert all(record[f"apps.{row.key}.total"] == 0 for row in APP_ROWS)
    # the table 四 above has no column labels for 行政复议: those five are left blank, with reasons
    assert "review.upheld" not in record and record["suit_direct.total"] == 0
    assert any("表四·行政复议·结果维持" in item for item, _d in log)
    out = write_import(tmp_path / "导入.xlsx", ImportResult([record]))
    report = check_workbook(out)
    assert {f.rule for f in report.findings} >= {"R5"}  # table 二 and 行政复议 are blank
    assert read_workbook(out).rows[0].values["heading.problems"] == SECTIONS[4].heading.replace(
        "存在的主要问题及改进情况", "存在问题和改进情况")
