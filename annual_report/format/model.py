"""The national format of the annual report, declared once.

Everything else derives from this module: the blank workbook's columns and headers, the reader's
header matching, the arithmetic rules, the template context and the variable documentation.
The official labels are copied verbatim from 国办公开办函〔2021〕30号 (see the project's spec).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass


class Kind(enum.Enum):
    """What a field holds and therefore how a cell is read and checked."""

    NAME = "name"  # the agency's full name
    YEAR = "year"  # a calendar year
    EMAIL = "email"  # one or more e-mail addresses
    DATE = "date"  # 成文日期
    TEXT = "text"  # narrative, one paragraph per line
    LINE = "line"  # a one-line text (custom title or heading)
    COUNT = "count"  # a non-negative integer
    MONEY_WAN = "money_wan"  # 万元, up to 4 decimals
    MONEY_YUAN = "money_yuan"  # 元, up to 2 decimals

    @property
    def is_figure(self) -> bool:
        return self in (Kind.COUNT, Kind.MONEY_WAN, Kind.MONEY_YUAN)

    @property
    def decimals(self) -> int:
        return {Kind.MONEY_WAN: 4, Kind.MONEY_YUAN: 2}.get(self, 0)


@dataclass(frozen=True)
class Section:
    """One of the six numbered sections of the report."""

    id: str
    heading: str  # verbatim official heading


SECTIONS: tuple[Section, ...] = (
    Section("overview", "一、总体情况"),
    Section("proactive", "二、主动公开政府信息情况"),
    Section("applications", "三、收到和处理政府信息公开申请情况"),
    Section("appeals", "四、政府信息公开行政复议、行政诉讼情况"),
    Section("problems", "五、存在的主要问题及改进情况"),
    Section("other", "六、其他需要报告的事项"),
)
SECTION_BY_ID = {s.id: s for s in SECTIONS}


@dataclass(frozen=True)
class Field:
    """One cell of an agency's row: its key, how it is read, and where it sits in the report."""

    key: str
    kind: Kind
    header: str  # unique Chinese column header of the blank workbook
    group: str  # the group (section or table) the column belongs to, for the merged header row
    subgroup: str  # the official row label (tables) or a short description, second header row
    label: str  # the verbatim official label of the figure (row label · column label for tables)
    required: bool
    note: str = ""  # how to fill it, for the 填表说明 sheet and the docs
    table: str | None = None  # "二", "三" or "四"
    row: str | None = None  # table row key, e.g. "denied.state_secret"
    column: str | None = None  # table column key, e.g. "natural"

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))


# --- Table 三 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppRow:
    """A row of table 三: key, verbatim label, the label of its group (if any), short header."""

    key: str
    label: str
    short: str
    group: str = ""  # 三、本年度办理结果 block label for result rows
    subgroup: str = ""  # （三）不予公开 etc. for the rows they span


