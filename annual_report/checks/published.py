"""Checks that published reports need: P1 (what was published vs what was approved) and the
warnings P2–P4, which read imported reports and master texts alike.

* P1 (error) — a figure or section text of an imported report differs from the approved master
  row of the same agency and year; both cells are named.
* P2 (warning) — the text names another year as the report year (a 2024 report saying
  「2023年度」); mentions of the year before that are legitimately about it (「2023年度结转」,
  「较2023年度增长」) are left alone.
* P3 (warning) — the report cites the superseded trial format 国办公开办函〔2019〕60号, or a 文号 for
  the format other than 国办公开办函〔2021〕30号.
* P4 (warning) — the sections are not the six of the format in order (from the headings an
  import found), or the text says how many parts the report has and that is not six, or lists a
  different number of parts than it says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..findings import Finding
from ..format.model import FIELD_BY_KEY, FIGURE_FIELDS, SECTIONS, TEXT_FIELDS
from ..workbook.rows import AgencyRow, ReadOptions, Workbook, read_workbook
from ..workbook.values import is_blank, shown
from .narrative import chinese_number
from .nfkc import DIGIT_SOURCES, Normalized, nfkc, nfkc_spans

# Extra columns an import writes (outside the model): read by P2–P4 when present.
PREAMBLE = "报告前言（导入）"
HEADINGS = "章节标题（导入）"
SOURCE = "来源文件（导入）"
# The words that tell the six sections apart in a printed heading (also used by the importer).
SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "overview": ("总体",),
    "proactive": ("主动公开",),
    "applications": ("申请",),
    "appeals": ("复议", "诉讼"),
    "problems": ("问题", "改进", "不足"),
    "other": ("其他", "其它", "需要报告"),
}
NUMERALS = "一二三四五六七八九十"
FORMAT_NUMBER = ("2021", "30")
SUPERSEDED = ("2019", "60")

_TEXT_KEYS = tuple(key for key, *_ in TEXT_FIELDS)


def _squash(text: str) -> str:
    return "".join(nfkc(text).split())


def _show(row: AgencyRow, key: str) -> str:
    value = row.values.get(key)
    if value is None:
        raw = row.raw.get(key)
        return "（空白）" if is_blank(raw) else shown(raw)
    return shown(value)


def _same_figure(a: AgencyRow, b: AgencyRow, key: str) -> bool:
    va, vb = a.values.get(key), b.values.get(key)
    if va is not None and vb is not None:
        return bool(va == vb)
    return _show(a, key) == _show(b, key)


def _text(row: AgencyRow, key: str) -> str:
    value = row.values.get(key)
    return value if isinstance(value, str) else ""


_NOTHING = re.compile(r"[（(]?(?:(?:本|今|\d{4})年度?)?(?:本机关|本单位|本部门|我机关|我单位|我部门)?(?:暂|均)?"
                      r"(?:无|没有|不涉及)(?:其他|其它)?(?:需要|需|应)?(?:报告|说明)?的?(?:事项|情况|内容)?[)）]?")
_FEE_WORDS = ("信息处理费", "收费", "缴费", "收取", "金额")


def comparable(key: str, text: str) -> str:
    """A text as compared by P1: spacing and width ignored; in section 六 the fee statement
    (its figures are compared as figures) and a 「无」 (the report prints it in its own words)
    are left out."""
    if key != "text.other":
        return _squash(text)
    kept = []
    for para in text.split("\n"):
        bare = _squash(para).rstrip("。.；;")
        clauses = [c for c in re.split(r"[，,。；;]", bare) if c]
        if not bare or _NOTHING.fullmatch(bare) or (
                "信息处理费" in bare and all(any(w in c for w in _FEE_WORDS) for c in clauses)):
            continue
        kept.append(_squash(para))
    return "".join(kept)


def compare_rows(published: AgencyRow, approved: AgencyRow, approved_name: str) -> Iterator[Finding]:
    """P1 for every figure and text of ``published`` that differs from ``approved``."""
    where = f"审定总表 {approved_name} 的 {{cell}}"
    for f in FIGURE_FIELDS:
        if not _same_figure(published, approved, f.key):
            mine = _show(published, f.key)
            if mine == "（空白）":
                mine += "（印的是空白，或导入时读不准而留空，原因见导入表的“导入记录”）"
            yield published.finding(
                f.key, "P1",
                f"{f.label}：发布的报告是「{mine}」（{published.cell(f.key)}），"
                f"{where.format(cell=approved.cell(f.key))} 是「{_show(approved, f.key)}」。"
                "请核对：发布的报告有误时请机关更正后重新发布，审定总表有误时请改总表。")
    five = ("text.problems", "text.improvements")
    joined_equal = _squash("".join(_text(published, k) for k in five)) == _squash(
        "".join(_text(approved, k) for k in five))
    for key in _TEXT_KEYS:
        if key in five and joined_equal:
            continue  # the same section 五, only divided differently
        if comparable(key, _text(published, key)) != comparable(key, _text(approved, key)):
            header = FIELD_BY_KEY[key].header
            mine, theirs = _text(published, key), _text(approved, key)
            yield published.finding(
                key, "P1",
                f"正文“{header}”与审定的不同：发布的报告（{published.cell(key)}）"
                f"{_first_difference(mine, theirs)}，{where.format(cell=approved.cell(key))}。"
                "请核对发布的报告是否是审定后的版本。")


def _first_difference(mine: str, theirs: str) -> str:
    a, b = _squash(mine), _squash(theirs)
    if not a:
        return "这一部分是空的"
    if not b:
        return f"有文字「{a[:20]}…」而审定总表中为空"
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"从「{a[max(0, n - 6):n + 14]}」处起与审定的「{b[max(0, n - 6):n + 14]}」不同"


def check_against(workbook: Workbook, approved_path: Path | str) -> tuple[list[Finding], list[str]]:
    """P1 findings of an imported workbook against the approved master, and notes."""
    approved = read_workbook(approved_path, ReadOptions())
    name = Path(approved_path).name
    by_key = {(r.agency, r.year): r for r in approved.rows}
    findings: list[Finding] = []
    matched: set[tuple[str, int | None]] = set()
    for row in workbook.rows:
        master = by_key.get((row.agency, row.year))
        if master is None:
            findings.append(row.finding(
                "agency", "P1",
                f"审定总表 {name} 中没有「{row.agency}」{row.year or ''} 年度的行，发布的报告无法对照。"
                "请核对机关全称（两表须一字不差）和报告年度。"))
            continue
        matched.add((row.agency, row.year))
        findings.extend(compare_rows(row, master, name))
    notes = []
    unmatched = [r.agency for r in approved.rows if (r.agency, r.year) not in matched]
    if unmatched:
        listed = "、".join(unmatched[:5]) + ("等" if len(unmatched) > 5 else "")
        notes.append(f"审定总表 {name} 中有 {len(unmatched)} 个机关没有导入的报告可对照（{listed}）。")
    return findings, notes


# --- P2 ------------------------------------------------------------------------------------------

# A year; one right after a digit is no year (see _years: the test is made there, as a leading
# look-behind would make the pattern try every position of the text, 3× slower).
_YEAR = re.compile(r"((?:19|20)[0-9]{2})\s*年(度)?")
_ABOUT_BEFORE = re.compile(r"(较|比|与|同比|对比|相比|自|从|上年|去年|上一年|和)\s*$")
_ABOUT_AFTER = re.compile(
    r"^\s*(度)?\s*[^。；，]{0,12}?(结转|转入|遗留|延续|以来|至今|相比|比较|同期|底前|起|考核|评估|评议|测评|获评|排名)")


def _years(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``(?<![0-9])`` + _YEAR. Dropping the matches after a digit gives the
    same: a dropped match cannot hide a kept one, which would have to start inside its four
    digits, right after a digit."""
    for m in _YEAR.finditer(text):
        start = m.start()
        if not start or not "0" <= text[start - 1] <= "9":
            yield m


