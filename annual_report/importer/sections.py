"""The title, the six section headings as printed, and the paragraphs of each section.

A heading is a short paragraph starting with its numeral (一、 … 六、, tolerant of spacing, full
width and the punctuation after the numeral) that names its section's words, found in order:
「五、存在问题和改进情况」 and 「五、政府信息公开工作存在的主要问题及改进情况」 are both section 五.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from ..checks.published import NUMERALS, SECTION_WORDS
from ..format.model import SECTIONS
from .blocks import PAGE_NUMBER, Block, Para, norm, tidy

_WORDS = SECTION_WORDS
_HEADING = re.compile(r"^\s*([一二三四五六七八九十])\s*[、.．，,:：\s]\s*(.*)$")
HEADING_MAX = 40
TITLE = re.compile(
    r"^(?P<agency>.*?)(?:关于)?(?P<year>(?:19|20)\d{2})\s*年\s*(?:度)?\s*(?:政府)?信息公开(?:工作)?\s*"
    r"(?:年度)?报告\s*$"
)
TITLE_YEAR_FIRST = re.compile(  # 「2024年丽水市政府信息公开工作年度报告」
    r"^(?P<year>(?:19|20)\d{2})\s*年\s*(?:度)?\s*(?P<agency>[^，。；：]{2,40}?)\s*(?:政府)?信息公开(?:工作)?\s*"
    r"(?:年度)?报告\s*$"
)
TITLE_YEAR_LAST = re.compile(  # 「某局政府信息公开工作年度报告（2024年度）」
    r"^(?P<agency>[^，。；：]{2,40}?)\s*(?:政府)?信息公开(?:工作)?\s*(?:年度)?报告\s*"
    r"[（(]\s*(?P<year>(?:19|20)\d{2})\s*年?\s*(?:度)?\s*[)）]\s*$"
)
TITLE_NO_YEAR = re.compile(  # 「某局政府信息公开工作年度报告」: the year is asked for (--year)
    r"^(?P<agency>[^，。；：]{2,40}?)\s*(?:政府)?信息公开(?:工作)?\s*年度报告\s*$"
)
_DATE = re.compile(r"^(?P<before>.{0,40}?)\s*(?P<y>[0-9〇零○一二三四五六七八九]{4})\s*年\s*"
                   r"(?P<m>[0-9一二三四五六七八九十]{1,3})\s*月\s*(?P<d>[0-9一二三四五六七八九十]{1,3})\s*日$")
_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0}


def _cn_int(text: str) -> int | None:
    """「2025」「二〇二五」「十二」「二十一」 -> int."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_CN_DIGIT.get(tens, -99) if tens else 1) * 10 + (_CN_DIGIT.get(ones, -99) if ones else 0)
        return value if value > 0 else None
    digits = [_CN_DIGIT.get(c) for c in text]
    return int("".join(str(d) for d in digits)) if all(d is not None for d in digits) else None


def parse_printed_date(text: str) -> tuple[str, dt.date | None] | None:
    """``(text before the date, date)`` of a line ending in a date such as 「2025年1月20日」 or
    「二〇二五年一月二十日」 (date None when it is not a real date); None for no date."""
    match = _DATE.match(unicodedata.normalize("NFKC", tidy(text)))
    if match is None or re.search(r"[，。；：:至截自起止于]", match.group("before")):
        return None
    parts = [_cn_int(match.group(k)) for k in ("y", "m", "d")]
    try:
        date = dt.date(*parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
    except ValueError:
        date = None
    return match.group("before").strip(), date
_AGENCY_END = ("局", "办", "委", "政府", "处", "中心", "院", "会", "所", "室", "站", "队", "馆", "分局", "厅")
_JUNK = ("打印本页", "关闭窗口", "扫一扫", "分享到", "网站地图", "主办单位", "版权所有", "ICP备",
         "网站标识码", "【打印】", "【关闭】", "上一篇", "下一篇", "相关链接", "纠错", "友情链接",
         "承办单位", "技术支持", "联系我们")


@dataclass
class Sections:
    title: str = ""
    agency: str = ""
    year: int | None = None
    preamble: list[str] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)  # section id -> heading as printed
    order: list[str] = field(default_factory=list)  # every top-level heading found, in order
    texts: dict[str, list[str]] = field(default_factory=dict)  # section id -> paragraphs
    report_date: dt.date | None = None
    signature: str = ""
    notes: list[str] = field(default_factory=list)


def heading_of(text: str, index: int) -> tuple[str, str] | None:
    """``(heading, rest)`` when the paragraph starts with the heading of section ``index``."""
    match = _HEADING.match(unicodedata.normalize("NFKC", text).replace("\u3000", " "))
    if match is None and norm(text) in _UNNUMBERED[index]:
        # numbered by a Word list style, the number is not in the text: print it as it shows
        return f"{NUMERALS[index]}、{tidy(text)}", ""
    if match is None or match.group(1) != NUMERALS[index]:
        return None
    words = _WORDS[SECTIONS[index].id]
    whole = tidy(text)
    standard = SECTIONS[index].heading
    if len(whole) > len(standard) and whole.startswith(standard):
        return standard, whole[len(standard):].lstrip("。：: ")  # 「一、总体情况2024年，……」
    if len(whole) <= HEADING_MAX and "。" not in whole.rstrip("。"):
        return (whole, "") if any(w in norm(whole) for w in words) else None
    head = re.match(r"^(.{3,30}?)[。：:]", whole)  # a run-in heading: 「一、总体情况。2024年……」
    if head and any(w in norm(head.group(1)) for w in words):
        return head.group(1), whole[head.end():].strip()
    return None


