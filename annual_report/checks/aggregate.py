"""Aggregate rows: the 汇总到 hierarchy and the rules A1–A3 that check it.

A row whose 汇总到 (``parent``) names another row is that row's child; a row others name is an
aggregate (a whole district, a township over its offices), and levels may nest. For every
aggregate, each figure it holds must equal the sum of its children's (A1, an error at the
aggregate's cell). A child that has errors or lacks figures makes the aggregate's check a warning
naming it (A2); a 汇总到 that names no row, the row itself, or closes a cycle is an error at that
汇总到 cell (A3). An aggregate's blank cells are one R5 error that points to ``rollup``.

现行有效 of 规章 / 规范性文件 are the aggregate's own (a district's rules are not the sum of its
departments'): they are summed only with ``sum_in_force`` (``--sum-in-force``).

The check runs over the whole workbook after the per-row rules, since it needs every row and
their findings. :mod:`annual_report.rollup` uses the same hierarchy and sums to fill aggregates.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ..findings import Finding
from ..format.model import FIELD_BY_KEY, FIGURE_FIELDS
from ..workbook.rows import AgencyRow
from ..workbook.values import format_money, is_blank

Number = int | Decimal
PARENT = "parent"
IN_FORCE_KEYS: tuple[str, ...] = ("rules.in_force", "normative.in_force")
MAX_NAMED = 8  # children named in one message before "等 N 个"


def summed_keys(sum_in_force: bool = False) -> tuple[str, ...]:
    """The figure keys an aggregate holds as the sum of its children's."""
    return tuple(f.key for f in FIGURE_FIELDS if sum_in_force or f.key not in IN_FORCE_KEYS)


@dataclass
class Hierarchy:
    """The 汇总到 tree of a workbook: usable edges only (A3 problems are left out)."""

    by_name: dict[str, AgencyRow]  # 机关全称 -> its (first) row
    children: dict[int, list[AgencyRow]]  # sheet row of an aggregate -> its child rows, in order
    parent: dict[int, AgencyRow]  # sheet row of a child -> its aggregate's row
    findings: list[Finding] = field(default_factory=list)  # A3

    def is_aggregate(self, row: AgencyRow) -> bool:
        return row.row in self.children

    def kids(self, row: AgencyRow) -> list[AgencyRow]:
        return self.children.get(row.row, [])

    def aggregates_bottom_up(self) -> list[AgencyRow]:
        """Every aggregate after all aggregates below it (so sums can be taken level by level)."""
        order: list[AgencyRow] = []
        seen: set[int] = set()

        def visit(row: AgencyRow) -> None:
            seen.add(row.row)
            for child in self.kids(row):
                if child.row not in seen and self.is_aggregate(child):
                    visit(child)
            order.append(row)

        for row in self.by_name.values():
            if self.is_aggregate(row) and row.row not in seen and row.row not in self.parent:
                visit(row)
        return order

    def roots(self) -> list[AgencyRow]:
        """Top-level aggregates, in sheet order."""
        return [r for r in self.by_name.values() if self.is_aggregate(r) and r.row not in self.parent]

    def descendants(self, row: AgencyRow) -> int:
        return sum(1 + self.descendants(c) for c in self.kids(row))


def tree_rows(rows: Iterable[AgencyRow]) -> list[AgencyRow]:
    """The rows the 汇总到 tree is made of (those that name a row to sum into, and those named):
    the only rows whose figures the aggregates' checks read."""
    rows = list(rows)
    named = {r.values.get(PARENT) for r in rows if r.values.get(PARENT)}
    return [r for r in rows if r.values.get(PARENT) or r.agency in named]