def _wrong_years(norm: Normalized, year: int) -> Iterator[str]:
    """Quotes (from the original text) of the years that ``norm``'s text names wrongly; the
    year is found in the NFKC text (full-width digits, ㈠ …) and read around in the original."""
    text = norm.original
    for m in _years(norm.text):
        named = int(m.group(1))
        if named in (year, year + 1):
            continue
        start, end = norm.span(m.start(), m.end())
        before, after = text[max(0, start - 6):start], text[end:end + 12]
        if text.rfind("《", 0, start) > text.rfind("》", 0, start):
            continue  # inside a document's title: 《2023年度政务公开工作要点》
        rest = norm.position(m.start(2)) if m.group(2) else end  # from 度 on, when there is one
        if _ABOUT_BEFORE.search(before) or _ABOUT_AFTER.match(text[rest:rest + 14]):
            continue
        opening = start == 0 or text[start - 1] in "。；\n" or before.endswith("截至")
        if m.group(2) or (opening and after[:1] in "，,底末") or before.endswith("截至"):
            yield text[max(0, start - 8):end + 10].replace("\n", " ")


_TEXTS = (*_TEXT_KEYS, "title")


class _Texts(list[tuple[str, str]]):
    """The texts P2–P4 read (key, text), each normalized once, when a rule needs its NFKC."""

    def __init__(self, row: AgencyRow) -> None:
        super().__init__()
        values = row.values
        for key in _TEXTS:
            value = values.get(key)
            if value and isinstance(value, str):
                self.append((key, value))
        preamble = row.extras.get(PREAMBLE)
        if preamble:
            self.append(("agency", str(preamble)))
        self._normalized: dict[str, Normalized] = {}

    def normalized(self, text: str) -> Normalized:
        norm = self._normalized.get(text)
        if norm is None:
            norm = self._normalized[text] = nfkc_spans(text)
        return norm


