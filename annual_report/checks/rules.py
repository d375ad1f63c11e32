"""The arithmetic consistency rules of the format (R1–R4, R6), the figure warnings (W1, W2) and
an empty 联系邮箱 (EMAIL).

Each rule is a small function that yields findings for one agency's row. A rule is skipped where
one of its figures is invalid (R5 already reports that cell), so one bad cell is reported once.
The narrative rules (R7, W3, W4) live in :mod:`annual_report.checks.narrative`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from ..findings import Finding
from ..format.model import (
    APP_COLUMNS,
    APP_ROW_BY_KEY,
    APP_ROWS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    APPLICANT_COLUMNS,
    RESULT_ROWS,
    app_key,
    appeal_key,
)
from ..workbook.rows import AgencyRow
from ..workbook.store import INDEX, RowValues
from ..workbook.values import format_money

Number = int | Decimal


class _Keys(tuple[str, ...]):
    """Field keys with their positions in a row's value store, computed once."""

    indices: tuple[int, ...]
    pick: Callable[[list[Any]], tuple[Any, ...]]  # the values at those positions, at C speed


def _keys(keys: Sequence[str]) -> _Keys:
    found = _Keys(keys)
    assert len(found) > 2  # itemgetter of one index gives the value, not a tuple
    found.indices = tuple(INDEX[k] for k in found)
    found.pick = operator.itemgetter(*found.indices)
    return found


_NUMBER_TYPES = frozenset({int, Decimal})


def _figures(row: AgencyRow, keys: _Keys) -> Sequence[Number] | None:
    """The figures of ``keys``, or None when one of them is not a valid figure."""
    values = row.values
    found: Sequence[Any] = (keys.pick(values.cells) if type(values) is RowValues
                            else [values.get(k) for k in keys])
    if _NUMBER_TYPES.issuperset(map(type, found)):
        return found  # the usual case, told at C speed
    for value in found:  # a Decimal subclass is a figure too
        if type(value) is not int and not isinstance(value, Decimal):
            return None
    return found


# Key lists are computed once, not per row.
_R1_KEYS = [(r.key, _keys([app_key(r.key, c) for c in (*APPLICANT_COLUMNS, "total")]))
            for r in APP_ROWS]
_R2_KEYS = [(col, label, _keys([app_key(r, col) for r in ("new", "carried_in", "results_total",
                                                          "carried_over")]))
            for col, label in APP_COLUMNS]
_R3_KEYS = [(col, label, _keys([app_key(r, col) for r in (*RESULT_ROWS, "results_total")]))
            for col, label in APP_COLUMNS]
_R4_KEYS = [(prefix, top, second, _keys([appeal_key(prefix, p) for p, _ in APPEAL_PARTS]))
            for prefix, top, second in APPEAL_GROUPS]
_R6_KEYS = _keys(["processing_fee.notices", "processing_fee.notice_amount",
                  "processing_fee.collected"])


# The same sums for a whole row at once (see _quiet): R1, R3 and R4 ask that all but the last
# figure add up to the last, R2 that the first two add up to the other two.
_PART_SUMS = [(operator.itemgetter(*keys.indices[:-1]), keys.indices[-1]) for keys in (
    *(k for _r, k in _R1_KEYS), *(k for _c, _l, k in _R3_KEYS), *(k for *_g, k in _R4_KEYS))]
_R2_SUMS = [keys.indices for _c, _l, keys in _R2_KEYS]
_UNPAID = INDEX["apps.other.unpaid_fee.total"]
_ALL = operator.itemgetter(*sorted({_UNPAID, *_R6_KEYS.indices, *(
    i for group in (_R1_KEYS, _R2_KEYS, _R3_KEYS, _R4_KEYS) for *_g, k in group for i in k.indices)}))


def _quiet(row: AgencyRow) -> bool:
    """True only when R1–R4, R6 and W2 have nothing to say of the row: every figure they read
    is valid and every sum holds. Told in one pass; the rules run whenever it is False."""
    values = row.values
    if type(values) is not RowValues:
        return False
    cells = values.cells
    if not _NUMBER_TYPES.issuperset(map(type, _ALL(cells))):
        return False
    for parts, total in _PART_SUMS:
        if sum(parts(cells)) != cells[total]:
            return False
    for new, carried_in, results, carried_over in _R2_SUMS:
        if cells[new] + cells[carried_in] != cells[results] + cells[carried_over]:
            return False
    notices, amount, collected = _R6_KEYS.pick(cells)
    return not (collected > amount or (amount > 0 and notices == 0)
                or (cells[_UNPAID] and notices == 0))


def _diff(a: Number, b: Number) -> str:
    return f"相差 {format_money(Decimal(a) - Decimal(b)).lstrip('-')}"


def _row_label(row_key: str) -> str:
    app_row = APP_ROW_BY_KEY[row_key]
    return " ".join(x for x in (app_row.subgroup, app_row.label) if x)


def rule_r1(row: AgencyRow) -> Iterator[Finding]:
    """R1: in every table-三 row the six applicant columns sum to 总计."""
    for row_key, keys in _R1_KEYS:
        figures = _figures(row, keys)
        if figures is None:
            continue
        *parts, total = figures
        if sum(parts) != total:
            yield row.finding(
                app_key(row_key, "total"), "R1",
                f"表三「{_row_label(row_key)}」：六类申请人之和为 {sum(parts)}，总计填的是 "
                f"{total}，{_diff(sum(parts), total)}。请核对这一行各列或总计。")


