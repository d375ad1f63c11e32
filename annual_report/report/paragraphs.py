"""A narrative as the template sees it: paragraphs that know their run-in heading.

A narrative cell becomes a :class:`Paragraphs` list, one :class:`Paragraph` per line; each splits
into ``head`` (「（一）主动公开情况。」 or 「1.主动公开情况。」), ``body`` and ``level``
(:func:`split_head`), so a template can set the heading in its own run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import SupportsIndex

# A run-in heading (GB/T 9704): 「（一）主动公开情况。」 (second level, 楷体) or 「1.主动公开情况。」
# (third level, 仿宋 bold) at the start of a paragraph, the text following in the same paragraph.
HEAD_MAX = 20  # characters, number and closing punctuation included
HEAD_MAX_PLAIN = 30  # a longer first sentence still counts when it has no comma (a heading's shape)
_HEAD_NUMBER = re.compile(
    r"(?P<cn>[（(][一二三四五六七八九十]{1,3}[）)])|(?P<arabic>[0-9]{1,2}\s*[.．、](?![0-9]))"
)
_HEAD_END = re.compile(r"[。：:]")
_CLAUSE_BREAK = re.compile(r"[，,；;、]")


def split_head(text: str) -> tuple[str, str, str]:
    """``(head, body, level)`` of a paragraph: its run-in heading, the rest, and the heading's
    level (``"一"`` for （一）, ``"1"`` for 1., ``""`` without a heading).

    A heading is a numbered first sentence of at most :data:`HEAD_MAX` characters ending in 。
    or ：, or up to :data:`HEAD_MAX_PLAIN` without a comma (「（一）人大代表建议和政协委员提案办理
    结果公开情况。」), or a whole paragraph of at most :data:`HEAD_MAX` without a 。
    (「（一）存在的主要问题」).
    """
    number = _HEAD_NUMBER.match(text)
    if number is None:
        return "", text, ""
    level = "一" if number.group("cn") else "1"
    end = _HEAD_END.search(text, number.end())
    if end is not None and end.start() > number.end() and (
        end.end() <= HEAD_MAX
        or (end.end() <= HEAD_MAX_PLAIN and not _CLAUSE_BREAK.search(text, 0, end.start()))
    ):
        return text[: end.end()], text[end.end() :], level
    if len(text) <= HEAD_MAX and "。" not in text and len(text) > number.end():
        return text, "", level
    return "", text, ""


_new_str = str.__new__


class Paragraph(str):
    """One paragraph of a narrative: the text itself (``{{ para }}``), plus ``head`` (its run-in
    heading or ``""``), ``body`` (the rest) and ``level`` (``"一"``, ``"1"`` or ``""``)."""

    head: str
    body: str
    level: str

    def __new__(cls, text: object = "") -> Paragraph:
        self = _new_str(cls, text)
        head, body, level = split_head(text if type(text) is str else str.__str__(self))
        # one dict made whole: a report makes ~40 of these, three attribute stores took twice
        # as long as the rest of making one
        self.__dict__ = {"head": head, "body": body, "level": level}
        return self


class Paragraphs(list[Paragraph]):
    """A narrative: iterate it for paragraphs; printed whole it is the paragraphs joined.

    Every item is a :class:`Paragraph` (plain strings are converted as they are added).
    """

    def __init__(self, items: Iterable[str] = ()) -> None:
        super().__init__(Paragraph(item) for item in items)

    def append(self, item: str) -> None:
        super().append(Paragraph(item))

    def insert(self, index: SupportsIndex, item: str) -> None:
        super().insert(index, Paragraph(item))

    def extend(self, items: Iterable[str]) -> None:
        super().extend(Paragraph(item) for item in items)

    def __str__(self) -> str:
        return "\n".join(self)