def _may_name_a_year(text: str) -> bool:
    """Whether NFKC(text) can hold a _YEAR: digits, white space and 年. In the text, that is a
    年 (or U+F98E, its only other source) with white space and then a character whose NFKC
    holds a digit before it: only white space gives white space under NFKC, and nothing
    composes with digits, spaces or 年 (tests/checks/test_nfkc.py checks both against Unicode)."""
    for year in ("年", "\uf98e"):
        at = text.find(year)
        while at != -1:
            k = at - 1
            while k >= 0 and text[k].isspace():
                k -= 1
            if k >= 0 and DIGIT_SOURCES.match(text, k):
                return True
            at = text.find(year, at + 1)
    return False


def _p2(row: AgencyRow, texts: _Texts) -> Iterator[Finding]:
    year = row.year
    if year is None:
        return
    for key, text in texts:
        if not _may_name_a_year(text):
            continue
        quote = next(_wrong_years(texts.normalized(text), year), None)
        if quote:
            yield row.finding(key, "P2", f"{row.year} 年度的报告在“{_where(key)}”中写的是另一年：「…{quote}…」。"
                              "常见于沿用上年报告的文字；如果确实是说上一年，请写明（如“较2023年度”）。", True)


def _where(key: str) -> str:
    if key == "agency":
        return "报告前言"
    return FIELD_BY_KEY[key].header


# --- P3 ------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"国办公开办函\s*[〔\[【(（［{]\s*([0-9]{4})\s*[〕\]】)）］}]\s*([0-9]+)\s*号")


def _p3(row: AgencyRow, texts: _Texts) -> Iterator[Finding]:
    for key, original in texts:
        # These characters come from no other under NFKC, and nothing between them vanishes:
        # the NFKC holds the word only where the text does.
        if "国办公开办函" not in original:
            continue
        text = texts.normalized(original).text
        for m in _NUMBER.finditer(text):
            number = (m.group(1), m.group(2))
            near = text[max(0, m.start() - 40):m.end() + 40]
            if number == SUPERSEDED:
                yield row.finding(key, "P3", f"“{_where(key)}”引用的「{m.group(0)}」是 2019 年的试行格式，已被"
                                  "国办公开办函〔2021〕30号 代替。请改为按〔2021〕30号的格式编制并引用。", True)
            elif number != FORMAT_NUMBER and "格式" in near:
                yield row.finding(key, "P3", f"“{_where(key)}”引用的年度报告格式文号「{m.group(0)}」不对："
                                  "现行格式是 国办公开办函〔2021〕30号。请改正文号。", True)


