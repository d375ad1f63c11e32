"""Section 六 never contradicts itself: the other matters and the fee statement, merged.

The context is built from rows parsed as the reader parses them; one build reads the DOCX back.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annual_report.report.build import BuildOptions, build_reports
from annual_report.report.context import build_context
from annual_report.report.other_matters import (
    _NOTHING,
    NO_OTHER_MATTERS,
    chinese_number,
    next_heading,
    other_matters,
    says_nothing,
)
from annual_report.report.paragraphs import Paragraphs
from annual_report.workbook.blank import write_workbook
from factories import make_row, zero_record

ZERO_FEE = "2024年度本机关未收取信息处理费，发出收费通知的件数和总金额，以及实际收取的总金额均为0。"
FEE = "2024年度本机关发出信息处理费收费通知2件，总金额236.5元，实际收取信息处理费100元。"


def section_six(text: str, **fees: Any) -> list[str]:
    record = {**zero_record("西安市樊川区统计局"), "text.other": text}
    record.update({f"processing_fee.{key}": value for key, value in fees.items()})
    return list(build_context(make_row(record))["other_matters"])


CHARGED = {"notices": 2, "notice_amount": Decimal("236.5"), "collected": 100}


@pytest.mark.parametrize(
    "text", ["无", "无。", "暂无", "本年度无", "本年度无。", "没有", "不涉及", "/", " 无 \n",
             "2024年度，本机关无。", "我局无其他需要报告的事项", "本年度无其他需要报告的事项。"])
def test_texts_that_say_nothing(text: str) -> None:
    assert says_nothing(text)


@pytest.mark.parametrize(
    "text", ["无法提供的申请已全部答复。", "本年度无行政复议，但有两件投诉已办结。",
             "（一）人大代表建议办理情况。全年办理37件。", "本年度未收取信息处理费。"])
def test_texts_that_say_something(text: str) -> None:
    assert not says_nothing(text)


@given(st.text(alphabet="无没有不涉及其他事项本年度。/／-— \t\n\u3000\xa0a1（）", max_size=30))
def test_says_nothing_is_the_pattern_matched_without_white_space(text: str) -> None:
    """The shortcut for a text without 无/没有/不涉及 tells what the pattern tells."""
    assert says_nothing(text) == (
        _NOTHING.fullmatch(re.sub(r"\s+", "", text)) is not None or not text.strip())


def test_no_text_gives_the_fee_sentence_alone() -> None:
    assert section_six("") == [ZERO_FEE]
    assert section_six("", **CHARGED) == [FEE]


@pytest.mark.parametrize("text", ["无", "无。", "本年度无", "暂无"])
def test_nothing_else_comes_after_the_fee_never_before(text: str) -> None:
    assert section_six(text) == [ZERO_FEE, NO_OTHER_MATTERS]
    assert section_six(text, **CHARGED) == [FEE, NO_OTHER_MATTERS]


def test_the_agencys_own_none_sentence_is_kept_after_the_fee() -> None:
    assert section_six("本机关无其他需要报告的事项。") == [ZERO_FEE, "本机关无其他需要报告的事项。"]


def test_other_matters_then_the_fee() -> None:
    assert section_six("本年度办理人大代表建议12件。") == ["本年度办理人大代表建议12件。", ZERO_FEE]
    # a 无 among other matters: said once, after the fee, never before it
    assert section_six("无\n本年度办理人大代表建议12件。") == [
        "本年度办理人大代表建议12件。", ZERO_FEE, NO_OTHER_MATTERS]
    assert section_six("无。\n本年度未收取信息处理费。", **CHARGED) == [FEE, NO_OTHER_MATTERS]


def test_the_fee_is_numbered_on_after_numbered_matters() -> None:
    text = "（一）人大代表建议办理情况。全年办理37件。\n（二）政务公开要点落实情况。均已完成。"
    assert section_six(text, **CHARGED) == [
        "（一）人大代表建议办理情况。全年办理37件。", "（二）政务公开要点落实情况。均已完成。",
        "（三）收取信息处理费情况。" + FEE]
    assert section_six("1.建议提案办理。37件。\n2、要点落实。完成。")[-1] == (
        "3、收取信息处理费情况。" + ZERO_FEE)
    # not numbered 1, 2, … at one level: the fee is a paragraph of its own
    assert section_six("（二）建议提案办理。37件。")[-1] == ZERO_FEE
    assert section_six("（一）建议提案。37件。\n2.要点落实。完成。")[-1] == ZERO_FEE


def test_a_fee_statement_in_the_text_is_replaced_by_the_figures() -> None:
    """The agency wrote its own fee sentence (perhaps last year's): the report says what the
    figures say, once, at the place and under the heading the agency gave it."""
    assert section_six(ZERO_FEE) == [ZERO_FEE]
    assert section_six("本年度未收取信息处理费。", **CHARGED) == [FEE]
    text = ("（一）建议提案办理情况。全年办理37件。\n"
            "（二）信息处理费收取情况。本年度未收取信息处理费。\n（三）其他。无。")
    assert section_six(text, **CHARGED) == [
        "（一）建议提案办理情况。全年办理37件。", "（二）信息处理费收取情况。" + FEE, "（三）其他。无。"]
    assert section_six("（二）信息处理费。无。") == ["（二）信息处理费。" + ZERO_FEE]


def test_a_fee_named_among_other_matters_is_left_as_written_and_not_repeated() -> None:
    text = "本年度办理建议提案37件，未收取信息处理费，其他工作均按期完成。"
    assert section_six(text) == [text]
    assert "均为0" not in "".join(section_six(text))


def test_chinese_numbers() -> None:
    assert [chinese_number(n) for n in (1, 9, 10, 11, 19, 20, 21, 35, 99)] == [
        "一", "九", "十", "十一", "十九", "二十", "二十一", "三十五", "九十九"]
    paragraphs = Paragraphs([f"（{chinese_number(n)}）事项{n}。正文。" for n in range(1, 12)])
    assert next_heading(paragraphs, "收费") == "（十二）收费。"
    assert next_heading(Paragraphs(["正文。"]), "收费") == ""
    assert other_matters([], "收费句。") == ["收费句。"]


def test_section_six_in_the_built_report(tmp_path: Path) -> None:
    records = [{**zero_record("西安市樊川区统计局"), "text.other": "无。", "report_date": "2025-01-20",
                "processing_fee.notices": 2, "processing_fee.notice_amount": Decimal("236.5"),
                "processing_fee.collected": 100, "apps.other.unpaid_fee.total": 0}]
    workbook = write_workbook(tmp_path / "总表.xlsx", records)
    result = build_reports(workbook, BuildOptions(out=tmp_path / "out", jobs=1))
    assert result.exit_code == 0, result
    (built,) = result.built
    assert built.file is not None
    texts = [p.text for p in docx.Document(str(built.file)).paragraphs]
    six = texts.index("六、其他需要报告的事项")
    assert texts[six + 1 :] == [FEE, NO_OTHER_MATTERS, "西安市樊川区统计局", "2025年1月20日"]


FRAGMENTS = [
    "本年度办理人大代表建议12件。", "（一）建议提案办理情况。全年办理37件。",
    "（二）要点落实情况。均已完成。", "1.平台建设。完成改版。", "2、培训。举办2期。",
    "本年度未收取信息处理费。", "（二）信息处理费收取情况。本年度未收取信息处理费。",
    "无", "无。", "本年度无其他需要报告的事项。",
]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=5), st.sampled_from([ZERO_FEE, FEE]))
def test_section_six_states_the_fee_once_and_keeps_every_other_matter(
    text: list[str], fee: str,
) -> None:
    result = other_matters(text, fee)
    fee_paragraphs = [i for i, p in enumerate(result) if fee in p]
    assert len(fee_paragraphs) == 1  # no fragment names the fee among other matters
    assert sum("信息处理费" in p for p in result) == 1
    kept = [p for p in text if "信息处理费" not in p and not says_nothing(p)]
    assert [p for p in result if p in kept] == kept  # in order, none lost
    if kept:
        return
    # nothing but 无 and fee statements: the fee comes first, then at most that nothing else is
    assert fee_paragraphs == [0] and len(result) <= 2
