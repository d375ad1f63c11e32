"""Narrative rules: R7 (numbers in the text agree with the tables), W3, W4 and W5 (warnings).

R7 takes the counts :mod:`.sentences` reads with confidence and compares each with the table
cell(s) its words name. A number is an error only when no accepted reading fits the table. When
the table figure is itself inconsistent (R1–R4 fail in its row or column, see :mod:`.causes`),
the finding says to correct the table first instead of inviting a change of the text.

W3 warns about an empty expected section, and about a section that repeats most of last year's
text. W4 warns when the text says there was no 行政复议 / 行政诉讼 (or that all were upheld) while
table 四 says otherwise. W5 warns when the text says no application came in while table 三 has some.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal

from ..findings import Finding
from ..format.model import APP_ROW_BY_KEY, APP_ROWS, TEXT_FIELDS
from ..workbook.rows import AgencyRow
from .causes import Suspect, follows_from
from .numerals import chinese_number
from .sentences import NEW_ONLY, SENTENCE_END, has_unit, stated_counts

__all__ = ["check_narrative", "chinese_number", "repeated_share"]

# --- readings: which cells a stated count may equal ---------------------------------------------

_SUITS = ("suit_direct.total", "suit_after_review.total")
_ALTERNATIVES: dict[str, tuple[tuple[str, ...], ...]] = {
    "apps.new": (("apps.new.total",), ("apps.new.total", "apps.carried_in.total")),
    "apps.handled": (("apps.results_total.total",), ("apps.new.total", "apps.carried_in.total")),
    "apps.results": (("apps.results_total.total",),),
    "apps.carried_over": (("apps.carried_over.total",),),
    "apps.carried_in": (("apps.carried_in.total",),),
    "review": (("review.total",),),
    "suit": (_SUITS,),
    "appeals": (("review.total", *_SUITS),),
    **{
        f"{prefix}.{column}": ((f"{prefix}.{column}",),)
        for prefix in ("normative", "rules")
        for column in ("issued", "repealed", "in_force")
    },
}
# The six kinds of result (（一）…（六）): a count is compared with the sum of their rows' totals.
_RESULT_KINDS = {"granted": "（一）予以公开", "partial": "（二）部分公开"} | {
    kind: APP_ROW_BY_KEY[f"{kind}.{first}"].subgroup
    for kind, first in (("denied", "state_secret"), ("unavailable", "not_held"),
                        ("rejected", "petition"), ("other", "no_correction"))
}
for _kind in _RESULT_KINDS:
    _ALTERNATIVES[f"apps.{_kind}"] = (tuple(
        f"apps.{r.key}.total" for r in APP_ROWS if r.key == _kind or r.key.startswith(_kind + ".")),)
_DOC_LABEL = {"normative": "行政规范性文件", "rules": "规章"}
_DOC_COLUMN = {"issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数"}

# --- W3 / W4 --------------------------------------------------------------------------------------

_REPEAT_SHARE = 0.5
_REPEAT_MIN_CHARS = 20
_REPEAT_MIN_SENTENCE = 4
_W4_CLAUSE = re.compile(r"[，,：:。；;！!？?\n]+|但是|但|而")
_NONE_SAID = re.compile(
    r"没有|未发生|未收到|未有|未出现|未产生|未接到|未被|未因|未涉及|不存在|零(?=行政|复议|诉讼|起诉|应诉)"
    r"|无(?!法|正当|论|缝|纸|需|须|偿|误|差|关|一)"
)
_ALL_ZERO = re.compile(r"(?:均|都|皆|全部)(?:为|是)[ \u3000]*(?:0|０|零)(?![0-9０-９.．%％])")
_ALL_UPHELD = re.compile(
    r"(?:均|全部|都|皆)(?:已|获|予|被|得到|获得|以|予以|为|是|依法|复议机关|(?:人民)?法院|判决|决定)*维持"
)
_SAYS_REVIEW = re.compile(r"复议(?!后)")
_SAYS_SUIT = re.compile(r"诉讼|起诉|应诉")
_W4_OUTCOME = re.compile(r"纠正|纠错|撤销|败诉|确认违法|驳回")
_APPEAL_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    # group -> (label, key prefixes in table 四)
    "review": ("行政复议", ("review",)),
    "suit": ("行政诉讼", ("suit_direct", "suit_after_review")),
}


def _text(row: AgencyRow, key: str) -> str:
    value = row.values.get(key)
    return value if isinstance(value, str) else ""


def _show(value: int | Decimal) -> str:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    return str(value)


def _statement(row: AgencyRow, reading: str, sums: list[int | Decimal]) -> str:
    """What the table says, in the words of the table."""
    first = _show(sums[0])
    if reading == "apps.new":
        return f"表三“本年新收”总计为 {first}（加上年结转为 {_show(sums[1])}）"
    if reading == "apps.handled":
        return f"表三“办理结果（七）总计”为 {first}（本年新收加上年结转为 {_show(sums[1])}）"
    if reading == "apps.results":
        return f"表三“办理结果（七）总计”为 {first}"
    if reading == "apps.carried_over":
        return f"表三“结转下年度继续办理”总计为 {first}"
    if reading == "apps.carried_in":
        return f"表三“上年结转”总计为 {first}"
    if reading == "review":
        return f"表四“行政复议”总计为 {first}"
    if reading == "suit":
        direct, after = (_show(row.figure(k) or 0) for k in _SUITS)
        return f"表四“行政诉讼”总计为 {first}（未经复议直接起诉 {direct}，复议后起诉 {after}）"
    if reading == "appeals":
        review = _show(row.figure("review.total") or 0)
        suits = _show(sum(row.figure(k) or 0 for k in _SUITS))
        return f"表四行政复议与行政诉讼合计为 {first}（行政复议 {review}，行政诉讼 {suits}）"
    if reading.startswith("apps."):
        kind = reading.removeprefix("apps.")
        several = "各项总计之和" if len(_ALTERNATIVES[reading][0]) > 1 else "总计"
        return f"表三“{_RESULT_KINDS[kind]}”{several}为 {first}"
    prefix, column = reading.split(".")
    return f"表二“{_DOC_LABEL[prefix]}·{_DOC_COLUMN[column]}”为 {first}"


def _table_of(reading: str) -> str:
    return "表三" if reading.startswith("apps.") else "表二" if "." in reading else "表四"


def _follow_on(row: AgencyRow, reading: str, stated: int, suspect: Suspect) -> str:
    """The advice of an R7 finding whose table figure is itself inconsistent."""
    table = _table_of(reading)
    rule = suspect.cause.rule
    if suspect.pinned is None:
        return (f"但{table}的这个数字本身对不上：{suspect.label}不合计（见 {rule}，{suspect.cell}）。"
                f"请先改正{table}，再核对正文。")
    if suspect.pinned != suspect.key:
        return (f"但{table}与这个数字同一行或同一列的 {suspect.cell}（{suspect.label}）填错了"
                f"（见 {rule}）。请先改正{table}的那一格，再核对正文。")
    advice = (f"但{table}的这个数字本身填错了：{suspect.label}（{suspect.cell}）与它所在的行和列"
              f"对不上（见 {rule}）。请先改正{table}的这一格")
    if suspect.corrected is not None:
        fixed = {**row.values, suspect.pinned: suspect.corrected}
        sums = [sum(fixed.get(k) or 0 for k in keys) for keys in _ALTERNATIVES[reading]]
        if stated in sums:
            return f"{advice}（应为 {_show(suspect.corrected)}），改正后就与正文一致，正文不用改。"
    return f"{advice}，再核对正文。"


def _compare(row: AgencyRow, key: str, reading: str, stated: int, quote: str,
             suspects: Mapping[str, Suspect]) -> Finding | None:
    sums: list[int | Decimal] = []
    for keys in _ALTERNATIVES[reading]:
        values = [row.figure(k) for k in keys]
        if None in values:
            return None  # a reading cannot be evaluated: the sentence may well be right
        sums.append(sum(v for v in values if v is not None))
    if stated in sums:
        return None
    table = _table_of(reading)
    suspect = follows_from(suspects, (k for keys in _ALTERNATIVES[reading] for k in keys))
    advice = (_follow_on(row, reading, stated, suspect) if suspect is not None
              else f"请核对正文或{table}，使两者一致。")
    return row.finding(
        key, "R7",
        f"「{quote}」与{table}不一致：正文为 {stated}，{_statement(row, reading, sums)}。{advice}")


def _check_r7(row: AgencyRow, suspects: Mapping[str, Suspect]) -> Iterator[Finding]:
    year = row.year
    for key, _header, section, _expected in TEXT_FIELDS:
        text = _text(row, key)
        if not has_unit(text):
            continue  # no count to read (stated_counts' own first test, without a generator)
        default_topic = "apps" if section == "applications" else None
        for count in stated_counts(text, year, default_topic):
            reading, new_only, _ = count.reading.partition(NEW_ONLY)
            if new_only and row.figure("apps.carried_in.total") != 0:
                continue  # the results of the new applications alone are not in the table
            finding = _compare(row, key, reading, count.value, count.quote, suspects)
            if finding is not None:
                yield finding


# --- W3 -------------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return "".join(text.split())  # str.split() knows full-width and no-break spaces


def repeated_share(current: str, previous: str) -> float:
    """The share (by characters) of last year's sentences found verbatim in this year's text."""
    now = _squash(current)
    sentences = [s for s in SENTENCE_END.split(_squash(previous))
                 if len(s) >= _REPEAT_MIN_SENTENCE]
    total = sum(len(s) for s in sentences)
    if not total:
        return 0.0
    return sum(len(s) for s in sentences if s in now) / total


def _check_empty(row: AgencyRow) -> Iterator[Finding]:
    for key, header, _section, expected in TEXT_FIELDS:
        if expected and not _text(row, key).strip():
            yield row.finding(
                key,
                "W3",
                f"正文“{header}”为空。报告的这一部分不应空缺，请在总表该单元格中填写本年度的情况"
                "（一段一行）。",
                warning=True,
            )


def _check_repeated(row: AgencyRow, previous: AgencyRow) -> Iterator[Finding]:
    for key, header, _section, expected in TEXT_FIELDS:
        if not expected:
            continue  # optional sections are formulaic ("未发生行政复议") and may well repeat
        now, before = _text(row, key), _text(previous, key)
        if previous.year is not None and row.year is not None:
            before = before.replace(str(previous.year), str(row.year))
        if len(_squash(now)) < _REPEAT_MIN_CHARS or len(_squash(before)) < _REPEAT_MIN_CHARS:
            continue
        share = repeated_share(now, before)
        if share > _REPEAT_SHARE:
            yield row.finding(
                key,
                "W3",
                f"正文“{header}”与上年报告的同一部分大量重复：上年约 {round(share * 100)}% 的文字"
                "原样出现在今年。请根据本年度的实际情况改写。",
                warning=True,
            )


# --- W4 -------------------------------------------------------------------------------------------


def _groups_named(text: str) -> list[str]:
    groups = []
    if _SAYS_REVIEW.search(text):
        groups.append("review")
    if _SAYS_SUIT.search(text):
        groups.append("suit")
    return groups


def _appeal_sum(row: AgencyRow, group: str, parts: tuple[str, ...]) -> int | Decimal:
    prefixes = _APPEAL_GROUPS[group][1]
    return sum(row.figure(f"{p}.{part}") or 0 for p in prefixes for part in parts)


def _w4_none(row: AgencyRow, key: str, clause: str) -> Iterator[tuple[str, str, Finding]]:
    """'没有行政复议' / '行政复议、行政诉讼均为 0' while table 四 has some."""
    m = _NONE_SAID.search(clause)
    scope = clause[m.start():] if m else ""
    if not m:
        zero = _ALL_ZERO.search(clause)
        scope = clause[: zero.end()] if zero else ""
    if not scope or _W4_OUTCOME.search(scope):
        return
    for group in _groups_named(scope):
        total = _appeal_sum(row, group, ("total",))
        if total > 0:
            label = _APPEAL_GROUPS[group][0]
            yield group, "none", row.finding(
                key,
                "W4",
                f"正文说没有{label}（「{clause.strip()}」），但表四“{label}”总计为 {_show(total)}。"
                f"请核对正文或表四。",
                warning=True,
            )


def _w4_upheld(row: AgencyRow, key: str, sentence: str) -> Iterator[tuple[str, str, Finding]]:
    """'均获维持' while table 四 has corrected, other or pending cases."""
    m = _ALL_UPHELD.search(sentence)
    if not m:
        return
    # What was upheld: named in the same clause, else in the nearest clause before it.
    groups: list[str] = []
    for clause in reversed(_W4_CLAUSE.split(sentence[: m.end()])):
        groups = _groups_named(clause)
        if groups:
            break
    for group in groups:
        others = _appeal_sum(row, group, ("corrected", "other", "pending"))
        if others > 0:
            label = _APPEAL_GROUPS[group][0]
            parts = ("corrected", "other", "pending")
            c, o, p = (_show(_appeal_sum(row, group, (part,))) for part in parts)
            yield group, "upheld", row.finding(
                key,
                "W4",
                f"正文说{label}「{m.group()}」，但表四{label}结果纠正 {c}、其他结果 {o}、"
                f"尚未审结 {p}。请核对正文或表四。",
                warning=True,
            )


def _check_w4(row: AgencyRow) -> Iterator[Finding]:
    if not any(_appeal_sum(row, g, ("total",)) > 0 for g in _APPEAL_GROUPS):
        return
    for key, _header, _section, _expected in TEXT_FIELDS:
        text = _text(row, key)
        if "复议" not in text and "诉" not in text:
            continue
        seen: set[tuple[str, str]] = set()
        for sentence in SENTENCE_END.split(text):
            found = list(_w4_upheld(row, key, sentence))
            for clause in _W4_CLAUSE.split(sentence):
                found.extend(_w4_none(row, key, clause))
            for group, kind, finding in found:
                if (group, kind) not in seen:
                    seen.add((group, kind))
                    yield finding


# --- entry point ----------------------------------------------------------------------------------


_NO_APPLICATIONS = re.compile(
    r"(?:未|没有|尚未)(?:收到|接到|受理|收到过)[^，,。；;：:]{0,12}?申请(?!人)"
)


def _check_no_applications(row: AgencyRow) -> Iterator[Finding]:
    """W5 (this project's): the text says no application came in, table 三 has some."""
    new, carried_in = row.figure("apps.new.total"), row.figure("apps.carried_in.total")
    if not new and not carried_in:
        return
    for key, _header, _section, _expected in TEXT_FIELDS:
        text = _text(row, key)
        if "申请" not in text or ("未" not in text and "没有" not in text):
            continue  # what _NO_APPLICATIONS needs is not there
        for sentence in SENTENCE_END.split(text):
            m = _NO_APPLICATIONS.search(sentence)
            if m and "复议" not in sentence and "诉讼" not in sentence:
                yield row.finding(
                    key, "W5",
                    f"正文说「{m.group()}」，但表三“本年新收”总计为 {_show(new or 0)}、"
                    f"“上年结转”总计为 {_show(carried_in or 0)}。请核对正文或表三。",
                    warning=True)
                return


def check_narrative(row: AgencyRow, previous: AgencyRow | None = None,
                    suspects: Mapping[str, Suspect] | None = None) -> Iterator[Finding]:
    """Findings of R7 (errors), W3, W4 and W5 (warnings) for one agency's narrative.

    ``previous`` is the same agency's row of last year's workbook (for the W3 repetition check);
    ``suspects`` the table figures that do not add up themselves (see :func:`.causes.explain`).
    """
    yield from _check_empty(row)
    yield from _check_r7(row, suspects or {})
    yield from _check_w4(row)
    yield from _check_no_applications(row)
    if previous is not None:
        yield from _check_repeated(row, previous)