# --- P4 ------------------------------------------------------------------------------------------

_PARTS = re.compile(r"([一二两三四五六七八九十]|[0-9]{1,2})\s*个?\s*部分")
_ABOUT_REPORT = re.compile(r"(报告|全文|本文|内容)")
_LIST_START = re.compile(r"[：:括含由]")


def section_index(heading: str) -> int | None:
    """The index (0–5) of the format's section a printed heading is, or None."""
    text = _squash(heading)
    if not text or text[0] not in NUMERALS[:6]:
        return None
    k = NUMERALS.index(text[0])
    return k if any(w in text for w in SECTION_WORDS[SECTIONS[k].id]) else None


# How a sentence listing the report's parts names each of the six (「总体情况、主动公开政府信息情况…」).
_LISTED = (("总体情况",), ("主动公开",), ("收到和处理", "申请情况", "依申请"), ("复议", "诉讼"),
           ("问题", "改进"), ("其他",))


def _may_state_parts(text: str) -> bool:
    """Whether _PARTS can match: some 部分 has a numeral before it (across white space and 个)."""
    at = text.find("部分")
    while at != -1:
        k = at - 1
        while k >= 0 and text[k].isspace():
            k -= 1
        if k >= 0 and text[k] == "个":
            k -= 1
            while k >= 0 and text[k].isspace():
                k -= 1
        if k >= 0 and (text[k] in "一二两三四五六七八九十" or "0" <= text[k] <= "9"):
            return True
        at = text.find("部分", at + 2)
    return False


def _p4(row: AgencyRow, texts: _Texts) -> Iterator[Finding]:
    headings = [h for h in str(row.extras.get(HEADINGS, "")).split("\n") if h.strip()]
    if headings:
        indexes = [section_index(h) for h in headings]
        missing = [SECTIONS[k].heading for k in range(6) if k not in indexes]
        extra = [h for h, k in zip(headings, indexes, strict=True) if k is None]
        found = [k for k in indexes if k is not None]
        if missing or extra or found != sorted(found):
            parts = ([f"缺少{'、'.join(missing)}"] if missing else []) + (
                [f"多出{'、'.join(extra)}"] if extra else []) + (
                ["顺序不对"] if found != sorted(found) else [])
            yield row.finding("agency", "P4", "报告的章节不是格式规定的六个部分：" + "；".join(parts)
                              + "。请按国办公开办函〔2021〕30号的六个部分编排。", True)
    for key, text in texts:
        if not _may_state_parts(text):
            continue
        for m in _PARTS.finditer(text):
            said = m.group(1)
            count = int(said) if said.isdigit() else chinese_number(said.replace("两", "二"))
            context = text[max(0, m.start() - 120):m.start()]
            if count is None or not _ABOUT_REPORT.search(context + text[m.end():m.end() + 4]):
                continue
            listing = _LIST_START.split(context)[-1]
            named = sum(1 for words in _LISTED if any(w in listing for w in words))
            problem = ""
            if count != 6:
                problem = f"写的是「{m.group(0)}」，格式规定六个部分"
            elif named >= 3 and named != count:
                problem = f"说「{m.group(0)}」，却只列出 {named} 个"
            elif headings and len(headings) != count:
                problem = f"说「{m.group(0)}」，报告却印了 {len(headings)} 个部分"
            if problem:
                yield row.finding(key, "P4", f"“{_where(key)}”{problem}。请核对报告的结构和这句话。", True)
                break


def check_published(row: AgencyRow) -> list[Finding]:
    """The warnings P2–P4 of one row (imported or not)."""
    texts = _Texts(row)
    return [*_p2(row, texts), *_p3(row, texts), *_p4(row, texts)]
