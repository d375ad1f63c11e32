"""Tests of the narrative rules R7 (text vs tables), W3 (empty / repeated) and W4 (复议诉讼)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from annual_report.checks.narrative import check_narrative, chinese_number, repeated_share
from annual_report.findings import Finding, Severity
from annual_report.format import model as form
from annual_report.workbook.rows import AgencyRow
from annual_report.workbook.sheets import column_letter

COLUMNS = {f.key: i for i, f in enumerate(form.FIELDS)}
SHEET_ROW = 7

TEXTS = {
    "text.overview": "本机关认真贯彻落实政府信息公开条例。",  # < 20 characters: never "repeated"
    "text.proactive": "全年主动公开政府信息120条。",
    "text.problems": "一是公开内容还不够全面。",
    "text.improvements": "一是进一步加强公开工作。",
}

# A consistent agency: 3 new + 1 carried in = 3 handled + 1 carried over (all by natural persons).
BASE: dict[str, int] = {
    "apps.new.natural": 3,
    "apps.carried_in.natural": 1,
    "apps.granted.natural": 2,
    "apps.partial.natural": 1,
    "apps.results_total.natural": 3,
    "apps.carried_over.natural": 1,
    "normative.issued": 2,
    "normative.repealed": 1,
    "normative.in_force": 12,
}


def make_row(texts: dict[str, str] | None = None, year: int = 2024, **figures: int) -> AgencyRow:
    """An agency row; ``figures`` use ``__`` for dots (``apps__new__natural=4``).

    Table-三 totals and table-四 totals are derived from the parts, so the row stays consistent.
    """
    values: dict[str, Any] = {f.key: 0 for f in form.FIGURE_FIELDS}
    values.update(BASE)
    values.update({k.replace("__", "."): v for k, v in figures.items()})
    for row in form.APP_ROWS:
        if f"apps.{row.key}.total" not in {k.replace("__", ".") for k in figures}:
            values[f"apps.{row.key}.total"] = sum(
                values[f"apps.{row.key}.{c}"] for c in form.APPLICANT_COLUMNS
            )
    for prefix, _top, _second in form.APPEAL_GROUPS:
        values[f"{prefix}.total"] = sum(
            values[f"{prefix}.{part}"] for part, _label in form.APPEAL_PARTS[:-1]
        )
    values.update({"agency": "测试区测试局", "year": year})
    values.update(TEXTS)
    values.update(texts or {})
    return AgencyRow("总表", SHEET_ROW, "测试区测试局", values, {}, {}, COLUMNS)


def findings(row: AgencyRow, rule: str | None = None,
             previous: AgencyRow | None = None) -> list[Finding]:
    found = list(check_narrative(row, previous))
    return [f for f in found if rule is None or f.rule == rule]


def r7(text: str, key: str = "text.proactive", /, **figures: int) -> list[Finding]:
    return findings(make_row({key: text}, **figures), "R7")


# --- R7: agreeing sentences -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "全年共收到政府信息公开申请3件。",
        "本年度共受理政府信息公开申请 3 件。",
        "本年度新收依申请公开申请3件。",
        "共收到信息公开申请4件。",  # new + carried in
        "全年共收到政府信息公开申请3件，办结3件，结转下年度继续办理1件。",
        "政府信息公开申请已全部办理完毕，共办理完毕3件。",
        "依法答复政府信息公开申请3件。",
        "共办理政府信息公开申请4件。",  # 办理 may count what was handled in the year
        "上年结转政府信息公开申请1件。",
        "结转至下一年度继续办理1件。",
        "本年度新收政府信息公开申请3件，上年结转1件，办结3件，结转下年1件。",
        "收到政府信息公开类行政复议案件 0 宗。",
        "行政诉讼0起。",
        "行政复议和行政诉讼案件共0件。",
        "本年度制发行政规范性文件2件，废止1件，现行有效规范性文件12件。",
        "出台规章0件、规范性文件2件。",
        "现行有效规章0件。",
        "印发《关于加强政府信息公开申请办理工作的通知》等规范性文件2件。",
        "共收到3件政府信息公开申请。",
        "收到政府信息公开申请三件。",
        "收到政府信息公开申请３件。",
        "收到政府信息公开申请，共计3件。",
        "共收到政府信息公开申请4件（其中自然人3件、法人1件），办结3件。",
        "依申请公开情况：2024年，本局共收到政府信息公开申请3件。",
    ],
)
def test_agreeing_sentence_gives_no_finding(text: str) -> None:
    assert r7(text) == []


# --- R7: disagreeing sentences -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stated", "table"),
    [
        ("全年共收到政府信息公开申请5件。", "正文为 5", "表三“本年新收”总计为 3（加上年结转为 4）"),
        ("全年共收到政府信息公开申请3件，办结2件。", "正文为 2", "表三“办理结果（七）总计”为 3"),
        ("依法答复政府信息公开申请5件。", "正文为 5", "表三“办理结果（七）总计”为 3"),
        ("结转下年度继续办理2件。", "正文为 2", "表三“结转下年度继续办理”总计为 1"),
        ("上年结转政府信息公开申请3件。", "正文为 3", "表三“上年结转”总计为 1"),
        ("收到行政复议1件。", "正文为 1", "表四“行政复议”总计为 0"),
        ("发生1起行政复议案件。", "正文为 1", "表四“行政复议”总计为 0"),
        ("行政诉讼2起。", "正文为 2", "表四“行政诉讼”总计为 0"),
        ("行政复议、行政诉讼案件共3件。", "正文为 3", "表四行政复议与行政诉讼合计为 0"),
        ("制发规范性文件5件。", "正文为 5", "表二“行政规范性文件·本年制发件数”为 2"),
        ("制发规范性文件2件，废止3件。", "正文为 3", "表二“行政规范性文件·本年废止件数”为 1"),
        ("现行有效规范性文件10件。", "正文为 10", "表二“行政规范性文件·现行有效件数”为 12"),
        ("出台规章1件。", "正文为 1", "表二“规章·本年制发件数”为 0"),
        ("收到政府信息公开申请五件。", "正文为 5", "表三“本年新收”总计为 3"),
        ("共收到6件政府信息公开申请。", "正文为 6", "表三“本年新收”总计为 3"),
    ],
)
def test_disagreeing_sentence_is_one_error(text: str, stated: str, table: str) -> None:
    found = r7(text)
    assert len(found) == 1, found
    finding = found[0]
    assert finding.severity is Severity.ERROR
    assert finding.field == "text.proactive"
    assert stated in finding.message
    assert table in finding.message
    assert finding.message.endswith("使两者一致。")


def test_message_quotes_the_sentence_and_both_numbers() -> None:
    (finding,) = r7("2024年，我局共收到政府信息公开申请 5 件。")
    assert finding.message == (
        "「我局共收到政府信息公开申请 5 件」与表三不一致：正文为 5，"
        "表三“本年新收”总计为 3（加上年结转为 4）。请核对正文或表三，使两者一致。"
    )


@pytest.mark.parametrize("key", [key for key, *_rest in form.TEXT_FIELDS])
def test_error_points_at_the_text_cell(key: str) -> None:
    row = make_row({key: "全年共收到政府信息公开申请9件。"})
    (finding,) = findings(row, "R7")
    assert finding.field == key
    assert finding.cell == f"总表!{column_letter(COLUMNS[key])}{SHEET_ROW}"
    assert finding.cell == row.cell(key)
    assert finding.agency == "测试区测试局"
    assert finding.row == SHEET_ROW


def test_each_wrong_number_of_a_paragraph_is_reported() -> None:
    text = "全年共收到政府信息公开申请3件，办结2件，结转下年度继续办理2件。\n收到行政复议1件。"
    found = r7(text)
    assert [f.message.split("」")[0] for f in found] == ["「办结2件", "「结转下年度继续办理2件",
                                                        "「收到行政复议1件"]


# --- R7: readings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("stated", "ok"), [(3, True), (4, True), (5, False), (1, False)])
def test_new_or_new_plus_carried_in_are_both_accepted(stated: int, ok: bool) -> None:
    assert (r7(f"共收到政府信息公开申请{stated}件。") == []) is ok


def test_new_plus_carried_in_is_not_accepted_when_nothing_was_carried_in() -> None:
    figures = {"apps__carried_in__natural": 0, "apps__carried_over__natural": 0}
    assert r7("共收到政府信息公开申请3件。", **figures) == []
    assert len(r7("共收到政府信息公开申请4件。", **figures)) == 1


# 4 new + 1 carried in = 3 handled + 2 carried over.
CARRY = {"apps__new__natural": 4, "apps__carried_over__natural": 2}


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("上年结转1件。", True),
        ("上年度结转政府信息公开申请1件。", True),
        ("结转下年度继续办理2件。", True),
        ("结转至下一年度2件。", True),
        ("结转至2025年继续办理2件。", True),
        ("尚未办结2件。", True),
        ("共收到政府信息公开申请4件，上年结转1件，办结3件，结转下年度2件。", True),
        ("上年结转2件。", False),
        ("结转下年度1件。", False),
        ("结转2件。", True),
        ("结转1件。", False),
    ],
)
def test_carried_in_is_not_confused_with_carried_over(text: str, ok: bool) -> None:
    found = r7(text, **CARRY)
    assert (found == []) is ok, found
    if not ok:
        expected = "上年结转" if text.startswith("上年") else "结转下年度继续办理"
        assert f"表三“{expected}”" in found[0].message


def test_handled_count_against_new_plus_carried_in() -> None:
    assert r7("共办理政府信息公开申请4件。") == []  # 3 new + 1 carried in
    assert len(r7("共办理政府信息公开申请5件。")) == 1


def test_suits_are_direct_plus_after_review() -> None:
    figures = {"suit_direct__upheld": 1, "suit_after_review__pending": 2}
    assert r7("行政诉讼3件。", **figures) == []
    (finding,) = r7("行政诉讼1件。", **figures)
    assert "（未经复议直接起诉 1，复议后起诉 2）" in finding.message


def test_reviews_and_suits_counted_together() -> None:
    figures = {"review__upheld": 1, "suit_direct__corrected": 1}
    assert r7("行政复议和行政诉讼案件共2件。", **figures) == []
    assert r7("复议、诉讼2件。", **figures) == []
    assert r7("行政复议1件，行政诉讼1件。", **figures) == []
    (finding,) = r7("行政复议和行政诉讼案件共1件。", **figures)
    assert "合计为 2（行政复议 1，行政诉讼 1）" in finding.message


def test_rules_and_normative_documents() -> None:
    figures = {"rules__issued": 1, "rules__repealed": 0, "rules__in_force": 4}
    assert r7("出台规章1件、规范性文件2件，废止规章0件，现行有效规章4件。", **figures) == []
    (finding,) = r7("现行有效规章5件。", **figures)
    assert "表二“规章·现行有效件数”为 4" in finding.message


# --- R7: numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("零", 0), ("〇", 0), ("一", 1), ("两", 2), ("十", 10), ("十二", 12), ("二十", 20),
     ("二十五", 25), ("九十九", 99), ("一百", 100), ("一百零五", 105), ("两百三十", 230),
     ("二二", None), ("十两", None), ("百", None), ("零五", None)],
)
def test_chinese_number(text: str, value: int | None) -> None:
    assert chinese_number(text) == value


@pytest.mark.parametrize(
    ("text", "new", "ok"),
    [
        ("收到政府信息公开申请十二件。", 12, True),
        ("收到政府信息公开申请两件。", 2, True),
        ("收到政府信息公开申请二十件。", 12, False),
        ("收到政府信息公开申请零件。", 0, True),
        ("收到政府信息公开申请一件。", 0, False),
        ("收到政府信息公开申请１２件。", 12, True),
        ("收到政府信息公开申请 1,200 件。", 1200, True),
        ("收到政府信息公开申请 1,200 件。", 1199, False),
    ],
)
def test_numbers_in_all_spellings(text: str, new: int, ok: bool) -> None:
    figures = {"apps__new__natural": new, "apps__carried_in__natural": 0}
    assert (r7(text, **figures) == []) is ok


# --- R7: what is deliberately left alone ----------------------------------------------------------


@pytest.mark.parametrize(
    ("skipped", "control"),
    [
        ("共收到政府信息公开申请3件，其中依申请公开申请8件。",
         "共收到政府信息公开申请3件，依申请公开申请8件。"),
        ("收到政府信息公开申请同比增加8件。", "收到政府信息公开申请8件。"),
        ("共收到政府信息公开申请3件，较上年收到申请8件。",
         "共收到政府信息公开申请3件，本年度收到申请8件。"),
        ("2023年共收到政府信息公开申请8件。", "2024年共收到政府信息公开申请8件。"),
        ("2023年，共收到政府信息公开申请8件，办结8件。", "2024年，共收到政府信息公开申请8件。"),
        ("二〇二三年收到政府信息公开申请8件。", "二〇二四年收到政府信息公开申请8件。"),
        ("1-6月共收到政府信息公开申请8件。", "全年共收到政府信息公开申请8件。"),
        ("收到政府信息公开申请8件次。", "收到政府信息公开申请8件。"),
        ("接待来访12人次、收到政府信息公开申请8件。", "收到政府信息公开申请8件。"),
        ("受理咨询20条、政府信息公开申请8件。", "受理政府信息公开申请8件。"),
        ("收到3个部门转来的政府信息公开申请8件。", "收到部门转来的政府信息公开申请8件。"),
        ("收到政府信息公开申请20余件。", "收到政府信息公开申请20件。"),
        ("收到政府信息公开申请约8件。", "收到政府信息公开申请8件。"),
        ("累计收到政府信息公开申请80件。", "收到政府信息公开申请80件。"),
        ("通过网上收到政府信息公开申请8件。", "收到政府信息公开申请8件。"),
        ("收到自然人政府信息公开申请8件。", "收到政府信息公开申请8件。"),
        # 予以公开 N 件 is compared with its own row now (tests/checks/test_result_counts.py)
        ("政府信息公开申请不予受理8件。", "政府信息公开申请办结8件。"),
        ("收到并办结政府信息公开申请8件。", "办结政府信息公开申请8件。"),
        ("办结人大代表建议和政协委员提案15件。", "办结政府信息公开申请15件。"),
        ("针对3件政府信息公开申请提起行政复议。", "收到3件政府信息公开类行政复议。"),
        ("复议后起诉1件。", "行政诉讼1件。"),
        ("行政复议结果纠正1件。", "行政复议1件。"),
        ("清理规范性文件30件。", "废止规范性文件30件。"),
        ("截至目前，现行有效规范性文件30件。", "现行有效规范性文件30件。"),
        ("行政复议、行政诉讼各1件。", "行政复议、行政诉讼1件。"),
        ("全年主动公开政府信息2175条。", "全年收到政府信息公开申请2175件。"),
    ],
)
def test_unclear_sentences_are_left_alone(skipped: str, control: str) -> None:
    assert r7(skipped) == []
    assert len(r7(control)) == 1  # the same count, read with confidence, is wrong


def test_invalid_table_cells_are_not_compared() -> None:
    row = make_row({"text.proactive": "共收到政府信息公开申请9件，办结9件。"})
    del row.values["apps.carried_in.total"]  # the cell was invalid (R5 reports it)
    del row.values["apps.results_total.total"]
    assert findings(row, "R7") == []


def test_one_together_is_not_a_count() -> None:
    assert r7("与申请人一起核实政府信息公开申请内容。") == []
    assert r7("推进“高效办成一件事”，收到政府信息公开申请3件。") == []


def test_bare_verb_in_the_applications_section_counts_applications() -> None:
    """The real case: "受理2件" in a 2023 city bureau report against a table of 3."""
    assert r7("依申请公开方面，本年度共受理2件。") != []
    found = r7("本年度，我局共受理2件，均已按时办结。", "text.applications")
    assert len(found) == 1
    assert "正文为 2" in found[0].message and "总计为 3" in found[0].message
    assert found[0].field == "text.applications"
    # ... but not in a section where it may mean something else.
    assert r7("本年度，我局共受理2件，均已按时办结。", "text.overview") == []


def test_real_world_accepted_2_against_table_of_3() -> None:
    row = make_row(
        {"text.applications": "2023年，本局共受理政府信息公开申请2件，均在法定期限内予以答复。"},
        year=2023,
        apps__carried_in__natural=0,
        apps__carried_over__natural=0,
    )
    (finding,) = findings(row, "R7")
    assert finding.is_error
    assert "「本局共受理政府信息公开申请2件」" in finding.message
    assert "表三“本年新收”总计为 3" in finding.message


# --- R7: full-year dates, 各类 and 依申请公开事项 (found in real reports) -----------------------------

# 9 new + 1 carried in = 10 handled (6 granted, 4 partly), nothing carried over.
QA = {
    "apps__new__natural": 9,
    "apps__carried_in__natural": 1,
    "apps__granted__natural": 6,
    "apps__partial__natural": 4,
    "apps__results_total__natural": 10,
    "apps__carried_over__natural": 0,
}
FULL_YEAR_ENDS = [
    "截至2024年12月31日，", "截至2024年12月31日", "截止到2024年12月31日，", "截至12月31日，",
    "截至年底，", "截至12月底，", "截至2024年底，", "截至2024年年底，", "截至本年末，",
]
PARTIAL_ENDS = [
    "截至2024年6月，", "截至2024年6月30日，", "截至12月15日，", "截至2024年12月，", "截至目前，",
    "截至上年底，", "截至2023年12月31日，", "截至2025年12月31日，",
]


@pytest.mark.parametrize("end", FULL_YEAR_ENDS)
def test_until_the_end_of_the_report_year_is_the_whole_year(end: str) -> None:
    text = f"全年新收政府信息公开申请9件，上年结转1件。{end}已办结{{}}件。"
    assert r7(text.format(10), "text.applications", **QA) == []
    found = r7(text.format(99), "text.applications", **QA)
    assert len(found) == 1, found
    assert found[0].is_error
    assert "正文为 99，表三“办理结果（七）总计”为 10" in found[0].message


def test_the_quote_keeps_a_full_year_date() -> None:
    (finding,) = r7("截至2024年12月31日已办结99件。", "text.applications", **QA)
    assert finding.message.startswith("「截至2024年12月31日已办结99件」与表三不一致")


@pytest.mark.parametrize("end", PARTIAL_ENDS)
def test_until_another_date_is_left_alone(end: str) -> None:
    assert r7(f"{end}已办结99件。", "text.applications", **QA) == []
    assert r7(f"{end}共收到政府信息公开申请99件。", **QA) == []


def test_full_year_date_with_another_year_earlier_in_the_sentence_is_left_alone() -> None:
    assert r7("2023年，截至年底已办结99件。", "text.applications", **QA) == []


def test_full_year_date_naming_a_year_needs_the_report_year() -> None:
    row = make_row({"text.applications": "截至2024年12月31日，已办结99件。"}, **QA)
    del row.values["year"]
    assert findings(row, "R7") == []
    row = make_row({"text.applications": "截至年底，已办结99件。"}, **QA)
    del row.values["year"]
    assert len(findings(row, "R7")) == 1


def test_in_force_documents_until_the_end_of_the_year() -> None:
    assert r7("2024年制发行政规范性文件2件，截至年底现行有效行政规范性文件12件。") == []
    (finding,) = r7("2024年制发行政规范性文件2件，截至年底现行有效行政规范性文件30件。")
    assert "表二“行政规范性文件·现行有效件数”为 12" in finding.message


@pytest.mark.parametrize(
    "period",
    ["2024年1月至12月，", "2024年1-12月，", "2024年1—12月，", "1—12月，", "1月—12月份，",
     "2024年1月1日至12月31日，", "2024年1月1日至2024年12月31日，", "1～12月"],
)
def test_january_to_december_is_the_whole_year(period: str) -> None:
    text = f"{period}共收到政府信息公开申请{{}}件。"
    assert r7(text.format(9), **QA) == []
    assert r7(text.format(10), **QA) == []  # new plus carried in
    found = r7(text.format(99), **QA)
    assert len(found) == 1, found
    assert "正文为 99，表三“本年新收”总计为 9（加上年结转为 10）" in found[0].message


@pytest.mark.parametrize(
    "period",
    ["1-6月，", "2024年1-6月，", "2024年1月至6月，", "11-12月，", "1月至12月15日，", "7—12月，",
     "2023年1-12月，", "2024年6月至12月，"],
)
def test_part_of_the_year_is_left_alone(period: str) -> None:
    assert r7(f"{period}共收到政府信息公开申请99件。", **QA) == []


def test_all_kinds_of_applications_are_the_applications() -> None:
    assert r7("全年共收到各类政府信息公开申请10件。", **QA) == []
    assert r7("全年共收到各类政府信息公开申请9件。", **QA) == []
    (finding,) = r7("全年共收到各类政府信息公开申请99件。", **QA)
    assert "「全年共收到各类政府信息公开申请99件」" in finding.message
    assert r7("行政复议、行政诉讼各1件。") == []  # 各 alone means "each"
    assert len(r7("行政复议、行政诉讼1件。")) == 1


def test_applications_called_matters() -> None:
    assert r7("共受理依申请公开事项9件。", **QA) == []
    assert r7("共受理依申请公开事项10件。", **QA) == []
    (finding,) = r7("共受理依申请公开事项5件。", **QA)
    assert "正文为 5，表三“本年新收”总计为 9" in finding.message
    assert len(r7("受理5件依申请公开事项。", **QA)) == 1
    # Catalogues and guides of those matters are documents, not applications.
    assert r7("编制依申请公开事项目录5份。", **QA) == []
    assert r7("更新政府信息公开申请办理指南5份。", **QA) == []


# --- the seed report ------------------------------------------------------------------------------

SEED = {
    "text.overview": (
        "2024 年，西安市阎良区人民政府办公室认真贯彻落实《中华人民共和国政府信息公开条例》以及省市"
        "关于政务公开工作的安排部署，坚持以公开为常态、"
        "不公开为例外，政府信息公开工作取得了重大进步，"
        "助力阎良区政府治理体系和治理能力不断现代化。"
    ),
    "text.proactive": (
        "1.主动公开情况。2024 年，阎良区人民政府办公室按照市政府政务公开办要求，及时通过区政府网站"
        "转载发布了相关重要政务信息 2175 条。区政府办"
        "全年组织政府网站在线访谈活动 7 次，在线征集活动"
        " 8 次，及时回应社会关切，加强政民互动。\n"
        "2.依申请公开情况。2024 年，阎良区政府办共收到政府信息公开申请 0 件。收到政府信息公开类行政"
        "复议案件 0 宗。\n"
        "3.政府信息管理情况。2024 年，阎良区政府办"
        "严格落实相关公开制度，实现政务信息公开工作科学化、"
        "制度化和规范化。制定了《阎良区政务公开工作要点》和《政务公开工作考核方案》等，确保政务公开"
        "工作规范、高效、便民。\n"
        "4. 平台建设情况。2024年，阎良区政府办结合"
        "我区政务公开工作整体情况，对阎良区政府网站功能进行"
        "改版优化。进一步提升了政府网站信息阅读查找的便"
        "利性。截至目前，网站共开设栏目及子栏目549个，"
        "做到了保障有力，信息公开及时规范。着力推进部门政务新媒体整合建设，对维护不规范的政务新媒体"
        "进行了排查注销，新注册报备政务新媒体0个。截至目前，全区政务新媒体共16个（微信公众号12个，"
        "视频号3个，微信小程序1个）。\n"
        "5. 监督保障情况。2024年，阎良区政府办进一步"
        "明确了本单位信息公开工作分管领导和各科室工作责任，"
        "确定了本单位政务公开牵头科室（行政效能推进科）和专职工作人员。"
    ),
    "text.problems": (
        "一是区政府办公室作为全区政务公开工作的协调督促部门，在进一步发挥作用方面还要持续强化。"
        "二是区政府办公室注重日常对其他单位的督促协调，"
        "但本单位内部相关新闻动态类信息，公开还相对较少。"
    ),
    "text.improvements": (
        "一是充分发挥区政府办公室协调全区政务公开工作的作用。加大政务公开工作监督力度，定期对各单位"
        "政务公开工作、区政府网站信息保障工作、政务新媒"
        "体信息保障工作和政府信息公开申请工作进行检查和"
        "通报，发现问题及时督促各单位进行整改。二是加强政府办内部自身政府信息的公开工作。建立和完善"
        "政府办内部各科室信息公开发布的机制，及时公开发布政府办的机构领导、机构职能、部门动态、建议"
        "提案等相关信息。"
    ),
    "text.other": (
        "2024年度本机关未收取信息处理费，发出收费通知的件数和总金额，以及实际收取的总金额均为0。"
    ),
}
ZERO = {key.replace(".", "__"): 0 for key in BASE}


def test_seed_report_with_its_zero_figures_has_no_finding() -> None:
    assert findings(make_row(SEED, **ZERO)) == []


def test_seed_report_against_other_figures() -> None:
    row = make_row(SEED, **{**ZERO, "apps__new__natural": 2, "review__pending": 1})
    found = findings(row, "R7")
    assert [f.field for f in found] == ["text.proactive", "text.proactive"]
    assert "「阎良区政府办共收到政府信息公开申请 0 件」" in found[0].message
    assert "「收到政府信息公开类行政复议案件 0 宗」" in found[1].message
    assert "表四“行政复议”总计为 1" in found[1].message
    assert findings(row, "W4") == []  # "0 宗" is R7's, not W4's


# --- W3 -------------------------------------------------------------------------------------------


def test_w3_empty_expected_sections() -> None:
    row = make_row({"text.problems": "", "text.improvements": "  \n ", "text.other": ""})
    found = findings(row, "W3")
    assert [f.field for f in found] == ["text.problems", "text.improvements"]
    assert all(f.severity is Severity.WARNING for f in found)
    assert "五、存在的主要问题" in found[0].message and "为空" in found[0].message
    assert found[0].cell == row.cell("text.problems")


def test_w3_missing_text_column_counts_as_empty() -> None:
    row = make_row()
    del row.values["text.overview"]
    assert [f.field for f in findings(row, "W3")] == ["text.overview"]


def test_w3_optional_sections_may_be_empty() -> None:
    row = make_row({"text.applications": "", "text.appeals": "", "text.other": ""})
    assert findings(row) == []


PROBLEMS_2023 = (
    "一是政务公开工作机制还不够健全，部分科室对公开工作重视不够。"
    "二是2023年政策解读形式较为单一，图解、视频等多样化解读较少。"
    "三是政务新媒体更新不够及时。"
)


def test_w3_repeated_section() -> None:
    previous = make_row({"text.problems": PROBLEMS_2023}, year=2023)
    copied = PROBLEMS_2023.replace("2023年", "2024年") + "四是依申请公开答复文书还需进一步规范。"
    found = findings(make_row({"text.problems": copied}), "W3", previous)
    assert len(found) == 1
    assert found[0].field == "text.problems"
    assert found[0].severity is Severity.WARNING
    assert "与上年报告的同一部分大量重复" in found[0].message
    assert "100%" in found[0].message


def test_w3_rewritten_section_is_fine() -> None:
    previous = make_row({"text.problems": PROBLEMS_2023}, year=2023)
    rewritten = (
        "一是政务公开工作机制还不够健全，部分科室对公开工作重视不够。"  # one sentence kept
        "二是基层政务公开标准化规范化建设进展不平衡。三是依申请公开答复文书的说理还不够充分。"
    )
    assert findings(make_row({"text.problems": rewritten}), "W3", previous) == []
    assert findings(make_row({"text.problems": PROBLEMS_2023}), "W3") == []  # no previous year


def test_w3_short_texts_are_not_compared() -> None:
    previous = make_row({"text.problems": "无。"}, year=2023)
    assert findings(make_row({"text.problems": "无。"}), "W3", previous) == []


def test_repeated_share() -> None:
    assert repeated_share("甲乙丙丁戊己。庚辛壬癸子丑。", "甲乙丙丁戊己。寅卯辰巳午未。") == 0.5
    assert repeated_share("完全不同的一段话。", "甲乙丙丁戊己。") == 0.0
    assert repeated_share("甲乙 丙丁戊己。", "甲乙丙丁戊己。") == 1.0  # spacing is ignored
    assert repeated_share("任何文字", "") == 0.0


# --- W4 -------------------------------------------------------------------------------------------

NONE_TEXT = "本年度未发生政府信息公开行政复议、行政诉讼案件。"


def w4(text: str, **figures: int) -> list[Finding]:
    return findings(make_row({"text.appeals": text}, **figures), "W4")


def test_w4_none_said_but_table_has_reviews() -> None:
    found = w4(NONE_TEXT, review__upheld=1)
    assert len(found) == 1
    assert found[0].severity is Severity.WARNING
    assert found[0].field == "text.appeals"
    assert found[0].cell == make_row().cell("text.appeals")
    assert "没有行政复议" in found[0].message and "总计为 1" in found[0].message


def test_w4_none_said_but_table_has_reviews_and_suits() -> None:
    found = w4(NONE_TEXT, review__upheld=1, suit_after_review__pending=2)
    assert ["表四“行政复议”" in f.message for f in found] == [True, False]
    assert "表四“行政诉讼”总计为 2" in found[1].message


@pytest.mark.parametrize(
    "text",
    ["没有因政府信息公开被提起行政诉讼。", "行政复议、行政诉讼均为0。", "实现零复议、零诉讼。",
     "无行政诉讼案件。"],
)
def test_w4_other_ways_of_saying_none(text: str) -> None:
    assert len(w4(text, suit_direct__upheld=1)) == 1
    assert w4(text) == []


def test_w4_nothing_to_say_when_the_table_agrees() -> None:
    assert w4(NONE_TEXT) == []
    assert w4("无行政复议纠错案件。", review__upheld=1) == []  # not a statement of "none"
    assert w4("收到行政复议1件，无被纠错情况。", review__upheld=1) == []


def test_w4_zero_count_is_left_to_r7() -> None:
    row = make_row({"text.appeals": "行政复议0件。"}, review__upheld=1)
    assert findings(row, "W4") == []
    assert len(findings(row, "R7")) == 1


def test_w4_all_upheld_but_table_has_other_results() -> None:
    found = w4("收到行政复议2件，均获维持。", review__upheld=1, review__pending=1)
    assert len(found) == 1
    assert "均获维持" in found[0].message and "尚未审结 1" in found[0].message
    assert w4("收到行政复议2件，均获维持。", review__upheld=2) == []
    assert len(w4("行政诉讼1件，均予维持。", suit_direct__corrected=1)) == 1
    # The upheld clause names reviews only: a corrected suit elsewhere is not its concern.
    text = "行政诉讼1件尚未审结，行政复议1件均获维持。"
    assert w4(text, review__upheld=1, suit_direct__pending=1) == []
    assert len(w4(text, review__pending=1, suit_direct__pending=1)) == 1


@pytest.mark.parametrize(
    "text",
    ["收到行政复议2件，行政复议案件均被依法维持。", "行政复议2件，全部被维持。",
     "行政复议2件，均依法予以维持。", "行政复议2件，均被复议机关决定维持。"],
)
def test_w4_other_ways_of_saying_all_upheld(text: str) -> None:
    found = w4(text, review__upheld=1, review__corrected=1)
    assert len(found) == 1
    assert "纠正 1" in found[0].message
    assert w4(text, review__upheld=2) == []


def test_w4_one_warning_per_statement_kind() -> None:
    text = NONE_TEXT + "\n本年度没有行政复议。"
    assert len(w4(text, review__upheld=1)) == 1


# --- the interface and speed -------------------------------------------------------------------


def test_returns_an_iterator_of_findings() -> None:
    result = check_narrative(make_row())
    assert isinstance(result, Iterator)
    assert list(result) == []


def test_pathological_text_does_not_backtrack() -> None:
    text = "收到政府信息公开申请" + "一二三四五六七八九十" * 2000 + "件" + "，" * 5000 + "5" * 5000
    start = time.perf_counter()
    findings(make_row({"text.proactive": text}))
    # Not a speed target (bench/bench_check.py measures speed): catastrophic backtracking would
    # take minutes here, so a bound this loose only catches a regex that blows up.
    assert time.perf_counter() - start < 30.0


@pytest.mark.parametrize(("text", "warned"), [
    ("全年未收到政府信息公开申请。", True),
    ("2024年，本机关没有收到依申请公开的申请。", True),
    ("本年度尚未受理政府信息公开申请。", True),
    ("对逾期未补正的申请人，依法告知。", False),
    ("全年未收到政府信息公开类行政复议申请。", False),
    ("全年共收到政府信息公开申请3件。", False),
])
def test_w5_text_says_no_application_while_table_has_some(text: str, warned: bool) -> None:
    from factories import make_row as make_full_row
    from factories import zero_record

    record = zero_record()
    for col in ("natural", "total"):
        record[f"apps.new.{col}"] = 3
        record[f"apps.granted.{col}"] = 3
        record[f"apps.results_total.{col}"] = 3
    record["text.proactive"] = text
    found = [f for f in check_narrative(make_full_row(record)) if f.rule == "W5"]
    assert bool(found) is warned, found
    if warned:
        assert not found[0].is_error and "本年新收”总计为 3" in found[0].message
    record.update({f"apps.{r}.{c}": 0 for r in ("new", "granted", "results_total")
                   for c in ("natural", "total")})
    assert not [f for f in check_narrative(make_full_row(record)) if f.rule == "W5"]