def read_hierarchy(rows: Iterable[AgencyRow]) -> Hierarchy:
    """The tree the 汇总到 cells describe, with an A3 error for every cell that cannot be used."""
    rows = list(rows)
    by_name: dict[str, AgencyRow] = {}
    for row in rows:
        if "agency" in row.values:
            by_name.setdefault(row.agency, row)
    hierarchy = Hierarchy(by_name, {}, {})
    wanted: dict[int, AgencyRow] = {}
    for row in rows:
        target = row.values.get(PARENT)
        if not isinstance(target, str) or not target:
            continue
        if target == row.agency:
            hierarchy.findings.append(row.finding(
                PARENT, "A3",
                f"「汇总到」填的是本行自己的机关全称「{target}」：一行不能汇总到自己。"
                "请填上一级汇总行的机关全称；本行不计入任何汇总时留空。"))
        elif target not in by_name:
            near = difflib.get_close_matches(target, list(by_name), n=2, cutoff=0.6)
            hint = f"总表中相近的有「{'」「'.join(near)}」；" if near else ""
            hierarchy.findings.append(row.finding(
                PARENT, "A3",
                f"「汇总到」填的「{target}」在总表中找不到（须与汇总行的“机关全称”一字不差）。"
                f"{hint}请改正，或不计入汇总时留空。"))
        else:
            wanted[row.row] = by_name[target]
    by_number = {r.row: r for r in rows}
    on_cycle = _cycles(wanted, by_number)
    for number, path in on_cycle.items():
        row = by_number[number]
        loop = " → ".join(f"「{r.agency}」（第 {r.row} 行）" for r in path)
        hierarchy.findings.append(row.finding(
            PARENT, "A3",
            f"「汇总到」形成了循环：{loop}。汇总关系只能从下级指向上级、不能绕回来；"
            "请改正这几行中应为最上一级的那一行的“汇总到”（最上一级留空）。"))
    for number, parent in wanted.items():
        if number in on_cycle:
            continue
        child = by_number[number]
        hierarchy.parent[number] = parent
        hierarchy.children.setdefault(parent.row, []).append(child)
    return hierarchy


def _cycles(wanted: Mapping[int, AgencyRow], rows: Mapping[int, AgencyRow]) -> dict[int, list[AgencyRow]]:
    """Rows on a 汇总到 cycle -> the cycle, starting and ending at that row."""
    found: dict[int, list[AgencyRow]] = {}
    for start in wanted:
        path = [start]
        current = start
        while current in wanted and wanted[current].row not in path:
            current = wanted[current].row
            path.append(current)
        if current in wanted and wanted[current].row == start:
            found[start] = [rows[n] for n in (*path, start)]
    return found


def _label(key: str) -> str:
    f = FIELD_BY_KEY[key]
    where = f"表{f.table}" if f.table else "信息处理费"
    return f"{where}「{f.label}」"


def _show(value: Number) -> str:
    return format_money(value) if isinstance(value, Decimal) else str(value)


def _names(rows: list[AgencyRow], what: Mapping[int, str] | None = None) -> str:
    shown = [f"{r.agency}（第 {r.row} 行{'：' + what[r.row] if what else ''}）"
             for r in rows[:MAX_NAMED]]
    more = f"等 {len(rows)} 个" if len(rows) > MAX_NAMED else ""
    return "、".join(shown) + more


def child_sum(children: list[AgencyRow], key: str) -> Number | None:
    """The sum of the children's figures for ``key``, or None when one of them has none."""
    total: Number = 0
    for child in children:
        value = child.figure(key)
        if value is None:
            return None
        total += value
    return total


def _parts(children: list[AgencyRow], key: str) -> str:
    listed = [f"{c.agency} {_show(c.figure(key) or 0)}" for c in children[:MAX_NAMED]]
    more = f" 等 {len(children)} 个机关" if len(children) > MAX_NAMED else ""
    return "、".join(listed) + more


def _a1(row: AgencyRow, key: str, filled: Number, total: Number, children: list[AgencyRow],
        warning: bool) -> Finding:
    gap = Decimal(filled) - Decimal(total)
    relation = f"比下级之和{'多' if gap > 0 else '少'} {_show(abs(gap))}"
    return row.finding(
        key, "A2" if warning else "A1",
        f"汇总行{_label(key)}填的是 {_show(filled)}，下级 {len(children)} 个机关之和为 "
        f"{_show(total)}，{relation}（{_parts(children, key)}）。请核对汇总行或下级机关的这一项；"
        "要按下级之和填写时，清空此格后运行 rollup。", warning=warning)


def with_aggregate_findings(rows: list[AgencyRow], findings: Iterable[Finding],
                           sum_in_force: bool = False) -> list[Finding]:
    """The findings of the per-row checks, with the aggregates' own: an aggregate's blank figure
    cells become one R5 error pointing to ``rollup`` (not one "fill in 0" per cell: a blank of an
    aggregate is never 0, even under --blank-as-zero), then A1–A3."""
    hierarchy = read_hierarchy(rows)
    keys = summed_keys(sum_in_force)
    findings = list(findings)
    blanks: dict[int, set[str]] = {}
    for aggregate in hierarchy.aggregates_bottom_up():
        blank = blank_figures(aggregate)
        if blank:
            blanks[aggregate.row] = blank
    if not blanks:
        return findings + check_aggregates(rows, findings, sum_in_force, hierarchy)
    kept = [f for f in findings if not (f.rule == "R5" and f.field in blanks.get(f.row, ()))]
    for aggregate in hierarchy.aggregates_bottom_up():
        if aggregate.row in blanks:
            kept.extend(_blank_errors(aggregate, hierarchy.kids(aggregate), blanks[aggregate.row],
                                      keys))
    return kept + check_aggregates(rows, kept, sum_in_force, hierarchy, blanks)


