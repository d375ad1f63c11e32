"""Numbers and dates in the narrative: counts with their unit, Chinese numerals, calendar years,
and the dates that mean the whole report year (截至12月31日, 1—12月).

Pure ``re``; regexes are compiled once at import. Used by :mod:`.sentences`.
"""

from __future__ import annotations

import re

from .fastre import compile_fast

__all__ = [
    "CN_DIGITS", "COUNT", "GAP", "OTHER_UNIT", "YEAR", "chinese_number", "number", "years",
    "without_full_year",
]

CN_DIGITS = "零〇一二两三四五六七八九十百"
_CN_VALUE = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
GAP = r"[ \u3000\u00a0]*"
# A count: a number (Arabic, half or full width, or simple Chinese) followed by 件/宗/起/份.
COUNT = compile_fast(
    r"(?P<num>(?<![0-9０-９.．A-Za-z])(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9０-９]+)(?![.．][0-9０-９])"
    rf"|(?<![第每逐统唯之万千几])[{CN_DIGITS}]+)"
    rf"{GAP}(?P<unit>件(?![次事])|宗|起(?!诉)|份)"
)
# A number with any other unit: the clause counts something else (条、次、个、人次 …).
OTHER_UNIT = compile_fast(
    rf"(?:[0-9０-９]|(?<![第每逐统唯之])[{CN_DIGITS}]){GAP}"
    r"(?:人次|件次|条|次|个|项|篇|家|名|人|批|户|倍|天|日|月|周|小时|万|千|亿|元|[%％‰]|季度)"
)
YEAR = compile_fast(
    r"(?<![0-9０-９])(?P<y>[12１２][0-9０-９]{3}|[一二][〇零一二三四五六七八九]{3})"
    rf"{GAP}年"
)
_CARRY_TO_YEAR = re.compile(r"(?:结转|转入|转至)(?:至|到|入)?$")
# Dates that mean the whole report year: 截至（2024年）12月31日 / 截至年底 / 截至12月底, and the
# ranges 1月至12月 / 1-12月 / 1月1日至12月31日. They are blanked out of a clause (when any year
# they name is the report year), so that 截至 and 月 no longer mark a part of the year.
_YEAR_DIGITS = r"(?:[12１２][0-9０-９]{3}|[一二][〇零一二三四五六七八九]{3})"
_FULL_YEAR_OF = rf"(?:{_YEAR_DIGITS}{GAP}年{GAP}|本年度?|当年度?|今年)"
_NOT_DIGIT_BEFORE = r"(?<![0-9０-９零〇一二两三四五六七八九十百])"
_NOT_DIGIT_AFTER = r"(?![0-9０-９零〇一二两三四五六七八九十])"
_JAN = rf"{_NOT_DIGIT_BEFORE}(?:1|１|一)"
_DEC = rf"{_NOT_DIGIT_BEFORE}(?:12|１２|十二){GAP}月份?"
_DEC_31 = rf"(?:31|３１|三十一){GAP}[日号]"
_FULL_YEAR = compile_fast(
    rf"(?:截至|截止)(?:到|至)?{GAP}"
    rf"(?:{_FULL_YEAR_OF}?{GAP}{_DEC}{GAP}(?:{_DEC_31}|底|末)"
    rf"|(?:{_YEAR_DIGITS}{GAP}年?|本年?|当年?|今年?)?{GAP}年度?[底末])"
    rf"|{_FULL_YEAR_OF}?{_JAN}(?:{GAP}月份?(?:{GAP}{_JAN}{GAP}[日号])?)?"
    rf"{GAP}(?:至|到|[-－—–―~～]+){GAP}{_FULL_YEAR_OF}?{_DEC}(?:{GAP}(?:{_DEC_31}|底|末))?"
    rf"{_NOT_DIGIT_AFTER}"
)

def chinese_number(text: str) -> int | None:
    """A simple Chinese numeral (零 … 九百九十九, 两 for 二) as int, or None if malformed."""
    if len(text) == 1 and text in _CN_VALUE:
        return _CN_VALUE[text]
    rest, total = text, 0
    if "百" in rest:
        head, rest = rest.split("百", 1)
        if len(head) != 1 or _CN_VALUE.get(head, 0) == 0:
            return None
        total = _CN_VALUE[head] * 100
        if rest.startswith(("零", "〇")):
            rest = rest[1:]
            if len(rest) != 1 or _CN_VALUE.get(rest, 0) == 0:
                return None
    if "十" in rest:
        head, rest = rest.split("十", 1)
        if head == "" and total == 0:
            tens = 1
        elif len(head) == 1 and _CN_VALUE.get(head, 0) > 0:
            tens = _CN_VALUE[head]
        else:
            return None
        total += tens * 10
    if rest:
        if len(rest) != 1 or _CN_VALUE.get(rest, 0) == 0 or (rest == "两" and total):
            return None
        total += _CN_VALUE[rest]
    return total if total else None


def number(text: str) -> int | None:
    if text[0] in CN_DIGITS:
        return chinese_number(text)
    return int(text.replace(",", ""))  # int() reads full-width digits as well


def _year_value(text: str) -> int:
    if text[0] in _CN_VALUE:
        return int("".join(str(_CN_VALUE[c]) for c in text))
    return int(text)


def years(clause: str) -> list[int]:
    """Calendar years a clause names (not the year something is carried over to)."""
    found: list[int] = []
    if "年" not in clause:
        return found  # YEAR ends in 年
    for m in YEAR.finditer(clause):
        if not _CARRY_TO_YEAR.search(clause, max(0, m.start() - 3), m.start()):
            found.append(_year_value(m["y"]))
    return found


def without_full_year(clause: str, report_year: int | None) -> str:
    """The clause with dates that mean the whole report year blanked out (same length)."""
    if "截" not in clause and "月" not in clause:
        return clause
    for m in _FULL_YEAR.finditer(clause):
        named = years(m.group())
        if named and (report_year is None or any(y != report_year for y in named)):
            continue  # another year, or a year that cannot be checked: the date stays
        clause = clause[: m.start()] + " " * (m.end() - m.start()) + clause[m.end() :]
    return clause

