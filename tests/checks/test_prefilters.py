"""The cheap tests that let rules skip work are never wrong: a text P2, P4 or W5 skips is one
their patterns cannot match, a row the figure rules skip is one they find nothing in."""

from __future__ import annotations

import random
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from annual_report.checks.narrative import _NO_APPLICATIONS, check_narrative
from annual_report.checks.published import _PARTS, _may_state_parts, _years
from annual_report.checks.rules import ROW_RULES, _quiet
from annual_report.format.model import FIELDS
from factories import fill_consistent, make_row, zero_record

_PIECES = st.sampled_from(["部分", "部", "分", "个", " ", "\u3000", "\n", "\t", "六", "两", "十", "6",
                           "12", "６", "报告", "共", "，", "全文分为", "一部分", "x"])


@given(st.lists(_PIECES, max_size=12).map("".join))
def test_p4_skips_only_texts_without_a_stated_number_of_parts(text: str) -> None:
    assert _may_state_parts(text) == bool(_PARTS.search(text))


def test_p4_finds_parts_after_white_space_and_the_measure_word() -> None:
    assert _may_state_parts("本报告分为六 个\u3000部分")
    assert _may_state_parts("共 12部分")
    assert not _may_state_parts("部分栏目更新不够及时，大部分")
    assert not _may_state_parts("共６部分")  # full-width digits are not what P4 reads


def test_w5_reads_a_text_that_says_no_application_came_in() -> None:
    record = fill_consistent(zero_record("某局"), random.Random(3))
    record["apps.new.natural"] += 1
    record["apps.new.total"] += 1
    record["text.applications"] = "本年度没有收到政府信息公开申请。"
    found = [f for f in check_narrative(make_row(record)) if f.rule == "W5"]
    assert found and "没有收到政府信息公开申请" in found[0].message
    assert _NO_APPLICATIONS.search("尚未受理申请") and not _NO_APPLICATIONS.search("未受理")


@given(st.lists(st.sampled_from(["1", "2", "0", "9", "19", "20", "2023", "12023", " ", "年", "度",
                                 "\u3000", "x", "，"]), max_size=14).map("".join))
def test_p2_reads_the_years_a_look_behind_would(text: str) -> None:
    behind = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年(度)?")
    assert [m.span() for m in _years(text)] == [m.span() for m in behind.finditer(text)]


_FIGURE_KEYS = [f.key for f in FIELDS if f.kind.is_figure]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.tuples(st.sampled_from(_FIGURE_KEYS), st.sampled_from(
    [1, -1, 7, "x", "", "3.5", 0.5, "1,000"])), max_size=3))
def test_a_row_told_quiet_has_no_figure_finding(seed: int, changes: list[tuple[str, Any]]) -> None:
    record = fill_consistent(zero_record("某局"), random.Random(seed))
    for key, change in changes:
        old = record[key]
        record[key] = old + change if isinstance(change, int) and isinstance(old, int) else change
    row = make_row(record)
    if _quiet(row):
        assert [f for rule in ROW_RULES for f in rule(row)] == []


def test_a_consistent_row_is_told_quiet() -> None:
    row = make_row(fill_consistent(zero_record("某局"), random.Random(5)))
    assert [f for rule in ROW_RULES for f in rule(row)] == [] and _quiet(row)
