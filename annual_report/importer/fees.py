"""The 信息处理费 statement of section 六: its three figures, read from the sentence as printed.

Only sentences whose meaning is certain are read: 「……发出收费通知的件数和总金额，以及实际收取的
总金额均为0」, 「发出信息处理费收费通知3件，总金额120元，实际收取信息处理费80元」 (or 「收费金额共计120元」),
「未发出收费通知」
(no notice, so no notice amount), 「未收取信息处理费」 (nothing collected). An amount in 万元 is not
converted but left blank with the reason.
"""

from __future__ import annotations

import re
import unicodedata

from .blocks import Printed, tidy
from .tables import Found

_NUM = r"(\d+(?:\.\d+)?|零)"
_ZERO = r"(0|零)(?![\d.])(?!\s*万)(?!\s*元)()"  # 0 without a unit: 0 in any unit
_IS = r"(?:为|是|共计|共|合计)?"
# Each figure by the ways it is printed, tried in order; group 1 the number, group 2 「万」.
_NOTICES = (re.compile(r"收费通知(?:书)?(?:的件数|件数)?" + _IS + _NUM + r"\s*(?:件|份|次)()"),
            re.compile(r"收费通知(?:书)?的?件数" + _IS + r"(\d+)(?![\d.])(?!\s*[万元])()"))
_NOT_COLLECTING = r"(?<!收取的)(?<!收取)(?<!实际)"
_AMOUNT = (re.compile(_NOT_COLLECTING + r"(?:收费通知的?|通知)?(?:总金额|收费金额)" + _IS + _NUM
                      + r"\s*(万)?元"),
           re.compile(_NOT_COLLECTING + r"(?:收费通知的?|通知)?(?:总金额|收费金额)" + _IS + _ZERO))
_COLLECTED = (re.compile(r"实际收取(?:的总金额|总金额|的金额|信息处理费|费用|金额)?" + _IS + _NUM
                         + r"\s*(万)?元"),
              re.compile(r"实际收取(?:的总金额|总金额|的金额|金额)" + _IS + _ZERO),
              re.compile(r"(?<![未不没])收取(?:了)?信息处理费" + _IS + _NUM + r"\s*(万)?元"))
_ALL_ZERO = re.compile(r"件数.*总金额.*实际收取.*均为\s*(?:0|零)")
_NO_NOTICE = re.compile(r"(?:未|没有|无)(?:发出|开具|送达)(?:过)?(?:信息处理费)?收费通知")
_NOT_COLLECTED = re.compile(r"(?:未|没有|不)(?:收取|收缴|产生)(?:任何)?(?:信息处理费|费用)")
_SENTENCE = re.compile(r"[^。；;！!？?]+[。；;！!？?]*")
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|‘[^’]*’|\"[^\"]*\"")
_CITES_RULE = re.compile(r"条例|第四十二条|办法|规定[:：，,]")
KEYS = ("processing_fee.notices", "processing_fee.notice_amount", "processing_fee.collected")


def is_fee_text(text: str) -> bool:
    return "信息处理费" in text or "收费通知" in text


def _value(number: str) -> int | str:
    if number == "零":
        return 0
    return int(number) if "." not in number else number


def _sentences(text: str) -> list[str]:
    return [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0).strip("。；;！!？? ")]


def _zero_statements(sentence: str) -> set[str]:
    """The keys one sentence says are 0, read with its quotations left out; a sentence citing the
    条例 (「行政机关依申请提供政府信息，不收取费用」) states a rule, not this year's figures."""
    plain = _QUOTED.sub("", sentence)
    keys: set[str] = set()
    if _ALL_ZERO.search(plain):
        keys.update(KEYS)
    if _NO_NOTICE.search(plain):
        keys.update(KEYS[:2])
    if _NOT_COLLECTED.search(plain) and not _CITES_RULE.search(plain):
        keys.add(KEYS[2])
    return keys


def _explicit(sentence: str) -> dict[str, re.Match[str]]:
    found: dict[str, re.Match[str]] = {}
    for key, patterns in zip(KEYS, (_NOTICES, _AMOUNT, _COLLECTED), strict=True):
        for pattern in patterns:
            match = pattern.search(sentence)
            if match is not None:
                found[key] = match
                break
    return found


def _normal(raw: str) -> str:
    return unicodedata.normalize("NFKC", tidy(raw)).replace(",", "")


def fee_only(raw: str) -> bool:
    """Whether every sentence of a paragraph is a fee statement read for a figure (so the
    paragraph is the fee sentence, not 其他事项 text that mentions fees)."""
    sentences = _sentences(_normal(raw))
    return bool(sentences) and all(_explicit(s) or _zero_statements(s) for s in sentences)


def read_fees(paragraphs: list[str], found: Found) -> list[int]:
    """Put the fee figures the paragraphs state into ``found``; the indexes of the paragraphs
    that were fee statements.

    Each sentence is read apart, so 「……提案件数均为0」 after the fee sentence zeroes nothing;
    a figure printed (「实际收取的总金额为100元」) wins over a sentence saying it is 0.
    """
    used: list[int] = []
    for index, raw in enumerate(paragraphs):
        if not is_fee_text(raw):
            continue
        where = f"第六部分「{tidy(raw)[:24]}…」"
        explicit: dict[str, re.Match[str]] = {}
        zeros: set[str] = set()
        for sentence in _sentences(_normal(raw)):
            for key, match in _explicit(sentence).items():
                explicit.setdefault(key, match)
            zeros |= _zero_statements(sentence)
        got: dict[str, Printed] = {key: Printed(0) for key in KEYS if key in zeros}
        for key, match in explicit.items():
            if match.lastindex and match.lastindex >= 2 and match.group(2):
                found.problems.setdefault(key, f"{where}金额以万元写出，总表以元为单位，未换算，请核对后填写")
                got.pop(key, None)
                continue
            got[key] = Printed(_value(match.group(1)))
        if got or explicit:
            used.append(index)
            found.tables.add("费")
        for key, printed in got.items():
            found.put(key, printed, where)
    return used