_UNNUMBERED: tuple[frozenset[str], ...] = tuple(
    frozenset({norm(s.heading[2:])} | ({norm("存在问题和改进情况"), norm("存在的主要问题及改进措施")}
                                      if s.id == "problems" else set()))
    for s in SECTIONS)


def _names_agency(text: str) -> bool:
    return tidy(text).endswith(_AGENCY_END) and not re.search(r"[，。；：:《》>＞|｜]", text)


def find_title(paragraphs: list[str], hint: str = "") -> tuple[str, str, int | None, int]:
    """``(title, agency, year, index after the title)`` from the paragraphs before section 一."""
    for start in range(len(paragraphs) - 1, -1, -1):
        for width in (1, 2, 3):
            joined = "".join(tidy(p) for p in paragraphs[start:start + width])
            match = TITLE.match(joined)
            if not match or re.search(r"[，。；：:《》>＞|｜]", match.group("agency")):
                match = TITLE_YEAR_FIRST.match(joined) or TITLE_YEAR_LAST.match(joined)
                if match:
                    return joined, match.group("agency").strip(), int(match.group("year")), start + width
                match = TITLE_NO_YEAR.match(joined)
                if match and _names_agency(match.group("agency")):
                    return joined, match.group("agency").strip(), None, start + width
                continue
            before = tidy(paragraphs[start - 1]) if start else ""
            if not match.group("agency").strip() and before and len(before) <= 40 \
                    and not re.search(r"[，。；：>＞]", before):
                joined, match = before + joined, TITLE.match(before + joined)  # 机关 on its own line
                assert match is not None
            return (joined, match.group("agency").strip(), int(match.group("year")), start + width)
    match = TITLE.match(tidy(hint).split("_")[0].split("-")[0].strip())
    if match:
        return match.group(0), match.group("agency").strip(), int(match.group("year")), 0
    return "", "", None, 0


_FOOTER_MAX = 80
_NUMBERED = re.compile(r"^\s*(?:[（(][一二三四五六七八九十0-9]{1,3}[）)]"
                       r"|[0-9]{1,2}[、.．]|[一二三四五六七八九十]{1,3}[、.．])")
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|‘[^’]*’|『[^』]*』|\"[^\"]*\"")


def _footer_line(text: str) -> bool:
    """A web page's footer line (「【打印本页】【关闭窗口】」, 「主办单位：……」), not a sentence
    of the report that names the same words (「处理网民纠错留言5条。」, 「（三）网站纠错」,
    「对“相关链接”栏目开展核查，清理失效链接12个」): short, no sentence end, no comma, not
    numbered, and the word not quoted."""
    line = tidy(text)
    bare = _QUOTED.sub("", line)
    return (any(j in bare for j in _JUNK) and len(line) <= _FOOTER_MAX and "，" not in line
            and not line.endswith(("。", "；", "！", "？", ";")) and not _NUMBERED.match(line))


def _sentence(text: str) -> bool:
    line = tidy(text)
    return len(line) >= 20 and line.endswith(("。", "；", "！", "？"))


def _cut_footer(paras: list[str], sections: Sections) -> list[str]:
    """Cut a web page's footer: from the first footer line after which the report says no more
    (no sentence follows it)."""
    for i, text in enumerate(paras):
        if _footer_line(text) and not any(_sentence(p) for p in paras[i + 1:]):
            sections.notes.append(f"第六部分从「{tidy(text)[:20]}」起是网页的页脚，不是报告的内容，没有作为正文导入。")
            return paras[:i]
    return paras


_FOOTER_TOKEN = re.compile(r"[【\[［]\s*(?:打印本页|打印|关闭窗口|关闭|返回顶部|收藏|纠错)\s*[】\]］]")


def _signature_like(text: str, agency: str) -> bool:
    line = tidy(text)
    return bool(agency and norm(line) == norm(agency)) or (
        len(line) <= 30 and line.endswith(_AGENCY_END) and not re.search(r"[，。；：]", line))


def _report_date(text: str, agency: str) -> tuple[str, dt.date | None] | None:
    """The 成文日期 of a line that is a date, or a signature and a date 「某局 2025年1月20日」;
    not a sentence that ends in a date 「本报告数据统计时点为2024年12月31日」."""
    printed = parse_printed_date(text)
    if printed is None or (printed[0] and not _signature_like(printed[0], agency)):
        return None
    return printed


