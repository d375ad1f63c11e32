"""Narrative rules: R7 (numbers in the text agree with the tables), W3 and W4 (warnings).

R7 reads the counts a report's prose states ("共收到政府信息公开申请 5 件", "行政复议 0 宗",
"制发规范性文件三件") and compares each with the table cell(s) it names. The reader is deliberately
cautious: a number is only checked when its clause names exactly one countable the tables hold, the
unit is 件/宗/起/份, and nothing in the clause changes what is counted (其中, 同比, a different
year, a month, a channel, an applicant type, a percentage …). A number is an error only when no
accepted reading of the sentence fits the table.

W3 warns about an empty expected section, and about a section that repeats most of last year's
text. W4 warns when the text says there was no 行政复议 / 行政诉讼 (or that all were upheld) while
table 四 says otherwise.

Everything here is pure ``re``; regexes are compiled once at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from ..findings import Finding
from ..format.model import TEXT_FIELDS
from ..workbook.rows import AgencyRow

__all__ = ["check_narrative", "chinese_number", "repeated_share"]

# --- splitting --------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[。；;！!？?\n]+")
_PARENTHESIS = re.compile(r"[（(]([^（）()]*)[）)]")
# Clause breaks: Chinese comma and colons; an ASCII comma unless it groups thousands ("1,234").
_CLAUSE_BREAK = re.compile(r"[，：:]|,(?![0-9]{3}(?![0-9]))")
_BOOK_TITLE = re.compile(r"《[^》]*》")

# --- numbers ----------------------------------------------------------------------------------

_CN_DIGITS = "零〇一二两三四五六七八九十百"
_CN_VALUE = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_GAP = r"[ \u3000\u00a0]*"
# A count: a number (Arabic, half or full width, or simple Chinese) followed by 件/宗/起/份.
_COUNT = re.compile(
    r"(?P<num>(?<![0-9０-９.．A-Za-z])(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9０-９]+)(?![.．][0-9０-９])"
    rf"|(?<![第每逐统唯之万千几])[{_CN_DIGITS}]+)"
    rf"{_GAP}(?P<unit>件(?![次事])|宗|起(?!诉)|份)"
)
# A number with any other unit: the clause counts something else (条、次、个、人次 …).
_OTHER_UNIT = re.compile(
    rf"(?:[0-9０-９]|(?<![第每逐统唯之])[{_CN_DIGITS}]){_GAP}"
    r"(?:人次|件次|条|次|个|项|篇|家|名|人|批|户|倍|天|日|月|周|小时|万|千|亿|元|[%％‰]|季度)"
)
_YEAR = re.compile(
    r"(?<![0-9０-９])(?P<y>[12１２][0-9０-９]{3}|[一二][〇零一二三四五六七八九]{3})"
    rf"{_GAP}年"
)
_CARRY_TO_YEAR = re.compile(r"(?:结转|转入|转至)(?:至|到|入)?$")
# Dates that mean the whole report year: 截至（2024年）12月31日 / 截至年底 / 截至12月底, and the
# ranges 1月至12月 / 1-12月 / 1月1日至12月31日. They are blanked out of a clause (when any year
# they name is the report year), so that 截至 and 月 no longer mark a part of the year.
_YEAR_DIGITS = r"(?:[12１２][0-9０-９]{3}|[一二][〇零一二三四五六七八九]{3})"
_FULL_YEAR_OF = rf"(?:{_YEAR_DIGITS}{_GAP}年{_GAP}|本年度?|当年度?|今年)"
_NOT_DIGIT_BEFORE = r"(?<![0-9０-９零〇一二两三四五六七八九十百])"
_NOT_DIGIT_AFTER = r"(?![0-9０-９零〇一二两三四五六七八九十])"
_JAN = rf"{_NOT_DIGIT_BEFORE}(?:1|１|一)"
_DEC = rf"{_NOT_DIGIT_BEFORE}(?:12|１２|十二){_GAP}月份?"
_DEC_31 = rf"(?:31|３１|三十一){_GAP}[日号]"
_FULL_YEAR = re.compile(
    rf"(?:截至|截止)(?:到|至)?{_GAP}"
    rf"(?:{_FULL_YEAR_OF}?{_GAP}{_DEC}{_GAP}(?:{_DEC_31}|底|末)"
    rf"|(?:{_YEAR_DIGITS}{_GAP}年?|本年?|当年?|今年?)?{_GAP}年度?[底末])"
    rf"|{_FULL_YEAR_OF}?{_JAN}(?:{_GAP}月份?(?:{_GAP}{_JAN}{_GAP}[日号])?)?"
    rf"{_GAP}(?:至|到|[-－—–―~～]+){_GAP}{_FULL_YEAR_OF}?{_DEC}(?:{_GAP}(?:{_DEC_31}|底|末))?"
    rf"{_NOT_DIGIT_AFTER}"
)

# --- what a clause talks about ------------------------------------------------------------------

# Qualifiers that change what a number counts: the clause is left alone.
_QUALIFIER = re.compile(
    r"同比|环比|较上一?年|比上一?年|较去年|比去年|上年同期|去年|前年|较[ \u3000]*[0-9０-９]"
    r"|比[ \u3000]*[0-9０-９]|增长|下降|减少|增加|增幅|降幅|上升|持平|提高|翻番"
    r"|占|[%％‰]|百分之|约|左右|近[0-9０-９零〇一二两三四五六七八九十年期]|超过|超出|逾|不足|不到"
    r"|将近|至少|最多|以上|以下|以内"
    rf"|[0-9０-９{_CN_DIGITS}]{_GAP}[余多]|其余|剩余|[余多]{_GAP}[件宗起份]"
    r"|累计|历年|以来|平均|人均|每|各(?!类)|均为|都为|均是|合并"
    r"|人次|件次"
    r"|自然人|法人|其他组织|企业|科研机构|社会公益组织|法律服务机构"
    r"|网上|在线|线上|线下|信函|当面|邮寄|传真|邮件|现场|窗口|电话|网站|平台"
    r"|予以公开|部分公开|不予公开|无法提供|不予处理|不予受理|其他处理|不掌握|不属于|告知|转办"
    r"|补正|撤回|逾期|超期"
)
# Qualifiers that hold for the rest of the sentence ("其中：自然人 3 件，法人 2 件").
_STICKY = re.compile(r"其中|分别|包括|含|月|季度|上半年|下半年|截至|截止")

_TOPIC = re.compile(
    r"(?P<review>复议)"
    r"|(?P<suit>诉讼|起诉|应诉)"
    r"|(?P<normative>规范性文件)"
    r"|(?P<rules>规章(?!制度))"
    r"|(?P<apps>依申请公开事项|依申请|申请(?!人))"
    r"|(?P<other>建议|提案|许可|审批|处罚|强制|备案|赔偿|补贴|补助|资金|项目|注册|登记|救助|信访"
    r"|举报|投诉|咨询|留言|来信|工单|热线|诉求|信件|事项|会议|文件|政策|稿件|信息(?!公开)"
    r"|目录|清单|指南"
    # other things done to documents: the number counts them, not what the tables hold
    r"|修改|修订|修正|清理|审查|起草|评估|解读|宣传|培训|转发)"
)
# Verbs that say which figure of a countable is meant; the order of the alternatives matters
# (上年结转 before 结转, 未办结 before 办结, 结转下年度继续办理 before 办理).
_ASPECT = re.compile(
    r"(?P<carried_in>(?:上一?年度?|去年|前一年度?)的?(?:结转|转入|遗留|未办结)|(?:结转)?自上一?年度?(?:结转)?)"
    r"|(?P<carried_over>结转(?:至|到|入)?(?:下一?年度?|明年|次年|[0-9０-９]{4}年度?)(?:继续办理)?"
    r"|转入下一?年度?(?:继续办理)?|结转(?:继续办理)?|(?:尚|仍)?未办结|(?:正在|仍在|尚在)办理中?|办理中)"
    r"|(?P<results>办结|办理完毕|办理完成|处理完毕|答复(?!书|函|期限|时限|率|意见|口径))"
    r"|(?P<handled>(?:办理|处理)(?!结果|情况|流程|程序|工作|机制|制度|质量|时限|期限|规范|要求|能力"
    r"|水平|费|决定|方式|意见))"
    r"|(?P<new>收到|受理|新收|接收|接到|收悉)"
    r"|(?P<issued>制发|出台|印发|制定)"
    r"|(?P<repealed>废止|废除|宣布失效)"
    r"|(?P<in_force>现行有效|现行|仍然有效|继续有效|有效)"
)
_CARRIED_IN = re.compile(r"(?:上一?年度?|去年|前一年度?)的?(?:结转|转入|遗留|未办结)")
# A result of a review or suit (维持、纠错 …): the number is not the total.
_OUTCOME = re.compile(r"维持|纠正|纠错|撤销|驳回|败诉|胜诉|确认违法|审结|终止|撤诉|和解|其他结果")
_AFTER_REVIEW = re.compile(r"复议后|经复议")
# What may stand around a verb whose countable is carried over from the previous clause.
_FILLER = re.compile(
    r"(?:[\s\u3000、和及并且与又也加]|同时|已经|已|均|全部|都|一共|共计|合计|总计|共|计|为|达到|达|有"
    r"|了|的|依法|按时|按期|及时|予以|本年度|本年|全年|今年|年内|年度|当年|数量|件数|总数|总量|继续"
    r"|案件|案|政府信息公开|信息公开|政府信息|公开|类|相关|涉及|发生|提起|被|提出|新"
    r"|(?:我|本|该)(?:机关|单位|部门|街道|中心|[局委办厅院署区县市镇乡]))*"
)
_CASE_NOUN = re.compile(r"行政|复议|诉讼|案")  # 一起行政诉讼 (一起 alone means "together")
# The noun phrase right after a count ("收到 3 件政府信息公开申请").
_NOUN_PHRASE_END = re.compile(r"[、和及并且与]")
_NOUN_PHRASE_MAX_GAP = 10  # "3 件政府信息公开类行政复议": the noun may follow a few attributes

_APP_ASPECTS = frozenset({"new", "handled", "results", "carried_over", "carried_in"})
_DOC_ASPECTS = frozenset({"issued", "repealed", "in_force"})
_APPEAL_ASPECTS = frozenset({"new", "handled"})
_DOC_TOPICS = frozenset({"normative", "rules"})

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


# --- small helpers --------------------------------------------------------------------------------


def _has_unit(text: str) -> bool:
    """Cheap pre-test: could the text hold a count at all?"""
    return "件" in text or "宗" in text or "起" in text or "份" in text


def _text(row: AgencyRow, key: str) -> str:
    value = row.values.get(key)
    return value if isinstance(value, str) else ""


def _show(value: int | Decimal) -> str:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    return str(value)


def chinese_number(text: str) -> int | None:
    """A simple Chinese numeral (零 … 九百九十九, 两 for 二) as int, or None if malformed."""
    if len(text) == 1 and text in _CN_VALUE:
        return _CN_VALUE[text]
    rest, total = text, 0
    if "百" in rest:
        head, rest = rest.split("百", 1)
        if len(head) != 1 or _CN_VALUE.get(head, 0) == 0:
            return None
        total = _CN_VALUE[head] * 100
        if rest.startswith(("零", "〇")):
            rest = rest[1:]
            if len(rest) != 1 or _CN_VALUE.get(rest, 0) == 0:
                return None
    if "十" in rest:
        head, rest = rest.split("十", 1)
        if head == "" and total == 0:
            tens = 1
        elif len(head) == 1 and _CN_VALUE.get(head, 0) > 0:
            tens = _CN_VALUE[head]
        else:
            return None
        total += tens * 10
    if rest:
        if len(rest) != 1 or _CN_VALUE.get(rest, 0) == 0 or (rest == "两" and total):
            return None
        total += _CN_VALUE[rest]
    return total if total else None


def _number(text: str) -> int | None:
    if text[0] in _CN_DIGITS:
        return chinese_number(text)
    return int(text.replace(",", ""))  # int() reads full-width digits as well


def _year_value(text: str) -> int:
    if text[0] in _CN_VALUE:
        return int("".join(str(_CN_VALUE[c]) for c in text))
    return int(text)


def _years(clause: str) -> list[int]:
    """Calendar years a clause names (not the year something is carried over to)."""
    found = []
    for m in _YEAR.finditer(clause):
        if not _CARRY_TO_YEAR.search(clause, max(0, m.start() - 3), m.start()):
            found.append(_year_value(m["y"]))
    return found


def _without_full_year(clause: str, report_year: int | None) -> str:
    """The clause with dates that mean the whole report year blanked out (same length)."""
    if "截" not in clause and "月" not in clause:
        return clause
    for m in _FULL_YEAR.finditer(clause):
        named = _years(m.group())
        if named and (report_year is None or any(y != report_year for y in named)):
            continue  # another year, or a year that cannot be checked: the date stays
        clause = clause[: m.start()] + " " * (m.end() - m.start()) + clause[m.end() :]
    return clause


def _sentences(text: str) -> Iterator[str]:
    """Sentences of a narrative; a parenthetical remark is a sentence of its own."""
    for piece in _SENTENCE_END.split(text):
        if "（" not in piece and "(" not in piece:
            yield piece
            continue
        outer = _PARENTHESIS.sub("", piece)
        for sentence in (outer, *_PARENTHESIS.findall(piece)):
            if sentence.strip():
                yield sentence


def _quote(clause: str, end: int) -> str:
    fragment = clause[:end].strip()
    return fragment if len(fragment) <= 40 else "…" + fragment[-30:].lstrip()


# --- R7 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Analysis:
    topics: frozenset[str]
    aspects: frozenset[str]
    outcome: bool  # names a result of a review or suit
    after_review: bool  # 复议后起诉
    filler_only: bool  # nothing but verbs and filler words besides the topics


@dataclass(frozen=True)
class _Context:
    """What the previous clause or count of a sentence talked about."""

    topics: frozenset[str]
    aspects: frozenset[str]
    numberless: bool  # a clause without a count ("收到政府信息公开申请，共计 5 件")


def _analyse(fragment: str) -> _Analysis:
    text = _BOOK_TITLE.sub("", fragment)
    topics = frozenset(m.lastgroup for m in _TOPIC.finditer(text) if m.lastgroup)
    aspects = frozenset(m.lastgroup for m in _ASPECT.finditer(text) if m.lastgroup)
    remainder = _TOPIC.sub("", _ASPECT.sub("", text))
    return _Analysis(
        topics,
        aspects,
        bool(_OUTCOME.search(text)),
        bool(_AFTER_REVIEW.search(text)),
        _FILLER.fullmatch(remainder) is not None,
    )


def _resolve(topics: frozenset[str], aspects: frozenset[str], outcome: bool,
             after_review: bool) -> str | None:
    """The reading (key of _ALTERNATIVES) of one countable and its verbs, or None if unclear."""
    subjects = set(topics)
    if subjects & {"review", "suit"}:
        subjects.discard("apps")  # 行政复议申请 is a review, not a disclosure application
    if "other" in subjects or after_review:
        return None
    if subjects == {"review", "suit"}:
        base = "appeals"
    elif len(subjects) == 1:
        (base,) = subjects
    else:
        return None
    if base in ("review", "suit", "appeals"):
        return None if outcome or not aspects <= _APPEAL_ASPECTS else base
    if base == "apps":
        if len(aspects) > 1 or not aspects <= _APP_ASPECTS:
            return None
        return "apps." + (next(iter(aspects)) if aspects else "new")
    if len(aspects) != 1 or not aspects <= _DOC_ASPECTS:
        return None
    return f"{base}.{next(iter(aspects))}"


def _noun_phrase(suffix: str) -> str:
    """The text after a count up to the end of the first countable it names (or "")."""
    head = _NOUN_PHRASE_END.split(suffix, 1)[0]
    m = _TOPIC.search(head)
    return head[: m.end()] if m and m.start() <= _NOUN_PHRASE_MAX_GAP else ""


@dataclass(frozen=True)
class _Read:
    reading: str | None  # key of _ALTERNATIVES, None when the count is not read
    context: _Context | None  # the context for the next count of the sentence
    noun: str = ""  # the noun phrase after the count that named the countable, if any


def _read_count(
    prefix: str, suffix: str, latest: Callable[[], _Context | None], default_topic: str | None
) -> _Read:
    """The reading of one count from the text before it (and the noun after it), in context.

    ``latest()`` gives what the sentence talked about before; it is only asked when needed.
    """
    a = _analyse(prefix)
    topics, aspects = a.topics, a.aspects
    outcome, after_review = a.outcome, a.after_review
    noun_phrase = ""
    if not topics:
        noun_phrase = _noun_phrase(suffix)
        noun = _analyse(noun_phrase)
        # 共收到 3 件政府信息公开申请; 发生 1 起行政复议. A bare "3 件申请" (no verb) is unclear.
        if noun.topics and (aspects or not noun.topics <= {"apps"}):
            topics, aspects = noun.topics, aspects | noun.aspects
            outcome, after_review = outcome or noun.outcome, after_review or noun.after_review
        else:
            noun_phrase = ""
    if not topics:
        if not a.filler_only:
            return _Read(None, None)
        context = latest()
        if context is not None:  # 收到政府信息公开申请 3 件，办结 3 件
            topics = context.topics
            if not aspects:
                if not context.numberless:
                    return _Read(None, context)
                aspects = context.aspects  # 收到政府信息公开申请，共计 3 件
        elif aspects and (aspects <= {"carried_over", "carried_in"} or default_topic):
            topics = frozenset({default_topic or "apps"})
        else:
            return _Read(None, context)
    elif not aspects and topics <= _DOC_TOPICS:
        context = latest()
        if context is not None and context.topics <= _DOC_TOPICS:
            aspects = context.aspects  # 出台规章 0 件、规范性文件 2 件
    reading = _resolve(topics, aspects, outcome, after_review)
    return _Read(reading, _Context(topics, aspects, numberless=False), noun_phrase)


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
    prefix, column = reading.split(".")
    return f"表二“{_DOC_LABEL[prefix]}·{_DOC_COLUMN[column]}”为 {first}"


def _compare(row: AgencyRow, key: str, reading: str, stated: int, quote: str) -> Finding | None:
    sums: list[int | Decimal] = []
    for keys in _ALTERNATIVES[reading]:
        values = [row.figure(k) for k in keys]
        if any(v is None for v in values):
            return None  # a reading cannot be evaluated: the sentence may well be right
        sums.append(sum(v for v in values if v is not None))
    if stated in sums:
        return None
    table = "表三" if reading.startswith("apps.") else "表二" if "." in reading else "表四"
    return row.finding(
        key,
        "R7",
        f"「{quote}」与{table}不一致：正文为 {stated}，{_statement(row, reading, sums)}。"
        f"请核对正文或{table}，使两者一致。",
    )


class _Latest:
    """What a sentence talked about last; clauses without a count are analysed only on demand."""

    def __init__(self) -> None:
        self._context: _Context | None = None
        self._pending: list[str] = []  # clauses without a count since the last count

    def add_clause(self, clause: str) -> None:
        self._pending.append(clause)

    def set(self, context: _Context | None) -> None:
        self._context = context
        self._pending.clear()

    def __call__(self) -> _Context | None:
        while self._pending:
            view = _analyse(self._pending.pop())  # the most recent clause that names a countable
            if view.topics:
                self.set(_Context(view.topics, view.aspects, numberless=True))
        return self._context


def _r7_sentence(
    row: AgencyRow, key: str, sentence: str, default_topic: str | None
) -> Iterator[Finding]:
    report_year = row.year
    year: int | None = None
    latest = _Latest()
    for clause in _CLAUSE_BREAK.split(sentence):
        years = _years(clause)
        if years:
            year = years[-1]
        foreign_year = report_year is not None and any(
            y != report_year for y in (years or ([year] if year is not None else []))
        )
        original, clause = clause, _without_full_year(clause, report_year)
        if _STICKY.search(clause):
            return  # 其中 …: the rest of the sentence breaks a figure down
        counts = list(_COUNT.finditer(clause))
        if not counts:
            latest.add_clause(clause)
            continue
        skip = (
            foreign_year
            or bool(_QUALIFIER.search(_CARRIED_IN.sub("", clause)))
            or bool(_OTHER_UNIT.search(clause))
        )
        start = 0
        for i, m in enumerate(counts):
            end = counts[i + 1].start() if i + 1 < len(counts) else len(clause)
            prefix, suffix = clause[start : m.start()], clause[m.end() : end]
            start = m.end()
            read = _read_count(prefix, suffix, latest, default_topic)
            latest.set(read.context)
            reading = read.reading
            if skip or reading is None:
                continue
            if m["num"] == "一" and m["unit"] == "起" and not _CASE_NOUN.match(suffix):
                continue  # 一起 = "together"
            stated = _number(m["num"])
            if stated is None:
                continue
            quote = _quote(original, m.end() + len(read.noun))
            finding = _compare(row, key, reading, stated, quote)
            if finding is not None:
                yield finding


def _check_r7(row: AgencyRow) -> Iterator[Finding]:
    for key, _header, section, _expected in TEXT_FIELDS:
        text = _text(row, key)
        if not _has_unit(text):
            continue
        default_topic = "apps" if section == "applications" else None
        for sentence in _sentences(text):
            # Context never crosses a sentence: sentences without a count need no reading.
            if _has_unit(sentence) and _COUNT.search(sentence):
                yield from _r7_sentence(row, key, sentence, default_topic)


# --- W3 -------------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return "".join(text.split())  # str.split() knows full-width and no-break spaces


def repeated_share(current: str, previous: str) -> float:
    """The share (by characters) of last year's sentences found verbatim in this year's text."""
    now = _squash(current)
    sentences = [s for s in _SENTENCE_END.split(_squash(previous))
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
        for sentence in _SENTENCE_END.split(text):
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
        for sentence in _SENTENCE_END.split(_text(row, key)):
            m = _NO_APPLICATIONS.search(sentence)
            if m and "复议" not in sentence and "诉讼" not in sentence:
                yield row.finding(
                    key, "W5",
                    f"正文说「{m.group()}」，但表三“本年新收”总计为 {_show(new or 0)}、"
                    f"“上年结转”总计为 {_show(carried_in or 0)}。请核对正文或表三。",
                    warning=True)
                return


def check_narrative(row: AgencyRow, previous: AgencyRow | None = None) -> Iterator[Finding]:
    """Findings of R7 (errors), W3, W4 and W5 (warnings) for one agency's narrative.

    ``previous`` is the same agency's row of last year's workbook (for the W3 repetition check).
    """
    yield from _check_empty(row)
    yield from _check_r7(row)
    yield from _check_w4(row)
    yield from _check_no_applications(row)
    if previous is not None:
        yield from _check_repeated(row, previous)
