"""The report's title as it is set: on one line when it fits, else broken where it reads.

The title is 2号 (22 pt) on the 156 mm text line of GB/T 9704-2012 (the default template's
title paragraph has no indent): 442 pt / 22 pt, so 20 full-width characters a line. A longer
title is broken after the agency's name, ``{机关全称}`` / ``{年度}年政府信息公开工作年度报告``,
rather than wherever the line happens to end (信/息, 公/开). A line break typed in the workbook's
自定义报告标题 is kept as typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

TITLE_LINE_EM = 20  # full-width characters on one line of the title

# The part of a title that must stay on one line: 2024年政府信息公开工作年度报告 (16 em).
_TAIL = re.compile(r"\d{4}\s*年度?政府信息公开工作年度报告$")


def char_em(char: str) -> float:
    """The width of one character in em, on the safe side: full-width (CJK, and the ambiguous
    punctuation a Chinese font draws full-width) 1, digits and small letters 0.5 (Times New
    Roman), a space 0.25, capitals and other Latin 0.75."""
    if unicodedata.east_asian_width(char) in ("W", "F", "A"):
        return 1.0
    if char.isdigit() or char.islower():
        return 0.5
    if char.isspace():
        return 0.25
    return 0.75


def text_em(text: str) -> float:
    """The width of ``text`` in em (a full-width character is 1)."""
    return sum(char_em(c) for c in text)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def join_lines(lines: Iterable[str]) -> str:
    """Lines of a title as one line: joined without a space between Chinese characters (a line
    break in Chinese is no word space), with one between Latin words."""
    text = ""
    for line in (part.strip() for part in lines):
        if not line:
            continue
        if text and not (_is_wide(text[-1]) or _is_wide(line[0])):
            text += " "
        text += line
    return text


def title_lines(title: str, line_em: float = TITLE_LINE_EM) -> list[str]:
    """The lines ``title`` is set on: the typed lines when it holds a line break; else the
    title itself when it fits ``line_em``; else the agency's name, then
    ``{年度}年政府信息公开工作年度报告`` (a title without that ending is left to the word
    processor)."""
    typed = [line.strip() for line in title.split("\n") if line.strip()]
    if len(typed) != 1:
        return typed
    (one,) = typed
    if text_em(one) <= line_em:
        return [one]
    tail = _TAIL.search(one)
    if tail is None or not one[: tail.start()].strip():
        return [one]
    return [one[: tail.start()].rstrip(), one[tail.start() :]]