def _without_tokens(text: str, agency: str) -> str:
    """「2025年1月20日 【打印本页】【关闭窗口】」 (a page printed to PDF sets them on one line) as
    the date alone; any other paragraph as it is (a report may print 【纠错】 in a sentence)."""
    stripped = _FOOTER_TOKEN.sub("", text).strip()
    return stripped if stripped != text.strip() and stripped and (
        _report_date(stripped, agency) or _signature_like(stripped, agency)) else text


def _cut_signature(paras: list[str], agency: str, sections: Sections) -> list[str]:
    paras = _cut_footer([_without_tokens(p, agency) for p in paras], sections)
    dates = [i for i in range(max(0, len(paras) - 10), len(paras))
             if _report_date(paras[i], agency) is not None]
    if dates and dates[-1] < len(paras) - 1:
        tail = paras[dates[-1] + 1:]
        sections.notes.append(f"成文日期之后的 {len(tail)} 段（「{tidy(tail[0])[:20]}」……）不是报告的内容，"
                              "没有作为正文导入。")
        paras = paras[:dates[-1] + 1]
    while paras:
        last = tidy(paras[-1])
        printed = _report_date(last, agency)
        if printed is not None and sections.report_date is None:
            before, date = printed
            if date is None:
                sections.notes.append(f"成文日期「{last}」不是有效日期，未导入。")
            sections.report_date = date
            paras = paras[:-1] + ([before] if before else [])  # 「某局 2025年1月20日」 on one line
            if date is None:
                break
            continue
        if _signature_like(last, agency):
            sections.signature = last
            paras = paras[:-1]
            continue
        break
    return paras


_CHROME = ("发布时间", "发布日期", "来源：", "来源:", "浏览次数", "阅读次数", "访问次数", "字号",
           "分享到", "打印本页", "关闭窗口", "【打印】", "【关闭】", "扫一扫", "索引号", "信息来源")


def _chrome(text: str) -> bool:
    """A web page's article line before the report (发布时间、来源、字号、分享到 …)."""
    line = tidy(text)
    return any(w in line for w in _CHROME) and len(line) <= 120 and not line.endswith("。")


# 「（一）第二十条第（一）项」 alone in a paragraph: a caption of a part of table 二, no text.
_TABLE2_CAPTION = re.compile(
    r"(?:[（(][一二三四五六七八][）)]|[一二三四五六七八][、.．]|[1-8][、.．])?\s*"
    r"第二十条第\s*[（(][一二三四五六七八九十]+[）)]\s*项[:：]?$")


def split_sections(blocks: list[Block], hint: str = "") -> Sections:
    """Title, headings and paragraphs of each section (tables are read apart, by labels)."""
    paras = [b.text for b in blocks if isinstance(b, Para) and b.text.strip()
             and not PAGE_NUMBER.match(b.text.strip())]
    sections = Sections()
    found: list[tuple[int, int, str, str]] = []  # paragraph index, section index, heading, rest
    nxt = 0
    for i, text in enumerate(paras):
        for k in range(nxt, len(SECTIONS)):
            hit = heading_of(text, k)
            if hit:
                found.append((i, k, *hit))
                nxt = k + 1
                break
    first = found[0][0] if found else len(paras)
    sections.title, sections.agency, sections.year, after = find_title(paras[:first], hint)
    sections.preamble = ([tidy(p) for p in paras[after:first] if not _chrome(p)]
                         if sections.title else [])
    bounds = [i for i, *_ in found] + [len(paras)]
    for n, (i, k, heading, rest) in enumerate(found):
        sid = SECTIONS[k].id
        sections.headings[sid] = heading
        sections.order.append(heading)
        body = ([rest] if rest else []) + paras[i + 1:bounds[n + 1]]
        if sid == "proactive":  # the captions of table 二's parts, printed above each part
            body = [text for text in body if not _TABLE2_CAPTION.match(tidy(text))]
        if sid == "other":
            body = _extra_headings(body, sections)
            body = _cut_signature(body, sections.agency, sections)
        sections.texts[sid] = body
    return sections


def _extra_headings(body: list[str], sections: Sections) -> list[str]:
    """Headings after 六 (七、…) are recorded: the format has six sections."""
    for i, text in enumerate(body):
        match = _HEADING.match(unicodedata.normalize("NFKC", text))
        if match and match.group(1) in "七八九十" and len(tidy(text)) <= HEADING_MAX:
            sections.order.append(tidy(text))
            sections.notes.append(f"第六部分之后还有「{tidy(text)}」：格式只有六个部分，其后的文字并入第六部分。")
            return body[:i] + body[i + 1:]
    return body


_IMPROVE_START = re.compile(
    r"^\s*(?:[（(][二2][）)]|二[、.．]|2[、.．])?\s*(改进|整改|下一步|今后|措施|工作计划|努力方向)")


def split_problems(paras: list[str]) -> tuple[list[str], list[str]]:
    """Section 五 into (problems, improvements): at the first paragraph that starts the
    improvements (「改进措施：」, 「（二）改进情况」, 「二、下一步工作」 …)."""
    for i, text in enumerate(paras):
        if _IMPROVE_START.match(unicodedata.normalize("NFKC", text)):
            return paras[:i], paras[i:]
    return paras, []
