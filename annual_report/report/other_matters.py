"""Section 六, 其他需要报告的事项, written so that it never contradicts itself.

The section states the 信息处理费 once, with the sentence computed from the three fee figures,
and the agency's other matters (``text.other``) around it:

* no text: the fee sentence alone (as the published reports have it);
* a paragraph that only says there is nothing to report (「无」「无。」「暂无」「本年度无」
  「本年度无其他需要报告的事项。」): not printed where it stands; after the fee sentence one
  closing sentence says that nothing else is to be reported — never 「无」 followed by a fee;
* a paragraph that is itself a fee statement (every clause of it is about the fee): the
  computed sentence takes its place, its run-in heading kept, so that the report says what the
  workbook's figures say, and says it once;
* a paragraph that names 信息处理费 among other matters: left as written, and no second fee
  statement is added;
* otherwise the text, then the fee sentence, numbered on (（三）收取信息处理费情况。 or 3.) when
  the text's paragraphs are numbered （一）（二）… or 1. 2. ….
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .paragraphs import Paragraph

NO_OTHER_MATTERS = "本年度无其他需要报告的事项。"
FEE_HEADING = "收取信息处理费情况"
FEE_WORD = "信息处理费"
_ABOUT_FEES = ("信息处理费", "收费", "缴费", "收取", "金额")

# A text that says only that there is nothing (else) to report.
_NOTHING = re.compile(
    r"[/／\-—\s]+|"
    r"[（(]?(?:(?:本|今|\d{4})年度?[，,]?)?"
    r"(?:本机关|本单位|本部门|我机关|我单位|我部门|我[\u4e00-\u9fff]{1,2}?)?"
    r"(?:暂|均|亦|也)?(?:无|没有|不涉及)"
    r"(?:其他|其它)?(?:需要|需|应当|应)?(?:报告|说明)?的?(?:事项|情况|内容)?"
    r"[)）]?[。．.；;！!]?"
)
_CLAUSE_END = re.compile(r"(?<=[，,。；;！!？?])")
_CN_DIGITS = "一二三四五六七八九"
_CN_HEAD = re.compile(r"(?P<open>[（(])(?P<number>[一二三四五六七八九十]{1,3})(?P<close>[）)])")
_ARABIC_HEAD = re.compile(r"(?P<number>[0-9]{1,2})\s*(?P<separator>[.．、])")


def says_nothing(text: str) -> bool:
    """Whether ``text`` only says that there is nothing (else) to report."""
    if "无" not in text and "没有" not in text and "不涉及" not in text:
        # only dashes, slashes and white space can then match (told at the first other
        # character, not by removing the white space of a whole paragraph first)
        return all(c in _DASHES or c.isspace() for c in text)
    return _NOTHING.fullmatch(re.sub(r"\s+", "", text)) is not None or not text.strip()


_DASHES = "/／-—"


def _is_fee_statement(para: Paragraph) -> bool:
    """Every clause of the paragraph is about the fee (or says 无 under a fee heading)."""
    if FEE_WORD not in para:
        return False
    clauses = [s for s in _CLAUSE_END.split(para.body) if s.strip()]
    fee_head = FEE_WORD in para.head
    return all(
        any(word in s for word in _ABOUT_FEES) or (fee_head and says_nothing(s))
        for s in clauses
    )


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 35 -> 三十五 (1 ≤ n ≤ 99)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_CN_DIGITS[tens - 1]}十")
    return head + (_CN_DIGITS[ones - 1] if ones else "")


def next_heading(paragraphs: Sequence[Paragraph], label: str) -> str:
    """The run-in heading that numbers ``label`` after the text's own numbered headings
    (「（三）label。」 after （一） and （二）, 「3.label。」 after 1. and 2.), or ``""`` when the
    text is not numbered 1, 2, … at one level."""
    heads = [p for p in paragraphs if p.head]
    if not heads or len({p.level for p in heads}) != 1 or len(heads) > 98:
        return ""
    if heads[0].level == "一":
        found = [_CN_HEAD.match(p.head) for p in heads]
        if any(m is None or m["number"] != chinese_number(i) for i, m in enumerate(found, 1)):
            return ""
        last = found[-1]
        assert last is not None
        return f"{last['open']}{chinese_number(len(heads) + 1)}{last['close']}{label}。"
    numbered = [_ARABIC_HEAD.match(p.head) for p in heads]
    if any(m is None or int(m["number"]) != i for i, m in enumerate(numbered, 1)):
        return ""
    final = numbered[-1]
    assert final is not None
    return f"{len(heads) + 1}{final['separator']}{label}。"


def other_matters(text: Sequence[str], fee_sentence: str) -> list[str]:
    """The paragraphs of section 六: ``text`` (the agency's other matters) and the fee.

    Paragraphs that only say 无 are not printed where they stand: one closing sentence saying
    that nothing else is to be reported follows the fee (their own wording when it speaks of
    其他事项), so no 无 ever precedes what the section then reports."""
    paragraphs = [p if isinstance(p, Paragraph) else Paragraph(p) for p in text]
    empty = [says_nothing(p) for p in paragraphs]
    nothing = [p for p, said in zip(paragraphs, empty, strict=True) if said]
    content = [p for p, said in zip(paragraphs, empty, strict=True) if not said]
    result: list[str] = []
    stated = False
    for para in content:
        if _is_fee_statement(para):
            if not stated:
                result.append(para.head + fee_sentence)
                stated = True
            continue
        stated = stated or FEE_WORD in para
        result.append(str(para))
    if not stated:
        result.append(next_heading(content, FEE_HEADING) + fee_sentence)
    if nothing:
        said = "".join(p.strip() for p in nothing)
        result.append(said if re.search("其[他它]", said) and len(nothing) == 1 else NO_OTHER_MATTERS)
    return result