def rule_r2(row: AgencyRow) -> Iterator[Finding]:
    """R2: in every table-三 column, 新收 + 上年结转 = 办理结果总计 + 结转下年."""
    for col, label, keys in _R2_KEYS:
        figures = _figures(row, keys)
        if figures is None:
            continue
        new, carried_in, results, carried_over = figures
        if new + carried_in != results + carried_over:
            yield row.finding(
                app_key("carried_over", col), "R2",
                f"表三「{label}」列：新收+上年结转={new + carried_in}，办理结果总计+结转下年="
                f"{results + carried_over}，{_diff(new + carried_in, results + carried_over)}。"
                "请核对这一列的新收、上年结转、（七）总计和结转下年度继续办理。")


def rule_r3(row: AgencyRow) -> Iterator[Finding]:
    """R3: in every table-三 column, （七）总计 = the sum of the result rows （一）…（六）."""
    for col, label, keys in _R3_KEYS:
        figures = _figures(row, keys)
        if figures is None:
            continue
        *parts, total = figures
        if sum(parts) != total:
            yield row.finding(
                app_key("results_total", col), "R3",
                f"表三「{label}」列：（一）至（六）各项办理结果之和为 {sum(parts)}，（七）总计填的是 "
                f"{total}，{_diff(sum(parts), total)}。请核对这一列的办理结果或总计。")


def rule_r4(row: AgencyRow) -> Iterator[Finding]:
    """R4: in table 四, 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计 for each group."""
    for prefix, top, second, keys in _R4_KEYS:
        figures = _figures(row, keys)
        if figures is None:
            continue
        *parts, total = figures
        if sum(parts) != total:
            name = f"{top}（{second}）" if second else top
            yield row.finding(
                appeal_key(prefix, "total"), "R4",
                f"表四「{name}」：结果维持+结果纠正+其他结果+尚未审结={sum(parts)}，总计填的是 "
                f"{total}，{_diff(sum(parts), total)}。请核对这一组的各项或总计。")


def rule_r6(row: AgencyRow) -> Iterator[Finding]:
    """R6: 实际收取 ≤ 收费通知金额; no notice amount without notices."""
    figures = _figures(row, _R6_KEYS)
    if figures is None:
        return
    notices, amount, collected = figures
    if collected > amount:
        yield row.finding(
            "processing_fee.collected", "R6",
            f"信息处理费：实际收取 {format_money(collected)} 元，多于收费通知总金额 "
            f"{format_money(amount)} 元。实际收取不能超过通知金额，请核对。")
    if amount > 0 and notices == 0:
        yield row.finding(
            "processing_fee.notices", "R6",
            f"信息处理费：收费通知总金额为 {format_money(amount)} 元，但发出收费通知件数为 0。"
            "请填写发出收费通知的件数，或把金额改为 0。")


def rule_w2(row: AgencyRow) -> Iterator[Finding]:
    """W2: applications closed for an unpaid fee, but no fee notice was sent."""
    unpaid, notices = row.figure("apps.other.unpaid_fee.total"), row.figure("processing_fee.notices")
    if unpaid and notices == 0:
        yield row.finding(
            "processing_fee.notices", "W2",
            f"表三「逾期未按收费通知要求缴纳费用」为 {unpaid} 件，但发出收费通知件数为 0。"
            "没有发收费通知就不会有逾期未缴费，请核对其中之一。", warning=True)


def rule_w1(row: AgencyRow, previous: AgencyRow) -> Iterator[Finding]:
    """W1: this year's carried-in equals last year's carried-over; 现行有效 follows on."""
    for col, label in APP_COLUMNS:
        now, before = row.figure(app_key("carried_in", col)), previous.figure(
            app_key("carried_over", col))
        if now is not None and before is not None and now != before:
            yield row.finding(
                app_key("carried_in", col), "W1",
                f"表三「上年结转·{label}」为 {now}，但上年总表“结转下年度继续办理”为 {before}。"
                "两者通常应相等，请核对。", warning=True)
    for prefix, name in (("rules", "规章"), ("normative", "行政规范性文件")):
        in_force = row.figure(f"{prefix}.in_force")
        issued, repealed = row.figure(f"{prefix}.issued"), row.figure(f"{prefix}.repealed")
        last = previous.figure(f"{prefix}.in_force")
        if None in (in_force, issued, repealed, last):
            continue
        assert in_force is not None and issued is not None and repealed is not None
        assert last is not None
        expected = last + issued - repealed
        if in_force != expected:
            yield row.finding(
                f"{prefix}.in_force", "W1",
                f"{name}现行有效件数填的是 {in_force}，按上年现行有效 {last} + 本年制发 {issued} − "
                f"本年废止 {repealed} 应为 {expected}。请核对。", warning=True)


def rule_email(row: AgencyRow) -> Iterator[Finding]:
    """EMAIL: an empty 联系邮箱 (a malformed one is reported when the row is read)."""
    if "email" not in row.columns or row.values.get("email"):
        return
    if not any(f.field == "email" for f in row.findings):  # not one already found malformed
        yield row.finding(
            "email", "EMAIL",
            "联系邮箱为空：send 无法把报告发给这个机关。请填写机关的邮箱，多个地址用分号隔开。",
            warning=True)


ROW_RULES = (rule_r1, rule_r2, rule_r3, rule_r4, rule_r6, rule_w2)


def check_figures(row: AgencyRow, previous: AgencyRow | None = None) -> Iterator[Finding]:
    """All figure rules for one row (cross-year ones when last year's row is given)."""
    if not _quiet(row):
        for rule in ROW_RULES:
            yield from rule(row)
    if previous is not None:
        yield from rule_w1(row, previous)

