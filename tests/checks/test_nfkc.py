"""The fast NFKC of the published-report checks equals unicodedata's, and says where each
normalized character comes from; P2 and P3 find what NFKC folds (full-width digits, ㈠ …)."""

from __future__ import annotations

import functools
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from annual_report.checks.nfkc import DIGIT_SOURCES, SAFE_BOUNDARY, nfkc, nfkc_spans
from annual_report.checks.published import _may_name_a_year, _years, check_published
from factories import make_row, zero_record

# Characters Chinese reports are made of, and the ones NFKC changes: full-width forms, the
# ideographic space, enclosed and parenthesized numbers, compatibility ideographs, combining
# marks, Hangul jamo that compose, ligatures, and symbols that grow or shrink.
_TRICKY = ("，：；（）！？　０１２３９ＡＺａｚ％～＃ｶﾞﾟ"  # full-width and half-width forms
           "㈠㈡㈩⑴⒛①⑩㉑㊀²₃½Ⅻⅻ㍿㎡℃…‥"  # enclosed, super/subscript, number forms, squared
           "\u0301\u0300\u0308\u0345\u0323\u3099\u309a"  # combining marks
           "\u1100\u1161\u11a8가각ﬁﬀſ\u212b\u2126Å\u00a0\u2002\u200b"
           "\uf900\uf98e\u2f00\u2f32"  # compatibility ideographs (F98E is 年), Kangxi radicals
           "年度号〔〕【】［］（）《》「」、。e年2019060国办公开办函")
_CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_TEXTS = st.one_of(
    st.text(),
    st.text(st.one_of(st.sampled_from(_TRICKY), _CHINESE, st.characters(max_codepoint=0x7F))),
    st.text(st.one_of(st.characters(min_codepoint=0x3000, max_codepoint=0x33FF),
                      st.characters(min_codepoint=0xFE30, max_codepoint=0xFFEF),
                      st.characters(min_codepoint=0x0300, max_codepoint=0x036F), _CHINESE)),
)


@settings(max_examples=600, deadline=None)
@given(_TEXTS)
def test_nfkc_equals_unicodedata(text: str) -> None:
    expected = unicodedata.normalize("NFKC", text)
    assert nfkc(text) == expected
    assert nfkc_spans(text).text == expected


@settings(max_examples=600, deadline=None)
@given(_TEXTS)
def test_each_normalized_piece_comes_from_its_span_of_the_original(text: str) -> None:
    norm = nfkc_spans(text)
    pieces: list[tuple[int, int, str]] = []  # (start, end) in the original, normalized text
    for i, char in enumerate(norm.text):
        span = norm.span(i, i + 1)
        if pieces and pieces[-1][:2] == span:
            pieces[-1] = (*span, pieces[-1][2] + char)
        else:
            pieces.append((*span, char))
    position = 0
    for start, end, piece in pieces:
        assert start >= position and end > start  # in order, never empty
        assert unicodedata.normalize("NFKC", text[position:end]) == piece
        position = end
    assert unicodedata.normalize("NFKC", text[position:]) == ""


@functools.cache
def _every_decomposition() -> dict[str, str]:
    """Each character whose NFKD is not itself -> its NFKD (all of Unicode, once)."""
    found = {}
    for cp in range(0x110000):
        char = chr(cp)
        decomposed = unicodedata.normalize("NFKD", char)
        if decomposed != char:
            found[char] = decomposed
    return found


def test_the_characters_that_p2_and_p3_look_for_first_come_from_where_they_say() -> None:
    """A text without any of DIGIT_SOURCES has no ASCII digit after NFKC; 年 comes only from
    itself and U+F98E; the characters of 国办公开办函 only from themselves."""
    sources = _every_decomposition()
    digits = {c for c, d in sources.items() if any("0" <= x <= "9" for x in d)} | set("0123456789")
    listed = {chr(cp) for cp in range(0x110000) if DIGIT_SOURCES.fullmatch(chr(cp))}
    assert listed == digits
    assert {c for c, d in sources.items() if "年" in d} == {"\uf98e"}
    assert not {c for c, d in sources.items() if set(d) & set("国办公开函")}


def test_the_safe_boundaries_are_safe() -> None:
    """Every character before which the text is cut is a starter with no decomposition that
    is never the second half of a canonical composition (so nothing composes across a cut)."""
    safe = re.compile(f"[{SAFE_BOUNDARY}]")
    seconds = set()
    for char in _every_decomposition():
        decomposition = unicodedata.decomposition(char)
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(chr(int(parts[1], 16)))
    for cp in range(0x110000):
        char = chr(cp)
        if safe.fullmatch(char):
            assert unicodedata.combining(char) == 0, hex(cp)
            assert unicodedata.decomposition(char) == "", hex(cp)
            assert char not in seconds, hex(cp)
            assert not 0x1100 <= cp <= 0x11FF  # Hangul jamo compose algorithmically


