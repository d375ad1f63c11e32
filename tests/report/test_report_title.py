"""The title as it is set: one line when it fits at 2号, else broken after the agency's name.

Read through the real reader (a workbook written with openpyxl) and a built DOCX read back with
python-docx; how the lines come out on the page is judged in test_pages.py.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annual_report.format.model import default_title
from annual_report.report.build import BuildOptions, build_reports
from annual_report.report.context import build_context
from annual_report.report.title import TITLE_LINE_EM, join_lines, text_em, title_lines
from annual_report.workbook.blank import write_workbook
from annual_report.workbook.rows import read_workbook
from factories import make_row, zero_record

TAIL = "2024年政府信息公开工作年度报告"


def test_line_capacity_follows_the_page() -> None:
    """156 mm of text line (GB/T 9704: A4 less 28 and 26 mm) at 22 pt: 20 characters."""
    text_line_pt = (210 - 28 - 26) / 25.4 * 72
    assert TITLE_LINE_EM == int(text_line_pt // 22) == 20


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("西安市樊川区统计局", ["西安市樊川区统计局"]),
        ("示例机关" + TAIL, ["示例机关" + TAIL]),  # 20 characters wide: fits
        ("西安市樊川区统计局" + TAIL, ["西安市樊川区统计局", TAIL]),
        ("西安市阎良区人民政府办公室" + TAIL, ["西安市阎良区人民政府办公室", TAIL]),
        ("西安市樊川区统计局2024年度政府信息公开工作年度报告",
         ["西安市樊川区统计局", "2024年度政府信息公开工作年度报告"]),
        ("中共西安市樊川区委网络安全和信息化委员会办公室" + TAIL,
         ["中共西安市樊川区委网络安全和信息化委员会办公室", TAIL]),
        # typed line breaks are kept as typed, blank lines dropped
        ("西安市樊川区\n统计局年报", ["西安市樊川区", "统计局年报"]),
        ("西安市樊川区统计局\n\n  2024年度报告 ", ["西安市樊川区统计局", "2024年度报告"]),
        # no recognisable ending: left to the word processor
        ("关于西安市樊川区统计局政府信息公开工作情况的年度报告说明", [
            "关于西安市樊川区统计局政府信息公开工作情况的年度报告说明"]),
    ],
)
def test_title_lines(title: str, lines: list[str]) -> None:
    assert title_lines(title) == lines


def test_widths() -> None:
    assert text_em("信息公开") == 4
    assert text_em("2024") == 2
    assert text_em("（一）“三公开”") == 8
    assert text_em("ABC") > text_em("abc")


def test_join_lines() -> None:
    assert join_lines(["西安市樊川区统计局", TAIL]) == "西安市樊川区统计局" + TAIL
    assert join_lines(["Annual", "Report"]) == "Annual Report"
    assert join_lines(["  甲 ", "", "B"]) == "甲B"


agency_names = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1,
                       max_size=30)


@given(agency=agency_names, year=st.integers(2000, 2099))
def test_default_titles_never_break_inside_the_ending(agency: str, year: int) -> None:
    title = default_title(agency, year)
    lines = title_lines(title)
    assert "".join(lines) == title
    if text_em(title) <= TITLE_LINE_EM:
        assert lines == [title]
    else:
        assert lines == [agency, f"{year}年政府信息公开工作年度报告"]
        assert text_em(lines[1]) <= TITLE_LINE_EM


def test_context_title_and_its_display() -> None:
    ctx = build_context(make_row(zero_record("西安市阎良区人民政府办公室")))
    assert ctx["title"] == "西安市阎良区人民政府办公室" + TAIL  # one line: the document's title
    assert ctx["title_display"] == "西安市阎良区人民政府办公室\n" + TAIL
    short = build_context(make_row(zero_record("区档案馆")))
    assert short["title"] == short["title_display"] == "区档案馆" + TAIL


def test_a_title_typed_on_two_lines_is_kept(tmp_path: Path) -> None:
    typed = "中共西安市樊川区委办公室\n2024年度政府信息公开工作年度报告"
    records = [{**zero_record("中共西安市樊川区委办公室"), "title": typed + "\n",
                "report_date": "2025-01-20"},
               {**zero_record("樊川区统计局"), "title": "樊川区统计局\t年度报告"}]
    workbook = write_workbook(tmp_path / "总表.xlsx", records)
    rows = read_workbook(workbook).rows
    assert rows[0].values["title"] == typed
    assert rows[1].values["title"] == "樊川区统计局 年度报告"
    result = build_reports(workbook, BuildOptions(out=tmp_path / "out", jobs=1))
    assert result.exit_code == 0, result
    (built,) = [o for o in result.built if o.agency == "中共西安市樊川区委办公室"]
    assert built.file is not None
    document = docx.Document(str(built.file))
    assert document.paragraphs[0].text == typed
    assert document.core_properties.title == typed.replace("\n", "")
