"""Findings that point at the cause: one typo in table 三 or 四 is named first, and what follows
from it says so.

One figure typed 7 instead of 6 breaks its row (R1) and its column (R2 or R3), and makes the
text that states 6 disagree with the table (R7). The row and the column that fail meet in one
cell: that cell is *pinned* — the R1 finding moves there and names the value both its row and its
column ask for. The column finding and any R7 finding on a figure of a failing row or column are
*follow-ons*: they say to correct the table first, and they come after the cause (:func:`by_cause`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..findings import Finding
from ..format.model import (
    APP_COLUMN_LABEL,
    APP_COLUMNS,
    APP_ROW_BY_KEY,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    RESULT_ROWS,
    app_key,
)
from ..workbook.rows import AgencyRow

__all__ = ["Explained", "Suspect", "by_cause", "explain", "follows_from"]

Number = int | Decimal
# A cell that is not a figure (R5) or a table that does not add up comes before what follows.
_FIRST = frozenset({"R1", "R2", "R3", "R4", "R5", "DUPLICATE"})
_R2_ROWS = ("new", "carried_in", "results_total", "carried_over")
_R3_ROWS = (*RESULT_ROWS, "results_total")


@dataclass(frozen=True)
class Suspect:
    """A figure whose own row or column does not add up."""

    key: str
    cause: Finding  # the R1–R4 finding of that row or column
    cell: str  # where to correct first: the pinned cell when known, else the cause's cell
    label: str  # that cell in the table's words, e.g. 表三「一、本年新收·总计」
    pinned: str | None = None  # the key of the pinned cell, when the failures meet in one cell
    corrected: Number | None = None  # the value its row and column both ask for, when they agree


@dataclass(frozen=True)
class Explained:
    findings: list[Finding]  # the figure findings, worded (R1 moved to its pinned cell)
    suspects: dict[str, Suspect]  # figure key -> why it is not to be trusted
    follow_ons: frozenset[Finding]


def _scope(finding: Finding) -> tuple[str, str, tuple[str, ...]]:
    """(kind, what, keys): the row or column a cause finding is about and the figures in it."""
    field = finding.field
    if finding.rule == "R1":
        row_key = field.removeprefix("apps.").removesuffix(".total")
        return "row", row_key, tuple(app_key(row_key, c) for c, _ in APP_COLUMNS)
    if finding.rule in ("R2", "R3"):
        column = field.rsplit(".", 1)[1]
        rows = _R2_ROWS if finding.rule == "R2" else _R3_ROWS
        return "column", column, tuple(app_key(r, column) for r in rows)
    prefix = field.removesuffix(".total")
    return "group", prefix, tuple(f"{prefix}.{part}" for part, _ in APPEAL_PARTS)


def _cell_label(key: str) -> str:
    _apps, rest = key.split(".", 1)
    row_key, column = rest.rsplit(".", 1)
    app_row = APP_ROW_BY_KEY[row_key]
    return f"表三「{app_row.short}·{APP_COLUMN_LABEL[column]}」"


def _solve(row: AgencyRow, keys: Sequence[str], target: str, total_keys: Sequence[str],
           ) -> Number | None:
    """The value of ``target`` that makes sum(keys - total_keys) == sum(total_keys)."""
    values = {k: row.figure(k) for k in keys}
    if any(v is None for v in values.values()):
        return None
    parts = sum(v for k, v in values.items() if k not in total_keys and k != target and v is not None)
    totals = sum(v for k, v in values.items() if k in total_keys and k != target and v is not None)
    solved = totals - parts if target not in total_keys else parts - totals
    return solved if solved >= 0 else None


def _solution(row: AgencyRow, finding: Finding, target: str) -> Number | None:
    """R1's or R3's answer for one cell of its row or column."""
    _kind, what, keys = _scope(finding)
    total = app_key(what, "total") if finding.rule == "R1" else app_key("results_total", what)
    return _solve(row, keys, target, (total,))


def _column_solution(row: AgencyRow, finding: Finding, target: str) -> Number | None:
    """R2's answer for one cell of its column: the other three figures decide it."""
    _kind, _what, keys = _scope(finding)
    values = [row.figure(k) for k in keys]
    if any(v is None for v in values):
        return None
    new, carried_in, results, carried_over = (v or 0 for v in values)
    solved = {keys[0]: results + carried_over - carried_in, keys[1]: results + carried_over - new,
              keys[2]: new + carried_in - carried_over, keys[3]: new + carried_in - results}[target]
    return solved if solved >= 0 else None