APP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("nonprofit", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
APPLICANT_COLUMNS: tuple[str, ...] = tuple(c for c, _ in APP_COLUMNS if c != "total")
APP_COLUMN_LABEL = dict(APP_COLUMNS)

RESULTS = "三、本年度办理结果"
_DENIED = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_REJECTED = "（五）不予处理"
_OTHER = "（六）其他处理"

APP_ROWS: tuple[AppRow, ...] = (
    AppRow("new", "一、本年新收政府信息公开申请数量", "一、本年新收"),
    AppRow("carried_in", "二、上年结转政府信息公开申请数量", "二、上年结转"),
    AppRow("granted", "（一）予以公开", "（一）予以公开", RESULTS),
    AppRow(
        "partial",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "（二）部分公开",
        RESULTS,
    ),
    AppRow("denied.state_secret", "1.属于国家秘密", "（三）1.国家秘密", RESULTS, _DENIED),
    AppRow("denied.prohibited", "2.其他法律行政法规禁止公开", "（三）2.法规禁止公开", RESULTS, _DENIED),
    AppRow("denied.security", "3.危及“三安全一稳定”", "（三）3.三安全一稳定", RESULTS, _DENIED),
    AppRow("denied.third_party", "4.保护第三方合法权益", "（三）4.第三方权益", RESULTS, _DENIED),
    AppRow("denied.internal", "5.属于三类内部事务信息", "（三）5.内部事务信息", RESULTS, _DENIED),
    AppRow("denied.deliberative", "6.属于四类过程性信息", "（三）6.过程性信息", RESULTS, _DENIED),
    AppRow("denied.enforcement_file", "7.属于行政执法案卷", "（三）7.行政执法案卷", RESULTS, _DENIED),
    AppRow("denied.query", "8.属于行政查询事项", "（三）8.行政查询事项", RESULTS, _DENIED),
    AppRow(
        "unavailable.not_held", "1.本机关不掌握相关政府信息", "（四）1.不掌握", RESULTS, _UNAVAILABLE
    ),
    AppRow(
        "unavailable.needs_creation",
        "2.没有现成信息需要另行制作",
        "（四）2.需另行制作",
        RESULTS,
        _UNAVAILABLE,
    ),
    AppRow(
        "unavailable.unclear", "3.补正后申请内容仍不明确", "（四）3.补正后不明确", RESULTS, _UNAVAILABLE
    ),
    AppRow("rejected.petition", "1.信访举报投诉类申请", "（五）1.信访举报投诉", RESULTS, _REJECTED),
    AppRow("rejected.duplicate", "2.重复申请", "（五）2.重复申请", RESULTS, _REJECTED),
    AppRow("rejected.publication", "3.要求提供公开出版物", "（五）3.公开出版物", RESULTS, _REJECTED),
    AppRow("rejected.excessive", "4.无正当理由大量反复申请", "（五）4.大量反复申请", RESULTS, _REJECTED),
    AppRow(
        "rejected.confirmation",
        "5.要求行政机关确认或重新出具已获取信息",
        "（五）5.确认或重新出具",
        RESULTS,
        _REJECTED,
    ),
    AppRow(
        "other.no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "（六）1.逾期不补正",
        RESULTS,
        _OTHER,
    ),
    AppRow(
        "other.unpaid_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "（六）2.逾期未缴费",
        RESULTS,
        _OTHER,
    ),
    AppRow("other.other", "3.其他", "（六）3.其他", RESULTS, _OTHER),
    AppRow("results_total", "（七）总计", "（七）总计", RESULTS),
    AppRow("carried_over", "四、结转下年度继续办理", "四、结转下年"),
)
APP_ROW_BY_KEY = {r.key: r for r in APP_ROWS}
# The 22 result rows whose sum is （七）总计 (R3).
RESULT_ROWS: tuple[str, ...] = tuple(
    r.key for r in APP_ROWS if r.group == RESULTS and r.key != "results_total"
)
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
# Header cells of the official tables that are neither a row nor a column label of a field.
CONTENT_HEADER = "信息内容"  # table 二, above the row labels
APPLICANT_HEADER = "申请人情况"  # table 三, above the seven columns
ORGANISATION_HEADER = "法人或其他组织"  # table 三, above the five organisation columns

# --- Table 四 -----------------------------------------------------------------------------------

APPEAL_GROUPS: tuple[tuple[str, str, str], ...] = (
    # key prefix, top header, second header ("" when the top header spans both levels)
    ("review", "行政复议", ""),
    ("suit_direct", "行政诉讼", "未经复议直接起诉"),
    ("suit_after_review", "行政诉讼", "复议后起诉"),
)
APPEAL_PARTS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)

# --- Table 二 -----------------------------------------------------------------------------------

ARTICLE_ITEMS: tuple[tuple[str, str, str], ...] = (
    # key prefix, row label, 第二十条 item
    ("rules", "规章", "第二十条第（一）项"),
    ("normative", "行政规范性文件", "第二十条第（一）项"),
    ("licensing", "行政许可", "第二十条第（五）项"),
    ("penalty", "行政处罚", "第二十条第（六）项"),
    ("enforcement", "行政强制", "第二十条第（六）项"),
    ("fees", "行政事业性收费", "第二十条第（八）项"),
)
DOC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("issued", "本年制发件数"),
    ("repealed", "本年废止件数"),
    ("in_force", "现行有效件数"),
)
DECISIONS_LABEL = "本年处理决定数量"
FEES_LABEL = "本年收费金额（单位：万元）"

# --- Narrative ----------------------------------------------------------------------------------

TEXT_FIELDS: tuple[tuple[str, str, str, bool], ...] = (
    # key, header, section id, expected (W3 warns when an expected section is empty)
    ("text.overview", "一、总体情况", "overview", True),
    ("text.proactive", "二、主动公开情况（表二前的文字）", "proactive", True),
    ("text.applications", "三、依申请公开情况（表三前的文字，可空）", "applications", False),
    ("text.appeals", "四、复议诉讼情况（表四前的文字，可空）", "appeals", False),
    ("text.problems", "五、存在的主要问题", "problems", True),
    ("text.improvements", "五、改进情况", "problems", True),
    ("text.other", "六、其他需要报告的事项", "other", False),
)

G_BASIC = "基本信息"
G_TEXT = "正文（每段一行，单元格内换行 Alt+Enter）"
G_T2 = "二、主动公开政府信息情况（表二）"
G_T3 = "三、收到和处理政府信息公开申请情况（表三）"
G_T4 = "四、政府信息公开行政复议、行政诉讼情况（表四）"
G_FEE = "六、信息处理费（单位：元）"
G_OPTIONAL = "可选：自定义标题（留空则用标准标题）"
G_ROLLUP = "可选：汇总关系（见“填表说明”）"