_FIGURE_KEYS = tuple(f.key for f in FIGURE_FIELDS)


def blank_figures(row: AgencyRow) -> set[str]:
    """The figure cells of a row that are blank (also those read as 0 under --blank-as-zero,
    which the reader marks with an R5 warning)."""
    blank = {k for k in _FIGURE_KEYS if k in row.columns and k not in row.values
             and is_blank(row.raw.get(k, ""))}
    blank.update(f.field for f in row.findings if f.rule == "R5" and not f.is_error
                 and f.field in _FIGURE_KEYS and row.values.get(f.field) == 0)
    return blank


def _blank_errors(aggregate: AgencyRow, children: list[AgencyRow], blank: set[str],
                  keys: tuple[str, ...]) -> Iterable[Finding]:
    summed = [k for k in keys if k in blank]
    if summed:
        first = min(summed, key=lambda k: aggregate.columns.get(k, 0))
        yield aggregate.finding(
            first, "R5",
            f"这是汇总行（下级 {len(children)} 个机关：{_names(children)}），有 {len(summed)} 项数字为空。"
            "汇总行的数字应为下级之和：运行 python3 generate.py rollup 总表.xlsx --into 总表-汇总.xlsx "
            "可按下级之和自动填写（已填的数字不会改动），再用副本校验、生成报告；也可以手工填写。")
    for key in IN_FORCE_KEYS:
        if key in blank and key not in keys:
            yield aggregate.finding(
                key, "R5",
                f"{FIELD_BY_KEY[key].label}：汇总行的现行有效件数是本级自己的，不按下级相加，请直接填写"
                "（确要按下级之和计算时，check 和 rollup 加 --sum-in-force）。")


def check_aggregates(rows: list[AgencyRow], findings: Iterable[Finding],
                     sum_in_force: bool = False, hierarchy: Hierarchy | None = None,
                     blanks: Mapping[int, set[str]] | None = None) -> list[Finding]:
    """A1–A3 over a workbook, given the findings of the per-row checks (to know which children
    have errors) and the aggregates' blank cells (not compared). Aggregates are checked from the
    lowest level up, so an aggregate with an A1 error counts as a child with errors one level
    higher."""
    hierarchy = hierarchy or read_hierarchy(rows)
    blanks = blanks or {}
    found = list(hierarchy.findings)
    errors: dict[int, int] = defaultdict(int)
    for finding in (*findings, *found):
        if finding.is_error and finding.field in _FIGURE_KEYS:  # a text at odds: figures usable
            errors[finding.row] += 1
    keys = summed_keys(sum_in_force)
    for aggregate in hierarchy.aggregates_bottom_up():
        new = list(_check_one(aggregate, hierarchy.kids(aggregate), keys, errors,
                              blanks.get(aggregate.row, set())))
        for finding in new:
            if finding.is_error and finding.field in _FIGURE_KEYS:
                errors[aggregate.row] += 1
        found.extend(new)
    return found


def _check_one(aggregate: AgencyRow, children: list[AgencyRow], keys: tuple[str, ...],
               errors: Mapping[int, int], blank: set[str]) -> Iterable[Finding]:
    problems: dict[int, str] = {}
    for child in children:
        missing = sum(child.figure(k) is None for k in keys)
        parts = [f"有 {errors[child.row]} 个错误"] if errors.get(child.row) else []
        if missing:
            parts.append(f"{missing} 项数字为空或无效")
        if parts:
            problems[child.row] = "，".join(parts)
    differing: list[Finding] = []
    compared = 0
    for key in keys:
        filled = aggregate.figure(key)
        if filled is None or key in blank:  # blank: R5 says so (a 0 under --blank-as-zero too)
            continue
        compared += 1
        total = child_sum(children, key)
        if total is not None and total != filled:
            differing.append(_a1(aggregate, key, filled, total, children, warning=bool(problems)))
    if not problems:
        yield from differing
    elif compared:  # nothing filled, nothing to check: the R5 error on the blanks says it all
        bad = [c for c in children if c.row in problems]
        tail = (f"已核对的各项中有 {len(differing)} 项与下级之和不一致（如 {differing[0].cell}），"
                "下级改正后可能还会变化" if differing else "已核对的各项与下级之和一致")
        yield aggregate.finding(
            "agency", "A2",
            f"汇总行的下级机关{_names(bad, problems)}的数字还不能用，所以本行只能部分核对，"
            f"结果按提醒给出：{tail}。请先改正这些下级机关的行，再核对本行。", warning=True)
        yield from differing[:3]