def _pins(causes: list[Finding]) -> dict[str, list[Finding]]:
    """Pinned key -> the findings (its row's R1 first) whose failures meet in that one cell."""
    rows = [f for f in causes if f.rule == "R1"]
    columns = [f for f in causes if f.rule in ("R2", "R3")]
    pins: dict[str, list[Finding]] = {}
    for r1 in rows:
        row_keys = set(_scope(r1)[2])
        meeting = [c for c in columns if row_keys & set(_scope(c)[2])]
        names = {_scope(c)[1] for c in meeting}
        if len(names) != 1:
            continue
        (key,) = row_keys & set(_scope(meeting[0])[2])
        # The column's failure must have no other failing row to blame.
        others = [r for r in rows if r is not r1 and any(set(_scope(r)[2]) & set(_scope(c)[2])
                                                         for c in meeting)]
        if not others:
            pins[key] = [r1, *meeting]
    return pins


def _corrected(row: AgencyRow, key: str, findings: list[Finding]) -> Number | None:
    answers = set()
    for finding in findings:
        solver = _column_solution if finding.rule == "R2" else _solution
        answers.add(solver(row, finding, key))
    return answers.pop() if len(answers) == 1 and None not in answers else None


def _without_advice(message: str) -> str:
    """A rule's message without its closing "请核对……" (the cause gives better advice)."""
    head, found, _advice = message.rpartition("请核对")
    return head if found else message


def _show(value: Number) -> str:
    return str(int(value)) if value == int(value) else str(value)


def explain(row: AgencyRow, findings: Iterable[Finding]) -> Explained:
    """Word the figure findings of one row by cause and list the figures not to be trusted."""
    found = list(findings)
    causes = [f for f in found if f.rule in ("R1", "R2", "R3", "R4")]
    if not causes:
        return Explained(found, {}, frozenset())
    pins = _pins(causes)
    replaced: dict[Finding, Finding] = {}
    follow_ons: set[Finding] = set()
    suspects: dict[str, Suspect] = {}
    pin_of: dict[Finding, str] = {f: key for key, group in pins.items() for f in group}
    for key, group in pins.items():
        r1, *columns = group
        value = _corrected(row, key, group)
        cell = row.cell(key)
        label = _cell_label(key)
        rules = "、".join(sorted({c.rule for c in columns}))
        column = APP_COLUMN_LABEL[key.rsplit(".", 1)[1]]
        advice = (f"这一行和「{column}」列都要求它为 {_show(value)}" if value is not None
                  else f"它所在的「{column}」列也对不上（{rules}）")
        replaced[r1] = dataclasses.replace(
            r1, field=key, cell=cell,
            message=f"{_without_advice(r1.message)}最可能填错的是 {cell}"
                    f"（{label}）这一格：{advice}。请先改正这一格。")
        for c in columns:
            follow_ons.add(c)
            replaced[c] = dataclasses.replace(
                c, message=f"{_without_advice(c.message)}这是 {cell}（{label}）填错引起的（见 R1）："
                           "先改正表三的这一格，本条会随之消除。")
        suspects[key] = Suspect(key, replaced[r1], cell, label, key, value)
    for cause in causes:
        kind, what, keys = _scope(cause)
        pinned = pin_of.get(cause)
        for key in keys:
            if key in suspects:
                continue
            if pinned is not None:
                cell, label = row.cell(pinned), _cell_label(pinned)
                suspects[key] = Suspect(key, replaced.get(cause, cause), cell, label, pinned)
            else:
                suspects[key] = Suspect(key, cause, cause.cell, _where(kind, what))
    worded = [replaced.get(f, f) for f in found]
    return Explained(worded, suspects, frozenset(replaced.get(f, f) for f in follow_ons))


def _where(kind: str, what: str) -> str:
    if kind == "row":
        return f"表三「{APP_ROW_BY_KEY[what].short}」这一行"
    if kind == "column":
        return f"表三「{APP_COLUMN_LABEL[what]}」列"
    top, second = next((t, s) for p, t, s in APPEAL_GROUPS if p == what)
    return f"表四「{top}{'（' + second + '）' if second else ''}」这一组"


def follows_from(suspects: Mapping[str, Suspect], keys: Iterable[str]) -> Suspect | None:
    """The first suspect among the figures a reading compares with (or None)."""
    for key in keys:
        if key in suspects:
            return suspects[key]
    return None


def by_cause(findings: Iterable[Finding], follow_ons: frozenset[Finding]) -> list[Finding]:
    """One row's findings: errors first; among them what is wrong in a table (R1–R5) before
    what follows from it; then left to right."""
    from ..findings import sort_key

    def key(f: Finding) -> tuple[int, int, int]:
        _row, severity, column = sort_key(f)
        cause = f.rule in _FIRST and f not in follow_ons
        return severity, 0 if cause else 1, column

    return sorted(findings, key=key)