def test_common_chinese_text_takes_the_fast_path() -> None:
    text = "本机关收到申请５件，（一）予以公开３件；全年　无收费。"
    norm = nfkc_spans(text)
    assert norm.starts is None and norm.text == unicodedata.normalize("NFKC", text)


def test_spans_after_a_character_that_grows() -> None:
    norm = nfkc_spans("㈠2023年度")
    assert norm.text == "(一)2023年度"
    assert norm.span(3, 9) == (1, 7)  # "2023年度" is the original's [1:7]
    assert norm.span(0, 3) == (0, 1)  # "(一)" comes from ㈠


def _years_in(text: str) -> list[str]:
    return [m.group() for m in _years(text)]


def _p2_messages(text: str, year: int = 2024) -> list[str]:
    record = zero_record("某局", year)
    record["text.overview"] = text
    return [f.message for f in check_published(make_row(record)) if f.rule == "P2"]


def test_p2_finds_a_year_in_full_width_digits_and_quotes_it_as_written() -> None:
    (message,) = _p2_messages("２０２３年度，本机关认真贯彻落实《条例》。")
    assert "「…２０２３年度，本机关认真贯彻落实…」" in message


def test_p2_quotes_the_right_words_after_a_parenthesized_numeral() -> None:
    # ㈠ is three characters in NFKC: the quote must still start and end at the right place.
    (message,) = _p2_messages("㈠2023年度，本机关认真贯彻落实《条例》。")
    assert "「…㈠2023年度，本机关认真贯彻落实…」" in message
    # a year right at the end, after several of them, used to be read past the end of the text
    (message,) = _p2_messages("㈠㈡㈢㈣㈤2023年度")
    assert "「…㈠㈡㈢㈣㈤2023年度…」" in message


def test_p2_reads_around_the_year_in_the_original_after_combining_marks() -> None:
    # e + U+0301 is one character in NFKC: the words before the year are still the right ones
    (message,) = _p2_messages("re\u0301sume\u0301。2023年，本机关收到申请。")
    assert "「…e\u0301sume\u0301。2023年，本机关收到申请。…」" in message
    assert _p2_messages("e\u0301e\u0301较2023年度增长") == []  # 较 is still seen before the year


def test_p3_finds_a_format_number_in_full_width_brackets_and_digits() -> None:
    record = zero_record("某局")
    record["text.overview"] = "本报告按照国办公开办函（２０１９）６０号的格式编制。"
    record["text.other"] = "根据国办公开办函［２０２０］３０号规定的年度报告格式编制。"
    found = {f.field: f.message for f in check_published(make_row(record)) if f.rule == "P3"}
    assert "「国办公开办函(2019)60号」是 2019 年的试行格式" in found["text.overview"]
    assert "格式文号「国办公开办函[2020]30号」不对" in found["text.other"]


def test_p2_finds_a_year_written_in_circled_digits() -> None:
    # ② ⓪ ② ③ are 2 0 2 3 in NFKC: a text without one ASCII or full-width digit is still read
    (message,) = _p2_messages("②⓪②③年度，本机关认真贯彻落实《条例》。")
    assert "「…②⓪②③年度，本机关认真贯彻落实…」" in message
    assert _p2_messages("本机关全年认真贯彻落实《条例》。") == []


def test_only_white_space_ends_in_white_space_under_nfkc() -> None:
    """What P2's look-back from 年 relies on: a character whose NFKC ends in white space is
    white space, and so is all of its NFKC."""
    for char, decomposed in _every_decomposition().items():
        if unicodedata.normalize("NFKC", decomposed)[-1:].isspace():
            assert char.isspace() and unicodedata.normalize("NFKC", char).isspace(), hex(ord(char))


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(["年", "\uf98e", "度", "2", "0", "１", "２", "²", "①", "㉑", "⑴", "⒛", "㏠",
                                 " ", "\u3000", "\u00a0", "\u0301", "\t", "，", "a", "局", "（", "）"]),
                max_size=12).map("".join))
def test_p2_skips_only_texts_whose_nfkc_names_no_year(text: str) -> None:
    if _years_in(unicodedata.normalize("NFKC", text)):
        assert _may_name_a_year(text)
