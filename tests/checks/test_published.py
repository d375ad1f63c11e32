"""P1 (published vs approved) and the warnings P2–P4 on published reports and master texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from annual_report.checks.published import HEADINGS, PREAMBLE, check_published, compare_rows
from annual_report.checks.run import check_workbook
from annual_report.format.model import SECTIONS
from annual_report.workbook.blank import write_workbook
from factories import fill_consistent, make_row, zero_record


def rules(record: dict[str, object]) -> list[str]:
    return [f.rule for f in check_published(make_row(record))]


def test_p1_names_both_cells_for_a_figure_and_a_text() -> None:
    approved = zero_record("某局")
    published = dict(approved, **{"apps.new.natural": 3, "apps.new.total": 3,
                                  "text.overview": approved["text.overview"] + "另有一句。"})
    found = list(compare_rows(make_row(published, 7), make_row(approved, 12), "审定.xlsx"))
    assert {f.field for f in found} == {"apps.new.natural", "apps.new.total", "text.overview"}
    natural = next(f for f in found if f.field == "apps.new.natural")
    assert natural.rule == "P1" and natural.is_error
    assert natural.cell.endswith("7") and "审定.xlsx" in natural.message and "12" in natural.message
    assert "「3」" in natural.message and "「0」" in natural.message


def test_p1_ignores_spacing_and_how_section_five_is_divided() -> None:
    approved = zero_record("某局")
    approved["text.problems"], approved["text.improvements"] = "一是问题。", "改进措施：一是改进。"
    published = dict(approved, **{"text.problems": "一是问题。\n改进措施：一是改进。",
                                  "text.improvements": "", "text.overview": " " + approved["text.overview"]})
    assert list(compare_rows(make_row(published), make_row(approved), "m.xlsx")) == []


def test_check_against_a_master_workbook(tmp_path: Path) -> None:
    approved = fill_consistent(zero_record("甲局"), __import__("random").Random(1))
    other = zero_record("乙局")
    master = write_workbook(tmp_path / "审定.xlsx", [other, approved])
    published = dict(approved, **{"review.upheld": approved["review.upheld"] + 1,
                                  "review.total": approved["review.total"] + 1})
    unknown = zero_record("丙局")
    imported = write_workbook(tmp_path / "导入.xlsx", [published, unknown])
    report = check_workbook(imported, against=master)
    p1 = [f for f in report.findings if f.rule == "P1"]
    assert {(f.agency, f.field) for f in p1} == {
        ("甲局", "review.upheld"), ("甲局", "review.total"), ("丙局", "agency")}
    upheld = next(f for f in p1 if f.field == "review.upheld")
    assert upheld.cell.startswith("总表!") and upheld.cell.endswith("5")
    assert "审定.xlsx 的 总表!" in upheld.message and upheld.message.count("6") >= 1
    assert any("乙局" in note for note in report.notes)


@pytest.mark.parametrize("text, flagged", [
    ("2023年度，本机关认真贯彻落实《条例》。", True),
    ("截至2023年12月31日，共办结申请5件。", True),
    ("2023年，本机关全年主动公开信息120条。", True),
    ("上年（2023年度）结转的2件申请已全部办结。", False),
    ("2023年度结转2件，本年度均已办结。", False),
    ("主动公开信息数量较2023年度增长10%。", False),
    ("2025年，我局将进一步加强公开工作。", False),
    ("2024年度，本机关认真贯彻落实《条例》。", False),
])
def test_p2_another_year_named_as_the_report_year(text: str, flagged: bool) -> None:
    record = zero_record("某局", 2024)
    record["text.overview"] = text
    assert ("P2" in rules(record)) is flagged


@pytest.mark.parametrize("text, flagged", [
    ("本报告按照《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2019〕60号）编制。", True),
    ("根据国办公开办函〔2021〕3号规定的年度报告格式编制。", True),
    ("根据国办公开办函〔2021〕30号规定的年度报告格式编制。", False),
    ("参照国办公开办函[2021]30号 格式要求编制。", False),
])
def test_p3_superseded_or_wrong_format_number(text: str, flagged: bool) -> None:
    record = zero_record("某局")
    record[PREAMBLE] = text
    assert ("P3" in rules(record)) is flagged


def test_p4_the_sections_printed() -> None:
    record = zero_record("某局")
    record[HEADINGS] = "\n".join(s.heading for s in SECTIONS)
    assert "P4" not in rules(record)
    record[HEADINGS] = "\n".join(s.heading for s in SECTIONS[:4] + SECTIONS[5:])
    assert "P4" in rules(record)
    record[HEADINGS] = "\n".join([s.heading for s in SECTIONS] + ["七、附件"])
    assert "P4" in rules(record)


@pytest.mark.parametrize("text, flagged", [
    ("本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和"
     "行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项六个部分。", False),
    ("本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、存在的主要问题及改进情况、"
     "其他需要报告的事项等六个部分。", True),
    ("本报告包括总体情况,主动公开政府信息情况,收到和处理政府信息公开申请情况,政府信息公开行政复议、"
     "行政诉讼情况,存在的主要问题及改进情况,其他报告的事项共六个部分。", False),
    ("报告全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议及"
     "行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项6个部分。", False),
    ("本报告共分为七个部分。", True),
    ("全文包括5个部分。", True),
])
def test_p4_the_number_of_parts_the_text_states(text: str, flagged: bool) -> None:
    record = zero_record("某局")
    record[PREAMBLE] = text
    assert ("P4" in rules(record)) is flagged


def test_master_texts_are_checked_too() -> None:
    record = zero_record("某局", 2024)
    record["text.other"] = "本报告根据国办公开办函〔2019〕60号编制。"
    record["text.overview"] = "2023年度，本机关……"
    assert {"P2", "P3"} <= set(rules(record))


@pytest.mark.parametrize("text", [
    "根据《西安市2023年度政务公开工作要点》要求开展工作。",
    "在2023年度全区政务公开考核中获评优秀等次。",
])
def test_p2_leaves_titles_and_last_years_assessment_alone(text: str) -> None:
    record = zero_record("某局", 2024)
    record["text.overview"] = text
    assert "P2" not in rules(record)


def test_p1_compares_section_six_as_the_report_prints_it() -> None:
    approved = zero_record("某局")
    approved["text.other"] = "无"
    published = dict(approved, **{"text.other": "本年度无其他需要报告的事项。"})
    assert list(compare_rows(make_row(published), make_row(approved), "m.xlsx")) == []
    approved["text.other"] = "本年度未收取信息处理费。\n（一）建议提案办理情况。办理5件。"
    published["text.other"] = "（一）建议提案办理情况。办理5件。"
    assert list(compare_rows(make_row(published), make_row(approved), "m.xlsx")) == []
    published["text.other"] = "（一）建议提案办理情况。办理6件。"
    assert [f.field for f in compare_rows(make_row(published), make_row(approved), "m.xlsx")] == [
        "text.other"]
