"""Decide what to do with each return of a ``collect`` run, before anything is written.

A return is merged only when it is a form of this format and year, for an agency of the master,
read without problems, not seen before, not older than a return already merged, and the only
return of its agency in this run (two different returns: neither is applied, both are named).
The same file twice (say, the saved attachment and the e-mail it came in) counts once.
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass, field
from typing import Any

from ..clock import shown
from ..findings import Finding
from ..workbook.rows import AgencyRow, Workbook
from .layout import form_layout
from .ledger import LedgerRow, State, show_time
from .read import FileKind, FormReturn
from .values import canonical, content_digest


class Verdict(enum.StrEnum):
    MERGED = "merged"
    UNCHANGED = "unchanged"  # came back exactly as issued: recorded, nothing to merge
    CONFLICT = "conflict"
    OLDER = "older"
    SEEN = "seen"  # processed by an earlier run
    DECIDED = "decided"  # lost a conflict that the office has since decided
    DUPLICATE = "duplicate"  # the same return twice in this run
    ERROR = "error"  # a form with problems (a formula without a value, a changed layout ...)
    NOT_FORM = "not_form"
    OTHER_FORMAT = "other_format"
    OTHER_YEAR = "other_year"
    UNKNOWN_AGENCY = "unknown_agency"

    @property
    def label(self) -> str:
        return {
            Verdict.MERGED: "已合并", Verdict.UNCHANGED: "交回未改动", Verdict.CONFLICT: "冲突，未合并",
            Verdict.OLDER: "较旧，未合并", Verdict.SEEN: "已处理过", Verdict.DECIDED: "已另选，未合并",
            Verdict.DUPLICATE: "重复，只算一次", Verdict.ERROR: "有错误，未合并",
            Verdict.NOT_FORM: "不是表单", Verdict.OTHER_FORMAT: "其他格式的表单",
            Verdict.OTHER_YEAR: "其他年度的表单", Verdict.UNKNOWN_AGENCY: "总表中没有该单位",
        }[self]

    @property
    def ledger_state(self) -> State | None:
        """The row this verdict leaves in 收表记录 (None: nothing recorded)."""
        return {Verdict.MERGED: State.MERGED, Verdict.UNCHANGED: State.UNCHANGED,
                Verdict.CONFLICT: State.CONFLICT, Verdict.OLDER: State.OLDER,
                Verdict.ERROR: State.ERROR}.get(self)


@dataclass
class Change:
    cell: str  # 总表!BC7
    key: str
    old: Any
    new: Any


@dataclass
class Outcome:
    ret: FormReturn
    verdict: Verdict
    message: str = ""
    row: AgencyRow | None = None
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # check of the merged row
    record: bool = True  # add a row to 收表记录 (False when the same row is there already)

    @property
    def agency(self) -> str:
        return self.ret.identity.agency if self.ret.identity else ""


def _order(ret: FormReturn) -> tuple[Any, Any]:
    assert ret.identity is not None
    return ret.identity.issued(), ret.received_at


def _first_check(ret: FormReturn, master: Workbook, rows: dict[str, AgencyRow],
                 year: int | None) -> Outcome | None:
    """The verdict of a return that cannot be merged whatever else came in."""
    if ret.kind == FileKind.OTHER_FORMAT:
        return Outcome(ret, Verdict.OTHER_FORMAT, ret.note)
    if ret.kind != FileKind.FORM or ret.identity is None:
        return Outcome(ret, Verdict.NOT_FORM, ret.note)
    identity = ret.identity
    row = rows.get(identity.agency)
    if row is None:
        near = difflib.get_close_matches(identity.agency, list(rows), n=2, cutoff=0.6)
        hint = f"；相近的有：{'、'.join(near)}（单位改名了吗？）" if near else ""
        return Outcome(ret, Verdict.UNKNOWN_AGENCY,
                       f"表单是「{identity.agency}」的，总表中没有这个机关{hint}")
    master_year = row.year or year
    if master_year is not None and identity.year != master_year:
        return Outcome(ret, Verdict.OTHER_YEAR,
                       f"这是 {identity.year} 年度的表单，总表中该单位是 {master_year} 年度"
                       "：请确认对方交回的是今年下发的表单")
    duplicates = master.duplicates()
    if identity.agency in duplicates:
        lines = "、".join(str(n) for n in duplicates[identity.agency])
        return Outcome(ret, Verdict.ERROR, f"总表中第 {lines} 行都是这个机关，无法确定合并到哪一行："
                       "请先删除或合并重复的行", row, record=False)
    if ret.problems:
        return Outcome(ret, Verdict.ERROR, "；".join(ret.problems), row)
    return None


def _latest(ledger: list[LedgerRow], agency: str) -> LedgerRow | None:
    taken = [r for r in ledger if r.agency == agency and r.state in (State.MERGED, State.UNCHANGED)]
    return max(taken, key=LedgerRow.order) if taken else None


def _earlier_run(ret: FormReturn, ledger: list[LedgerRow], row: AgencyRow) -> Outcome | None:
    agency = row.agency
    mine = [(n, r) for n, r in enumerate(ledger) if r.agency == agency and r.sha256 == ret.sha256]
    final = [(n, r) for n, r in mine if r.state != State.CONFLICT]
    if final:
        n, r = final[-1]
        if r.state == State.ERROR:
            return None  # told again below; recorded once
        return Outcome(ret, Verdict.SEEN, f"这份已于 {shown(r.recorded_at)} 处理过（{r.state}，收表记录第 "
                       f"{n + 2} 行），不再重复处理", row, record=False)
    for n, _r in mine:  # a conflict the office decided since: a return merged after it
        later = [x for x in ledger[n + 1:] if x.agency == agency and x.state == State.MERGED]
        if later:
            return Outcome(ret, Verdict.DECIDED, f"这份曾与另一份冲突；之后已合并 {later[-1].file}"
                           f"（{shown(later[-1].recorded_at)}），这份不再采用", row, record=False)
    latest = _latest(ledger, agency)
    if latest is not None and _order(ret) < latest.order():
        return Outcome(ret, Verdict.OLDER, (
            f"比已合并的 {latest.file} 旧（那份表单 {shown(latest.issued_at)} 发出、{shown(latest.received_at)} "
            f"收到；这份 {shown(ret.identity.issued_at) if ret.identity else ''} 发出、"
            f"{show_time(ret.received_at)} 收到），不覆盖"), row)
    return None


def _digest(ret: FormReturn) -> str:
    return ret.content or content_digest(ret.values)


def _issued(ret: FormReturn) -> Any:
    assert ret.identity is not None
    return ret.identity.issued()


def _differences(returns: list[FormReturn], limit: int = 5) -> str:
    """Where conflicting returns differ: ``表二!B6（1 / 2）``, as an office can compare them."""
    slots = form_layout().slots
    keys = [k for k in slots if len({canonical(r.values.get(k)) for r in returns}) > 1]
    shown = []
    for key in keys[:limit]:
        values = []
        for r in returns:
            text = canonical(r.values.get(key)) or "空"
            values.append(text if len(text) <= 10 else text[:10] + "…")
        shown.append(f"{slots[key].where}（{' / '.join(values)}）")
    more = f"等 {len(keys)} 处" if len(keys) > limit else ""
    return f"不同之处：{'、'.join(shown)}{more}"


def decide(returns: list[FormReturn], master: Workbook, ledger: list[LedgerRow],
           year: int | None) -> list[Outcome]:
    """An outcome for every return, in the order given; ``MERGED`` ones still to be applied."""
    rows = {r.agency: r for r in master.rows}
    outcomes: dict[int, Outcome] = {}
    groups: dict[str, list[int]] = {}
    for i, ret in enumerate(returns):
        first = _first_check(ret, master, rows, year)
        if first is not None:
            if first.verdict == Verdict.ERROR and any(
                    r.sha256 == ret.sha256 and r.state == State.ERROR for r in ledger):
                first.record = False
            outcomes[i] = first
        else:
            assert ret.identity is not None
            groups.setdefault(ret.identity.agency, []).append(i)
    for agency, members in groups.items():
        row = rows[agency]
        kept: list[int] = []
        for i in members:
            ret = returns[i]
            same = next((j for j in kept if returns[j].sha256 == ret.sha256 or
                         _digest(returns[j]) == _digest(ret)), None)
            if same is not None:
                outcomes[i] = Outcome(ret, Verdict.DUPLICATE,
                                      f"与 {returns[same].source} 内容相同，只算一次", row,
                                      record=False)
                continue
            earlier = _earlier_run(ret, ledger, row)
            if earlier is not None:
                outcomes[i] = earlier
            else:
                kept.append(i)
        blank = [i for i in kept if returns[i].unchanged]
        if len(blank) < len(kept):  # a form sent back unfilled cannot contradict a filled one
            for i in blank:
                outcomes[i] = Outcome(returns[i], Verdict.UNCHANGED,
                                      "与下发时完全相同（没有填写或改动任何内容），无需合并", row)
            kept = [i for i in kept if i not in blank]
        # a form issued again voids the earlier one: returns of both, the earlier is older
        issued = {i: _issued(returns[i]) for i in kept}
        newest = max(issued.values(), default=None)
        for i in [i for i in kept if issued[i] != newest]:
            identity = returns[i].identity
            assert identity is not None
            outcomes[i] = Outcome(returns[i], Verdict.OLDER, (
                f"这份是 {shown(identity.issued_at)} 下发的表单，之后已重新下发（以新表为准，旧表作废），"
                "本次也收到了新表，这份不合并"), row)
            kept.remove(i)
        if len(kept) > 1:
            differ = _differences([returns[i] for i in kept])
            for i in kept:
                others = "；".join(returns[j].source for j in kept if j != i)
                recorded = any(r.sha256 == returns[i].sha256 and r.state == State.CONFLICT
                               for r in ledger)
                outcomes[i] = Outcome(returns[i], Verdict.CONFLICT, (
                    f"本次同一单位交回了内容不同的几份（另一份：{others}），都未合并；{differ}。"
                    "请与该单位确认哪一份为准，只用那一份再运行 collect"), row,
                    record=not recorded)
        elif kept:
            i = kept[0]
            if returns[i].unchanged:
                outcomes[i] = Outcome(returns[i], Verdict.UNCHANGED,
                                      "与下发时完全相同（没有填写或改动任何内容），无需合并", row)
            else:
                outcomes[i] = Outcome(returns[i], Verdict.MERGED, "", row)
    return [outcomes[i] for i in range(len(returns))]
