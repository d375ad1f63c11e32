"""The reports as they look on the page: every sample report, and some made to be awkward, are
built to PDF with LibreOffice (one build, as ``build --pdf`` does it) and read back page by page
with ``pdftotext -bbox-layout`` (word boxes, in points from the top of the page).

On every page but the last at least half the text area is used; the title is broken only after
the agency's name; table 二 is on one page; a table 三 that breaks repeats its header; a heading
never ends a page; the signature never stands alone; digits are set in a Times New Roman (or a
metric-compatible face such as Liberation Serif), not a fallback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from annual_report.format import model as form
from annual_report.report.build import BuildOptions, BuildResult, build_reports
from annual_report.workbook.blank import write_workbook
from conftest import ROOT
from factories import zero_record

pytestmark = [
    pytest.mark.pdf,
    pytest.mark.skipif(
        not shutil.which("soffice") or not shutil.which("pdftotext") or not shutil.which("pdffonts"),
        reason="needs LibreOffice (soffice) and poppler-utils (pdftotext, pdffonts)",
    ),
]

SAMPLE = ROOT / "input" / "master.xlsx"
PT_PER_MM = 72 / 25.4
TEXT_TOP, TEXT_BOTTOM = 37 * PT_PER_MM, (297 - 35) * PT_PER_MM  # GB/T 9704 margins
TEXT_LEFT = 28 * PT_PER_MM
FIRST_COLUMN = 26.0  # points: table 三's first label column, two characters of 小五 wide
TITLE_MIN_HEIGHT = 25.0  # points: a line of 2号 (22 pt) text; body lines (3号) are about 21
XHTML = "{http://www.w3.org/1999/xhtml}"
TAIL = "年政府信息公开工作年度报告"
HEADINGS = {s.heading for s in form.SECTIONS}

PARAGRAPH = ("本机关坚持以公开为常态、不公开为例外，围绕中心工作，及时准确公开政府信息，"
             "持续提升政务公开的质量和实效，切实保障人民群众的知情权、参与权和监督权。")


@dataclass(frozen=True)
class Line:
    top: float
    bottom: float
    text: str  # the line's words, without spaces
    words: tuple[tuple[float, float, str], ...]  # (left, right, text) of each word


def read_pages(pdf: Path) -> list[list[Line]]:
    """Each page's text lines in the text area (the page number below it left out)."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                          check=True, timeout=60).stdout
    root = etree.fromstring(html, etree.XMLParser(recover=False, huge_tree=True))
    pages = []
    for page in root.iter(f"{XHTML}page"):
        lines = []
        for line in page.iter(f"{XHTML}line"):
            words = tuple((float(w.get("xMin", "0")), float(w.get("xMax", "0")), w.text or "")
                          for w in line.iter(f"{XHTML}word"))
            top, bottom = float(line.get("yMin", "0")), float(line.get("yMax", "0"))
            if bottom <= TEXT_BOTTOM + 3 * PT_PER_MM:
                text = re.sub(r"\s+", "", "".join(w for _, _, w in words))
                lines.append(Line(top, bottom, text, words))
        pages.append(sorted(lines, key=lambda x: x.top))
    return pages


def used(page: list[Line]) -> float:
    """The share of the text area's height above the page's lowest line."""
    lowest = max((line.bottom for line in page), default=TEXT_TOP)
    return (lowest - TEXT_TOP) / (TEXT_BOTTOM - TEXT_TOP)


def awkward_records() -> list[dict[str, object]]:
    """Agencies whose pages fall differently: narratives of growing length (so tables 二 and 三
    start everywhere on a page), a very long name, a title typed on two lines, 六 that says 无."""
    records: list[dict[str, object]] = []
    for n in range(1, 9):
        record = zero_record(f"西安市樊川区第{n}测试局")
        record["text.overview"] = "\n".join([PARAGRAPH] * n)
        record["text.proactive"] = "\n".join([PARAGRAPH] * (n % 3 + 1))
        record["text.applications"] = "\n".join([PARAGRAPH] * (n % 2))
        records.append(record)
    records.append({**zero_record("中共西安市樊川区委网络安全和信息化委员会办公室"),
                    "text.other": "无"})
    records.append({**zero_record("西安市樊川区档案馆"),
                    "title": "西安市樊川区档案馆\n2024年度政府信息公开工作年度报告"})
    return records


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """agency -> PDF, for the sample workbook and the awkward agencies (one build each)."""
    folder = tmp_path_factory.mktemp("pages")
    pdfs: dict[str, Path] = {}
    awkward = write_workbook(folder / "awkward.xlsx", awkward_records())
    for name, workbook in (("sample", SAMPLE), ("awkward", awkward)):
        result: BuildResult = build_reports(workbook, BuildOptions(out=folder / name, pdf=True))
        assert result.exit_code == 0, (result.failed, result.pdf_failed, result.invalid)
        assert not result.pdf_failed and len(result.pdf_built) == len(result.built)
        for outcome in result.built:
            assert outcome.file is not None
            pdfs[outcome.agency] = outcome.file.with_suffix(".pdf")
    assert len(pdfs) == 35 + len(awkward_records())
    return pdfs


