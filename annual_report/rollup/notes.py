"""The notes the roll-up leaves in an aggregate's row for the office.

The aggregate's narrative is the office's to write; the figures it should quote (the ones R7
checks the text against) are put in a note on each of the row's narrative cells, with a sentence
that can be used as it stands.
"""

from __future__ import annotations

from collections.abc import Callable

from ..checks.aggregate import IN_FORCE_KEYS, Number
from ..format.model import FIELD_BY_KEY
from ..workbook.values import format_money
from .summary import RESULT_KINDS, result_keys

NOTE_AUTHOR = "rollup 汇总"
NARRATIVE_KEYS = ("text.overview", "text.proactive", "text.applications", "text.appeals")


def _show(value: Number | None) -> str:
    return "（空）" if value is None else format_money(value)


def figures_note(year: int | None, children: list[str],
                 value: Callable[[str], Number | None]) -> str:
    """The figures an aggregate's narrative should quote, and a sentence using them."""

    def total(*keys: str) -> Number | None:
        parts = [value(k) for k in keys]
        if any(p is None for p in parts):
            return None
        found: Number = 0
        for part in parts:
            assert part is not None
            found += part
        return found

    kinds = {"granted": total("apps.granted.total"), "partial": total("apps.partial.total"),
             **{k: total(*result_keys(k)) for k in RESULT_KINDS[2:]}}
    names = {"granted": "予以公开", "partial": "部分公开", "denied": "不予公开", "unavailable": "无法提供",
             "rejected": "不予处理", "other": "其他处理"}
    new, carried_in = _show(value("apps.new.total")), _show(value("apps.carried_in.total"))
    done, carried_over = _show(value("apps.results_total.total")), _show(value("apps.carried_over.total"))
    review = _show(value("review.total"))
    suits = _show(total("suit_direct.total", "suit_after_review.total"))
    lines = [
        "【按下级之和汇总的数字：正文写到件数时请与之一致（check 的 R7 会核对）】",
        f"表三：本年新收政府信息公开申请 {new} 件，上年结转 {carried_in} 件；本年度办理完毕 {done} 件（"
        + "、".join(f"{names[k]} {_show(kinds[k])} 件" for k in RESULT_KINDS)
        + f"）；结转下年度继续办理 {carried_over} 件。",
        f"表四：行政复议 {review} 件（结果纠正 {_show(value('review.corrected'))} 件），行政诉讼 "
        f"{suits} 件（结果纠正 {_show(total('suit_direct.corrected', 'suit_after_review.corrected'))} 件）。",
        f"表二：制发规范性文件 {_show(value('normative.issued'))} 件、废止 "
        f"{_show(value('normative.repealed'))} 件；制发规章 {_show(value('rules.issued'))} 件、废止 "
        f"{_show(value('rules.repealed'))} 件；行政许可 {_show(value('licensing.decisions'))} 件，"
        f"行政处罚 {_show(value('penalty.decisions'))} 件，行政强制 "
        f"{_show(value('enforcement.decisions'))} 件；行政事业性收费 {_show(value('fees.amount'))} 万元。",
        f"信息处理费：发出收费通知 {_show(value('processing_fee.notices'))} 件，总金额 "
        f"{_show(value('processing_fee.notice_amount'))} 元，实际收取 "
        f"{_show(value('processing_fee.collected'))} 元。",
        "可直接使用的句子：" + (f"{year}年，" if year else "")
        + f"共新收政府信息公开申请{new}件，办结{done}件，结转下年度继续办理{carried_over}件；"
        f"发生政府信息公开行政复议{review}件、行政诉讼{suits}件。",
        f"汇总的下级机关（{len(children)} 个）：" + "、".join(children[:20])
        + ("等。" if len(children) > 20 else "。"),
    ]
    return "\n".join(lines)


def in_force_note(key: str, children_sum: Number | None) -> str:
    """The note on an aggregate's blank 现行有效 cell (not summed unless --sum-in-force)."""
    assert key in IN_FORCE_KEYS
    what = FIELD_BY_KEY[key].label
    total = f"（下级之和为 {_show(children_sum)}）" if children_sum is not None else ""
    return (f"{what}：现行有效的规章、规范性文件是本级自己的，不是下级之和，所以没有自动填写。"
            "请填写本级现行有效的件数；确实要按下级之和填写时，运行 rollup 时加 --sum-in-force"
            f"{total}。")


def filled_note(count: int, children: list[str]) -> str:
    """The note on an aggregate's name cell saying what the roll-up filled."""
    return (f"本行是汇总行：rollup 按下级 {len(children)} 个机关之和填写了 {count} 个空白的数字"
            "（浅绿色单元格）；原来已填的数字没有改动。正文请本单位撰写，要引用的数字见正文单元格的批注。")
