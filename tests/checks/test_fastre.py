"""compile_fast: the look-ahead of first characters never changes what a pattern finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annual_report.checks import numerals, sentences
from annual_report.checks.fastre import compile_fast, first_chars, source

FAST = {"COUNT": numerals.COUNT, "OTHER_UNIT": numerals.OTHER_UNIT, "YEAR": numerals.YEAR,
        "_FULL_YEAR": numerals._FULL_YEAR, "_QUALIFIER": sentences._QUALIFIER,
        "_TOPIC": sentences._TOPIC, "_ASPECT": sentences._ASPECT,
        "_CATEGORY": sentences._CATEGORY}
# What the narrative patterns read: digits of both widths, Chinese numerals, units, the words
# of topics and verbs, dates, separators; and anything else.
_WORDS = ["收到", "申请", "依申请", "申请人", "行政复议", "复议后", "诉讼", "起诉", "规范性文件", "规章",
          "规章制度", "办结", "办理", "办理结果", "答复", "答复书", "结转", "上年结转", "结转至下一年度",
          "下年度", "未办结", "制发", "废止", "现行有效", "予以公开", "部分公开", "不予公开", "无法提供",
          "不予处理", "其他处理", "同比", "增长", "约", "余", "件", "宗", "起", "份", "条", "次", "人次",
          "件次", "2024", "２０２４", "一二", "〇", "十二", "三十一", "年", "月", "日", "截至", "至", "—", "-",
          "，", "、", "。", " ", "\u3000", "%", "％", "第", "每", "1,234", "5", "0", ".", "．", "a"]
_TEXT = st.one_of(st.lists(st.sampled_from(_WORDS), max_size=12).map("".join), st.text(max_size=30))


def _found(pattern: re.Pattern[str], text: str) -> list[object]:
    return [(m.span(), m.groups(), m.lastgroup) for m in pattern.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_the_narrative_patterns_find_what_they_found_before(text: str) -> None:
    for name, fast in FAST.items():
        assert fast.pattern != source(fast), f"{name} has no look-ahead"
        plain = re.compile(source(fast))
        assert _found(fast, text) == _found(plain, text), name
        assert fast.sub("", text) == plain.sub("", text), name


@pytest.mark.parametrize("pattern, chars", [
    (r"(?P<a>复议)|(?P<b>诉讼|起诉)", "复诉起"),
    (r"a*b+c", "ab"),
    (r"(?<![0-9])[0-9]{2}年", "0123456789"),
    (r"(?:上一?年|去年)的?结转", "上去"),
    (r"(?=x)y", "y"),  # a look-ahead is zero width: the first character is y's
    (r"\b(?:[一二]|十)", "一二十"),
])
def test_first_characters(pattern: str, chars: str) -> None:
    assert first_chars(pattern) == frozenset(chars)


@pytest.mark.parametrize("pattern", [
    r"a*", r"(?:x|)", r".x", r"\sx", r"[^a]b", r"(?i)abc", r"(?i:a)b", r"(a)?\1x", r"\w+",
])
def test_patterns_whose_first_characters_are_not_listed_compile_as_they_are(pattern: str) -> None:
    assert first_chars(pattern) is None
    assert compile_fast(pattern).pattern == pattern


def test_a_look_ahead_with_characters_that_need_escaping() -> None:
    fast = compile_fast(r"(?:\]|\^|-|\\|a)z")
    for text in ("]z", "^z", "-z", "\\z", "az", "bz", "z"):
        assert _found(fast, text) == _found(re.compile(source(fast)), text)
