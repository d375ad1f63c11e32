"""Where section 六 ends: the signature, the date and a web page's footer, written by hand."""

from __future__ import annotations

from annual_report.importer.blocks import Para
from annual_report.importer.sections import split_sections

AGENCY = "某某区市场监督管理局"
HEAD = [f"{AGENCY}2024年政府信息公开工作年度报告", "一、总体情况", "2024年，本局……。",
        "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "问题。",
        "六、其他需要报告的事项"]
BODY = ["（一）网站纠错办理情况", "本年度处理网民纠错留言5条，相关链接已全部修复。",
        "与各主办单位之间的信息共享机制进一步健全。"]


def _split(paragraphs: list[str]) -> tuple[list[str], str, str, list[str]]:
    found = split_sections([Para(p) for p in paragraphs])
    return found.texts["other"], found.signature, str(found.report_date), found.notes


def test_the_words_of_a_footer_inside_the_report_stay_in_it() -> None:
    other, signature, date, _notes = _split([*HEAD, *BODY, AGENCY, "2025年1月20日",
                                             "【打印本页】【关闭窗口】", "主办单位：某某区人民政府办公室"])
    assert other == BODY
    assert (signature, date) == (AGENCY, "2025-01-20")


def test_a_footer_without_a_date_is_cut_at_its_first_line() -> None:
    other, signature, date, notes = _split([*HEAD, *BODY, AGENCY, "网站纠错 | 相关链接",
                                            "主办单位：某某区人民政府办公室 版权所有", "ICP备12345678号"])
    assert other == BODY and signature == AGENCY and date == "None"
    assert any("网站纠错" in note and "页脚" in note for note in notes)
