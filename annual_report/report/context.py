"""One agency's figures and texts -> the template context (derived from the format model).

Every field key becomes a nested value (``apps.new.total`` -> ``ctx["apps"]["new"]["total"]``).
Counts stay ``int``; money is a formatted string (``12.5``); narrative cells become a
:class:`Paragraphs` list (one :class:`Paragraph` per line, which also knows its run-in heading);
blank optional titles and headings fall back to the official ones. ``title`` is the title on one
line (the document's title property), ``title_display`` the same broken where it reads when it
does not fit one line (:mod:`.title`). ``summary`` holds sentences computed from the figures,
``other_matters`` the paragraphs of section 六 with the fee statement merged in
(:mod:`.other_matters`), ``subheading`` the labels of section 五's two parts, ``extra`` the
workbook's unknown columns (also at the top level when their header is a free identifier).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from ..format.model import FIELDS, SECTIONS, Field, Kind, default_title
from ..workbook.rows import AgencyRow
from ..workbook.store import INDEX, RowValues
from ..workbook.values import clean_line, clean_text, format_money, is_blank, paragraphs
from .other_matters import other_matters
from .paragraphs import HEAD_MAX, HEAD_MAX_PLAIN, Paragraph, Paragraphs, split_head
from .title import join_lines, title_lines

__all__ = [
    "HEAD_MAX",
    "HEAD_MAX_PLAIN",
    "Money",
    "Paragraph",
    "Paragraphs",
    "build_context",
    "sample_context",
    "split_head",
    "subheading",
    "trial_context",
]

# Section 五's two parts, labelled unless the text brings its own label.
SUBHEADINGS = {
    "problems": "（一）存在的主要问题",
    "improvements": "（二）改进情况",
}
OWN_LABELS = {
    "problems": ("存在", "主要问题", "问题", "不足", "（一）", "(一)", "一、"),
    "improvements": ("改进", "下一步", "整改", "今后", "（二）", "(二)", "二、"),
}


def subheading(part: str, text: Sequence[str]) -> str:
    """The label printed before section 五's ``part`` (``problems`` or ``improvements``):
    ``""`` when the text is empty or already starts with a label of its own."""
    if not text or text[0].startswith(OWN_LABELS[part]):
        return ""
    return SUBHEADINGS[part]


def format_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


Tree = dict[str, "Field | Tree"]


def _make_tree() -> Tree:
    """The nesting of the field keys, computed once: ``{"apps": {"new": {"total": Field}}}``."""
    tree: Tree = {}
    for f in FIELDS:
        *parents, leaf = f.path
        node = tree
        for part in parents:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[leaf] = f
    return tree


_TREE = _make_tree()
# Kinds whose parsed value goes into the context as it is.
_AS_IS = frozenset(k for k in Kind if k not in (Kind.TEXT, Kind.MONEY_WAN, Kind.MONEY_YUAN,
                                                Kind.EMAIL, Kind.DATE))
_PLAIN = (int, str)


def _make_filler(tree: Tree) -> Callable[[list[Any], AgencyRow], dict[str, Any]]:
    """A function making the context's nested values from a row's value store (``cells``), as
    one nested dict display derived from the model (generated once, as :mod:`dataclasses` makes
    its ``__init__``): each field taken from its position and given as it is where :func:`_value`
    would (a count, year, name or line; most are counts), the others (a text the read keeps in
    a file, see workbook/spill.py, no value, money, dates) made by :func:`_value`. A loop over
    the fields took as long as the rest of the context."""
    kinds = tuple(f.kind for f in FIELDS)  # by position, as INDEX numbers the fields

    def display(node: Tree | Field) -> str:
        if isinstance(node, Field):
            index = INDEX[node.key]
            general = f"value(row, {node.key!r}, kinds[{index}])"
            if node.kind not in _AS_IS:
                return general
            return f"(v if type(v := cells[{index}]) in plain else {general})"
        return "{" + ", ".join(f"{name!r}: {display(child)}" for name, child in node.items()) + "}"

    source = (f"def fill(cells, row, value=value, plain=plain, kinds=kinds):\n"
              f"    return {display(tree)}\n")
    namespace: dict[str, Any] = {"value": _value, "plain": _PLAIN, "kinds": kinds}
    exec(compile(source, f"<{__name__} fill>", "exec"), namespace)  # noqa: S102 (our own text)
    filler: Callable[[list[Any], AgencyRow], dict[str, Any]] = namespace["fill"]
    return filler


def _value(row: AgencyRow, key: str, kind: Kind) -> Any:
    value = row.values.get(key)
    if value is None:  # invalid or blank: show what the cell says (only with --allow-invalid)
        raw = row.raw.get(key)
        if kind is Kind.TEXT:
            return Paragraphs(paragraphs(clean_text(raw))) if not is_blank(raw) else Paragraphs()
        return "" if is_blank(raw) else clean_line(raw)
    if kind is Kind.TEXT:
        return Paragraphs(paragraphs(value))
    if kind in (Kind.MONEY_WAN, Kind.MONEY_YUAN):
        return Money(value)
    if kind is Kind.EMAIL:
        return "；".join(value)
    if kind is Kind.DATE:
        return format_date(value)
    return value


_FILL = _make_filler(_TREE)


def _num(row: AgencyRow, key: str) -> int | Decimal:
    value = row.figure(key)
    return value if value is not None else 0


def applications_sentence(row: AgencyRow, year: Any) -> str:
    new, carried_in = _num(row, "apps.new.total"), _num(row, "apps.carried_in.total")
    done, carried_over = _num(row, "apps.results_total.total"), _num(row, "apps.carried_over.total")
    if not (new or carried_in or done or carried_over):
        return f"{year}年度，本机关未收到政府信息公开申请。"
    granted, partial = _num(row, "apps.granted.total"), _num(row, "apps.partial.total")
    return (
        f"{year}年度，本机关新收政府信息公开申请{new}件，上年结转{carried_in}件；"
        f"本年度办理完毕{done}件，其中予以公开{granted}件、部分公开{partial}件；"
        f"结转下年度继续办理{carried_over}件。"
    )


def appeals_sentence(row: AgencyRow, year: Any) -> str:
    review = _num(row, "review.total")
    suits = _num(row, "suit_direct.total") + _num(row, "suit_after_review.total")
    if not (review or suits):
        return f"{year}年度，本机关未发生因政府信息公开引起的行政复议、行政诉讼案件。"
    return f"{year}年度，本机关发生政府信息公开行政复议案件{review}件、行政诉讼案件{suits}件。"


def processing_fee_sentence(row: AgencyRow, year: Any) -> str:
    notices = _num(row, "processing_fee.notices")
    amount = _num(row, "processing_fee.notice_amount")
    collected = _num(row, "processing_fee.collected")
    if not (notices or amount or collected):
        return f"{year}年度本机关未收取信息处理费，发出收费通知的件数和总金额，以及实际收取的总金额均为0。"
    return (
        f"{year}年度本机关发出信息处理费收费通知{notices}件，总金额{format_money(amount)}元，"
        f"实际收取信息处理费{format_money(collected)}元。"
    )


def build_context(row: AgencyRow) -> dict[str, Any]:
    """The template context of one agency."""
    values = row.values  # any other mapping (a row made by hand) is put in a store first
    ctx = _FILL((values if type(values) is RowValues else RowValues(values)).cells, row)
    year = ctx["year"]
    title = ctx["title"] or default_title(ctx["agency"], year)  # may hold a typed line break
    ctx["title"] = join_lines(title.split("\n"))
    ctx["title_display"] = "\n".join(title_lines(title))
    for section in SECTIONS:
        if not ctx["heading"][section.id]:
            ctx["heading"][section.id] = section.heading
    ctx["summary"] = {
        "applications": applications_sentence(row, year),
        "appeals": appeals_sentence(row, year),
        "processing_fee": processing_fee_sentence(row, year),
    }
    ctx["other_matters"] = Paragraphs(
        other_matters(ctx["text"]["other"], ctx["summary"]["processing_fee"]))
    ctx["subheading"] = {part: subheading(part, ctx["text"][part]) for part in SUBHEADINGS}
    extra = {name: clean_line(value) for name, value in row.extras.items()}
    ctx["extra"] = extra
    for name, value in extra.items():
        if name.isidentifier() and name not in ctx:
            ctx[name] = value
    return ctx


class Money(Decimal):
    """An amount: a Decimal for comparisons and arithmetic in a template, printed as the report
    writes it (``12.5``, ``0``; no exponent, no trailing zeros)."""

    def __str__(self) -> str:
        return format_money(self)


def sample_context() -> dict[str, Any]:
    """A context with every model variable present (for template checks and the docs)."""
    row = AgencyRow("总表", 5, "示例机关", {}, {}, {}, {})
    row.values.update({"agency": "示例机关", "year": 2024})
    return build_context(row)


def trial_context() -> dict[str, Any]:
    """A context typed as a real report's (figures 0, money as :class:`Money`, one paragraph a
    text), for the trial render that checks a template before a batch."""
    row = AgencyRow("总表", 5, "示例机关", {}, {}, {}, {})
    row.values.update({"agency": "示例机关", "year": 2024, "report_date": dt.date(2025, 1, 20),
                       "email": ["office@example.cn"]})
    for f in FIELDS:
        if f.kind is Kind.COUNT:
            row.values[f.key] = 0
        elif f.kind.is_figure:
            row.values[f.key] = Decimal(0)
        elif f.kind is Kind.TEXT:
            row.values[f.key] = "示例段落。"
    return build_context(row)