def _build_fields() -> tuple[Field, ...]:
    fields: list[Field] = [
        Field("agency", Kind.NAME, "机关全称", G_BASIC, "", "机关全称", True,
              "必填，全表唯一，如“西安市阎良区人民政府办公室”。"),
        Field("year", Kind.YEAR, "报告年度", G_BASIC, "", "报告年度", True,
              "必填，四位数字年份，如 2024。"),
        Field("email", Kind.EMAIL, "联系邮箱", G_BASIC, "", "联系邮箱", False,
              "发送报告用；多个地址用分号隔开。"),
        Field("report_date", Kind.DATE, "成文日期", G_BASIC, "", "成文日期", False,
              "可空，如 2025-01-20；印在报告末尾。"),
    ]
    for key, header, section_id, _expected in TEXT_FIELDS:
        fields.append(Field(key, Kind.TEXT, header, G_TEXT, SECTION_BY_ID[section_id].heading,
                            header, False, "一段一行。"))
    for prefix, row_label, item in ARTICLE_ITEMS:
        if prefix in ("rules", "normative"):
            for col, col_label in DOC_COLUMNS:
                fields.append(Field(
                    f"{prefix}.{col}", Kind.COUNT, f"{row_label}·{col_label}", G_T2,
                    f"{item} {row_label}", f"{row_label} {col_label}", True, "整数，没有填 0。",
                    "二", prefix, col))
        elif prefix == "fees":
            fields.append(Field(
                "fees.amount", Kind.MONEY_WAN, f"{row_label}·本年收费金额（万元）", G_T2,
                f"{item} {row_label}", f"{row_label} {FEES_LABEL}", True,
                "单位万元，最多 4 位小数，没有填 0。", "二", prefix, "amount"))
        else:
            fields.append(Field(
                f"{prefix}.decisions", Kind.COUNT, f"{row_label}·{DECISIONS_LABEL}", G_T2,
                f"{item} {row_label}", f"{row_label} {DECISIONS_LABEL}", True,
                "整数，没有填 0。", "二", prefix, "decisions"))
    for row in APP_ROWS:
        for col, col_label in APP_COLUMNS:
            full_row = " ".join(x for x in (row.subgroup, row.label) if x)
            fields.append(Field(
                f"apps.{row.key}.{col}", Kind.COUNT, f"{row.short}·{col_label}", G_T3, full_row,
                f"{full_row} · {col_label}", True, "整数，没有填 0。", "三", row.key, col))
    for prefix, top, second in APPEAL_GROUPS:
        group_label = f"{top}·{second}" if second else top
        for part, part_label in APPEAL_PARTS:
            fields.append(Field(
                f"{prefix}.{part}", Kind.COUNT, f"{group_label}·{part_label}", G_T4, group_label,
                f"{group_label} {part_label}", True, "整数，没有填 0。", "四", prefix, part))
    fields += [
        Field("processing_fee.notices", Kind.COUNT, "发出收费通知件数", G_FEE, "信息处理费",
              "发出收费通知的件数", True, "整数，没有填 0。"),
        Field("processing_fee.notice_amount", Kind.MONEY_YUAN, "收费通知总金额（元）", G_FEE,
              "信息处理费", "收费通知的总金额", True, "单位元，最多 2 位小数，没有填 0。"),
        Field("processing_fee.collected", Kind.MONEY_YUAN, "实际收取总金额（元）", G_FEE,
              "信息处理费", "实际收取的总金额", True, "单位元，最多 2 位小数，没有填 0。"),
        Field("title", Kind.LINE, "自定义报告标题", G_OPTIONAL, "报告标题", "报告标题", False,
              "留空则为“机关全称+年度+年政府信息公开工作年度报告”。"),
    ]
    for sec in SECTIONS:
        fields.append(Field(
            f"heading.{sec.id}", Kind.LINE, f"自定义标题：{sec.heading}", G_OPTIONAL,
            "章节标题", sec.heading, False, "留空则用标准标题。"))
    fields.append(Field(
        "parent", Kind.LINE, "汇总到", G_ROLLUP, "汇总关系", "汇总到", False,
        "可空。填汇总行的机关全称（须与该行“机关全称”一字不差），本行的数字就计入那一行；"
        "被其他行填写的那一行就是汇总行（如全区汇总），可以多级。"))
    return tuple(fields)


FIELDS: tuple[Field, ...] = _build_fields()
FIELD_BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}
FIGURE_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.kind.is_figure)
REQUIRED_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.required)


def app_key(row: str, column: str) -> str:
    """The field key of a table-三 cell."""
    return f"apps.{row}.{column}"


def appeal_key(prefix: str, part: str) -> str:
    """The field key of a table-四 cell."""
    return f"{prefix}.{part}"


def default_title(agency: str, year: int | str) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"


def iter_groups() -> Iterator[tuple[str, list[Field]]]:
    """Consecutive fields sharing a header group, in column order (for merged header cells)."""
    current: list[Field] = []
    for field in FIELDS:
        if current and current[-1].group != field.group:
            yield current[0].group, current
            current = []
        current.append(field)
    if current:
        yield current[0].group, current


def _check_unique() -> None:
    headers = [f.header for f in FIELDS]
    dupes = {h for h in headers if headers.count(h) > 1}
    if dupes:  # pragma: no cover - guards the declaration above
        raise AssertionError(f"duplicate headers: {dupes}")


_check_unique()