@pytest.fixture(scope="module")
def pages(built: dict[str, Path]) -> dict[str, list[list[Line]]]:
    return {agency: read_pages(pdf) for agency, pdf in built.items()}


def test_no_page_but_the_last_is_more_than_half_empty(pages: dict[str, list[list[Line]]]) -> None:
    emptyish = {
        agency: [f"第{i}页只用了{used(page):.0%}" for i, page in enumerate(report[:-1], 1)
                 if used(page) < 0.5]
        for agency, report in pages.items()
    }
    assert {a: v for a, v in emptyish.items() if v} == {}
    assert all(len(report) >= 3 for report in pages.values())


def test_the_title_breaks_only_after_the_agency(pages: dict[str, list[list[Line]]]) -> None:
    for agency, report in pages.items():
        title = [line.text for line in report[0] if line.bottom - line.top >= TITLE_MIN_HEIGHT]
        if agency == "西安市樊川区档案馆":  # typed on two lines
            assert title == [agency, "2024年度政府信息公开工作年度报告"]
        elif len(agency) + 2 + len(TAIL) <= 20:
            assert title == [f"{agency}2024{TAIL}"], agency
        elif len(agency) <= 20:
            assert title == [agency, f"2024{TAIL}"], agency
        else:  # the name alone is longer than a line: the ending still stands on its own
            assert title[-1] == f"2024{TAIL}" and "".join(title[:-1]) == agency, title


def page_of(report: list[list[Line]], needle: str) -> list[int]:
    return [i for i, page in enumerate(report) if any(needle in line.text for line in page)]


def test_table2_is_on_one_page(pages: dict[str, list[list[Line]]]) -> None:
    for agency, report in pages.items():
        first, last = page_of(report, "第二十条第（一）项"), page_of(report, "行政事业性收费")
        assert len(first) == len(last) == 1 and first == last, agency


def test_table3_repeats_its_header_on_every_page(pages: dict[str, list[list[Line]]]) -> None:
    broken = 0
    for agency, report in pages.items():
        (start,) = page_of(report, "申请人情况")[:1]
        (end,) = page_of(report, "四、结转下年度继续办理")
        assert page_of(report, "申请人情况") == list(range(start, end + 1)), agency
        # the label of the first column, two characters a line, is whole however the table breaks
        narrow = [w for page in report[start : end + 1] for line in page for (left, right, w)
                  in line.words if left >= TEXT_LEFT - 1 and right <= TEXT_LEFT + FIRST_COLUMN]
        assert "三、本年度办理结果" in "".join(narrow), (agency, narrow)
        broken += end > start
    assert broken, "no report breaks table 三: the repeated header is not tested"


def test_a_heading_never_ends_a_page(pages: dict[str, list[list[Line]]]) -> None:
    for agency, report in pages.items():
        for number, page in enumerate(report[:-1], 1):
            assert page[-1].text not in HEADINGS, (agency, number, page[-1].text)


def test_the_signature_never_stands_alone(pages: dict[str, list[list[Line]]]) -> None:
    for agency, report in pages.items():
        last = [line.text for line in report[-1]]
        assert agency in last and len(last) > 2, (agency, last)
        assert "六、其他需要报告的事项" in [t for page in report for t in (x.text for x in page)]


def test_section_six_that_says_nothing_reads_straight(pages: dict[str, list[list[Line]]]) -> None:
    report = pages["中共西安市樊川区委网络安全和信息化委员会办公室"]
    text = "".join(line.text for page in report for line in page)
    six = text[text.index("六、其他需要报告的事项"):]
    assert re.search(r"未收取信息处理费.*均为0。本年度无其他需要报告的事项。", six)
    assert "无2024" not in six and not six.startswith("六、其他需要报告的事项无")


def test_digits_are_set_in_times_or_a_metric_twin(built: dict[str, Path]) -> None:
    pdf = built["西安市阎良区人民政府办公室"]
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True,
                             timeout=60).stdout
    names = [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
    assert any(re.search(r"Times|LiberationSerif|Tinos", n) for n in names), names
    assert not any("DejaVu" in n for n in names), names
