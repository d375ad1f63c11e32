"""Reading the narrative: which counts a report's sentences state, and what each one counts.

A count ("共收到政府信息公开申请 5 件", "行政复议 0 宗", "制发规范性文件三件", "予以公开 2 件") is
read only when its clause names exactly one countable the tables hold, the unit is 件/宗/起/份,
and nothing in the clause changes what is counted (同比, a different year, a month, a channel,
an applicant type, a percentage …). A sentence that cannot be read with confidence yields
nothing: a missed mismatch costs less than a false alarm.

The result is a stream of :class:`StatedCount` (a *reading* such as ``apps.new`` or
``apps.granted``, the number, and the words quoted); :mod:`.narrative` compares them with the
tables. Pure ``re``; regexes are compiled once at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from .fastre import compile_fast
from .numerals import CN_DIGITS, COUNT, GAP, OTHER_UNIT, YEAR, number, without_full_year, years

__all__ = ["NEW_ONLY", "SENTENCE_END", "StatedCount", "has_unit", "sentences", "stated_counts"]

# --- splitting --------------------------------------------------------------------------------

SENTENCE_END = re.compile(r"[。；;！!？?\n]+")
_PARENTHESIS = re.compile(r"[（(]([^（）()]*)[）)]")
# Clause breaks: Chinese comma and colons; an ASCII comma unless it groups thousands ("1,234").
_CLAUSE_BREAK = re.compile(r"[，：:]|,(?![0-9]{3}(?![0-9]))")
_BOOK_TITLE = re.compile(r"《[^》]*》")

# --- what a clause talks about ------------------------------------------------------------------

# Qualifiers that change what a number counts: the clause is left alone.
_QUALIFIER = compile_fast(
    r"同比|环比|较上一?年|比上一?年|较去年|比去年|上年同期|去年|前年|较[ \u3000]*[0-9０-９]"
    r"|比[ \u3000]*[0-9０-９]|增长|下降|减少|增加|增幅|降幅|上升|持平|提高|翻番"
    r"|占|[%％‰]|百分之|约|左右|近[0-9０-９零〇一二两三四五六七八九十年期]|超过|超出|逾|不足|不到"
    r"|将近|至少|最多|以上|以下|以内"
    rf"|[0-9０-９{CN_DIGITS}]{GAP}[余多]|其余|剩余|[余多]{GAP}[件宗起份]"
    r"|累计|历年|以来|平均|人均|每|各(?!类)|均为|都为|均是|合并"
    r"|人次|件次"
    r"|自然人|法人|其他组织|企业|科研机构|社会公益组织|法律服务机构"
    r"|网上|在线|线上|线下|信函|当面|邮寄|传真|邮件|现场|窗口|电话|网站|平台"
    r"|予以公开|部分公开|不予公开|无法提供|不予处理|不予受理|其他处理|不掌握|不属于|告知|转办"
    r"|补正|撤回|逾期|超期"
)
# Qualifiers that hold for the rest of the sentence ("其中：自然人 3 件，法人 2 件").
_STICKY = re.compile(r"其中|分别|包括|含|月|季度|上半年|下半年|截至|截止")

_TOPIC = compile_fast(
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
_ASPECT = compile_fast(
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
_FILLER_WORDS = (
    r"[\s\u3000、和及并且与又也加]|同时|已经|已|均|全部|都|一共|共计|合计|总计|共|计|为|达到|达|有"
    r"|了|的|依法|按时|按期|及时|予以|本年度|本年|全年|今年|年内|年度|当年|数量|件数|总数|总量|继续"
    r"|案件|案|政府信息公开|信息公开|政府信息|公开|类|相关|涉及|发生|提起|被|提出|新"
    r"|(?:我|本|该)(?:机关|单位|部门|街道|中心|[局委办厅院署区县市镇乡])"
)
_FILLER = re.compile(f"(?:{_FILLER_WORDS})*")
_CASE_NOUN = re.compile(r"行政|复议|诉讼|案")  # 一起行政诉讼 (一起 alone means "together")
# The noun phrase right after a count ("收到 3 件政府信息公开申请").
_NOUN_PHRASE_END = re.compile(r"[、和及并且与]")
_NOUN_PHRASE_MAX_GAP = 10  # "3 件政府信息公开类行政复议": the noun may follow a few attributes

_APP_ASPECTS = frozenset({"new", "handled", "results", "carried_over", "carried_in"})
_DOC_ASPECTS = frozenset({"issued", "repealed", "in_force"})
_APPEAL_ASPECTS = frozenset({"new", "handled"})
_DOC_TOPICS = frozenset({"normative", "rules"})

# The six kinds of result in table 三 (（一）…（六）); 部分 before 予以, 不予以 before 予以.
_CATEGORY = compile_fast(
    r"(?P<partial>部分(?:予以)?公开)|(?P<denied>不予以?公开)|(?P<unavailable>无法提供)"
    r"|(?P<rejected>不予处理)|(?P<other>其他处理)|(?P<granted>予以公开|全部公开)"
)
# What may stand around result counts without narrowing the applications they count
# ("在办结的申请中，予以公开 5 件、部分公开 2 件"); "在涉及征收的申请中" is not filler.
_RESULT_FILLER = re.compile(
    rf"(?:{_FILLER_WORDS}|[，,：:]|其中|包括|含|在|中|方面|从|来看|看|按|分|办理结果|结果|情况|具体|决定|作)*"
)
# Between a result and its count: "予以公开的 5 件", "部分公开申请 2 件", never "予以公开政府信息 30 件".
_RESULT_GAP = re.compile(r"(?:[\s\u3000]|的|为|有|共计|合计|共|计|了|申请|类)*")
_APPS = re.compile(r"依申请公开事项|依申请|申请(?!人)")

# --- small helpers --------------------------------------------------------------------------------


def has_unit(text: str) -> bool:
    """Cheap pre-test: could the text hold a count at all?"""
    return "件" in text or "宗" in text or "起" in text or "份" in text


def sentences(text: str) -> Iterator[str]:
    """Sentences of a narrative; a parenthetical remark is a sentence of its own."""
    for piece in SENTENCE_END.split(text):
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


class _Analysis(NamedTuple):
    topics: frozenset[str]
    aspects: frozenset[str]
    outcome: bool  # names a result of a review or suit
    after_review: bool  # 复议后起诉
    filler_only: bool  # nothing but verbs and filler words besides the topics


class _Context(NamedTuple):
    """What the previous clause or count of a sentence talked about."""

    topics: frozenset[str]
    aspects: frozenset[str]
    numberless: bool  # a clause without a count ("收到政府信息公开申请，共计 5 件")


def _without(text: str, matches: list[re.Match[str]]) -> str:
    """``text`` with the ``matches`` of a pattern taken out (its ``sub("", text)``)."""
    kept, done = [], 0
    for m in matches:
        kept.append(text[done:m.start()])
        done = m.end()
    kept.append(text[done:])
    return "".join(kept)


def _analyse(fragment: str) -> _Analysis:
    if not fragment:
        return _NOTHING_SAID
    text = _BOOK_TITLE.sub("", fragment) if "《" in fragment else fragment
    named, verbs = list(_TOPIC.finditer(text)), list(_ASPECT.finditer(text))
    topics = frozenset([g for m in named if (g := m.lastgroup)]) if named else _NO_WORDS
    aspects = frozenset([g for m in verbs if (g := m.lastgroup)]) if verbs else _NO_WORDS
    # _TOPIC.sub("", _ASPECT.sub("", text)), from the matches at hand where they are the same
    remainder = (_TOPIC.sub("", _without(text, verbs)) if verbs
                 else _without(text, named) if named else text)
    return _Analysis(
        topics,
        aspects,
        bool(_OUTCOME.search(text)),
        bool(_AFTER_REVIEW.search(text)),
        _FILLER.fullmatch(remainder) is not None,
    )


_NO_WORDS: frozenset[str] = frozenset()
_NOTHING_SAID = _Analysis(_NO_WORDS, _NO_WORDS, False, False, _FILLER.fullmatch("") is not None)


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
    if not suffix:
        return ""
    head = _NOUN_PHRASE_END.split(suffix, 1)[0]
    m = _TOPIC.search(head)
    return head[: m.end()] if m and m.start() <= _NOUN_PHRASE_MAX_GAP else ""


class _Read(NamedTuple):
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


@dataclass(frozen=True)
class StatedCount:
    """A count the text states: what it counts (a key of the narrative's readings), the number,
    and the words quoted in a finding."""

    reading: str
    value: int
    quote: str


NEW_ONLY = "@new"  # a reading's mark: it counts the results of this year's new applications
_NOT_READ = _Context(frozenset({"other"}), frozenset(), numberless=False)


def _result_reading(before: str, prefix: str, suffix: str, last: bool) -> str | None:
    """``apps.granted`` … for "予以公开 5 件" when nothing around it narrows what is counted.

    ``before`` is the sentence up to ``prefix`` (the text since the previous count).
    """
    found = list(_CATEGORY.finditer(prefix))
    if len(found) != 1:
        return None
    m = found[0]
    if _RESULT_GAP.fullmatch(prefix[m.end():]) is None:
        return None
    around = before + prefix[: m.start()] + ("，" + suffix if last else "")
    said = before + prefix
    if not (_APPS.search(said) or "办结" in said or said.lstrip().startswith("其中")):
        return None  # nothing says these are applications (其中 refers to the sentence before)
    rest = _APPS.sub("", _ASPECT.sub("", _CATEGORY.sub("", COUNT.sub("", YEAR.sub("", around)))))
    if _RESULT_FILLER.fullmatch(rest) is None:
        return None
    aspects = {a.lastgroup for a in _ASPECT.finditer(around)}
    if not aspects <= {"results", "handled", "new"}:
        return None  # 上年结转的申请中 … / 结转下年 …: a part of the applications
    # "收到申请 10 件，其中予以公开 5 件" counts the new applications' results: the same figure
    # only when nothing was carried in (the narrative checks that).
    return f"apps.{m.lastgroup}" + (NEW_ONLY if "new" in aspects else "")


def _sentence_counts(sentence: str, report_year: int | None,
                     default_topic: str | None) -> Iterator[StatedCount]:
    year: int | None = None
    latest = _Latest()
    broken_down = False  # after 其中 …: the rest of the sentence breaks a figure down
    before = "申请，" if default_topic == "apps" else ""
    for clause in _CLAUSE_BREAK.split(sentence):
        named = years(clause)
        if named:
            year = named[-1]
            foreign_year = report_year is not None and any(y != report_year for y in named)
        else:  # the year named last in the sentence
            foreign_year = report_year is not None and year is not None and year != report_year
        original, clause = clause, without_full_year(clause, report_year)
        sticky = {m.group() for m in _STICKY.finditer(clause)} if _STICKY.search(clause) else None
        if sticky:
            if not sticky <= {"其中", "包括", "含"}:
                return  # a month, a quarter, 截至 a date, 分别: a part of the figure
            broken_down = True
        counts = list(COUNT.finditer(clause))
        if not counts:
            latest.add_clause(clause)
            before += clause + "，"
            continue
        other_unit = bool(OTHER_UNIT.search(clause))
        skip = foreign_year or other_unit or bool(_QUALIFIER.search(_CARRIED_IN.sub("", clause)))
        start = 0
        for i, m in enumerate(counts):
            end = counts[i + 1].start() if i + 1 < len(counts) else len(clause)
            prefix, suffix = clause[start : m.start()], clause[m.end() : end]
            begin, start = start, m.end()
            category = _CATEGORY.search(prefix)
            result = None
            if category and not foreign_year and not other_unit:
                result = _result_reading(before + clause[:begin], prefix, suffix,
                                         i + 1 == len(counts))
            if result is not None:
                read = _Read(result, _NOT_READ)
            elif category or broken_down:
                read = _Read(None, _NOT_READ)
            else:
                read = _read_count(prefix, suffix, latest, default_topic)
            latest.set(read.context)
            reading = read.reading
            if reading is None or (skip and result is None):
                continue
            if m["num"] == "一" and m["unit"] == "起" and not _CASE_NOUN.match(suffix):
                continue  # 一起 = "together"
            stated = number(m["num"])
            if stated is None:
                continue
            if result is not None:  # "予以公开 5 件" is quoted from its own words
                words = original[begin : m.end()]
                quote = _quote(words.lstrip(" \u3000、和及与"), len(words))
            else:
                quote = _quote(original, m.end() + len(read.noun))
            yield StatedCount(reading, stated, quote)
        before += clause + "，"


def stated_counts(text: str, report_year: int | None,
                  default_topic: str | None = None) -> Iterator[StatedCount]:
    """Every count of a narrative that can be read with confidence.

    ``default_topic`` ("apps" in section 三) is what a bare "受理 2 件" counts.
    """
    if not has_unit(text):
        return
    for sentence in sentences(text):
        # Context never crosses a sentence: sentences without a count need no reading.
        if has_unit(sentence) and COUNT.search(sentence):
            yield from _sentence_counts(sentence, report_year, default_topic)
