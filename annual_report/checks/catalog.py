"""Every rule code a finding can carry, declared once: severity, Chinese title and explanation.

The catalogue is the single source for docs/format.md (``python -m annual_report.checks.docs``),
for the rule titles shown by ``check`` and in the annotated copy, and for anyone reading a JSON
report. A rule added anywhere in the package (checks, rollup, importer …) gets an entry here; a
test fails when a finding's code is missing from it.

``cause`` marks the rules that find a figure inconsistent in itself (its row or column does not
add up): findings that follow from such a figure come after them and say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import Severity

__all__ = ["CATALOG", "RULES", "Rule", "rule_title"]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity  # the usual severity (R5 is a warning under --blank-as-zero)
    title: str  # a few words, shown next to the code
    explanation: str  # what is checked, in the user's words
    origin: str = "国家格式"  # 国家格式 (the format's 勾稽关系) or 本项目 (this project's)
    cause: bool = False  # an arithmetic rule of one table row or column (see module docstring)


_E, _W = Severity.ERROR, Severity.WARNING

CATALOG: tuple[Rule, ...] = (
    Rule("R1", _E, "表三行合计",
         "表三每一行：自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他六列之和等于“总计”。",
         cause=True),
    Rule("R2", _E, "表三列平衡",
         "表三每一列：一、本年新收＋二、上年结转＝（七）总计＋四、结转下年度继续办理"
         "（表格左上角注明的勾稽关系）。", cause=True),
    Rule("R3", _E, "表三办理结果合计",
         "表三每一列：（七）总计等于（一）予以公开至（六）其他处理各项之和。", cause=True),
    Rule("R4", _E, "表四合计",
         "表四行政复议、未经复议直接起诉、复议后起诉三组：结果维持＋结果纠正＋其他结果＋尚未审结＝总计。",
         cause=True),
    Rule("R5", _E, "单元格不是数字",
         "每个数字单元格都必须填写非负整数（万元最多 4 位小数，元最多 2 位）；空白、“/”、“-”、“无”、"
         "文字、负数、公式没有保存结果都会报错。加 --blank-as-zero 时空白按 0 处理并给出提醒。"),
    Rule("R6", _E, "信息处理费",
         "实际收取的金额不超过收费通知的总金额；有通知金额就必须有发出收费通知的件数。"),
    Rule("R7", _E, "正文与表格不一致",
         "正文写到的件数（收到、办结、结转申请，予以公开、部分公开等办理结果，行政复议、行政诉讼，"
         "制发、废止、现行有效的规章和规范性文件）必须与表格一致。只在能确定句子说的是哪一项时才判断，"
         "几种读法中有一种相符就不报错。"),
    Rule("DUPLICATE", _E, "机关重复",
         "同一个机关全称出现在两行：每个机关只能占一行，请删除或合并重复行。"),
    Rule("W1", _W, "跨年核对",
         "需要 --previous 上年总表：本年“上年结转”等于上年“结转下年度继续办理”；现行有效件数等于"
         "上年现行有效＋本年制发－本年废止。"),
    Rule("W2", _W, "逾期未缴费却无收费通知",
         "表三有“逾期未按收费通知要求缴纳费用”的申请，却没有发出收费通知。"),
    Rule("W3", _W, "正文为空或照抄上年",
         "正文某一部分为空；或（需 --previous）上年这一部分一半以上的文字原样出现在今年。"),
    Rule("W4", _W, "复议诉讼与正文矛盾",
         "表四有行政复议或行政诉讼，正文却说“无”“未发生”或“均获维持”。"),
    Rule("W5", _W, "正文说未收到申请", "表三有申请，正文却说“未收到政府信息公开申请”。",
         origin="本项目"),
    Rule("EMAIL", _W, "联系邮箱",
         "联系邮箱为空、格式不对或含中文：这个机关的报告无法用 send 发送。可填多个地址，用分号隔开。",
         origin="本项目"),
    Rule("YEAR", _W, "报告年度不一致", "某个机关的报告年度与总表中其他机关不同。", origin="本项目"),
    Rule("DATE", _W, "成文日期",
         "成文日期为空（报告末尾将没有日期），或不在报告年度的次年。", origin="本项目"),
    Rule("A1", _E, "汇总行与下级之和不符",
         "汇总行（别的行在“汇总到”填了它）已填的每个数字都必须等于它各下级之和：表二（规章、规范性文件的"
         "现行有效件数只在加 --sum-in-force 时相加）、表三、表四和信息处理费。错误标在汇总行的单元格上，"
         "写明下级之和、相差多少和组成它的下级。", origin="本项目"),
    Rule("A2", _W, "汇总行无法完全核对",
         "汇总行的某个下级的数字本身有错误或缺数字（点名是哪个；只是正文与数字不符的 R7 不算，"
         "数字照常可用），这时汇总行与下级之和的差异只作提醒。"
         "汇总行自己空白的数字是一条 R5 错误，可用 rollup 按下级之和自动填写。", origin="本项目"),
    Rule("A3", _E, "汇总到无法使用",
         "“汇总到”填的机关全称在总表中找不到、填了本行自己，或几行互相汇总成环。", origin="本项目"),
    Rule("P1", _E, "发布与审定不一致",
         "需要 --against 审定总表：导入的已发布报告中某个数字或某部分正文与审定总表中同一机关、同一年度"
         "的行不同（同时指出两边的单元格）；审定总表中没有该机关该年度的行也提示。", origin="本项目"),
    Rule("P2", _W, "正文写错报告年度",
         "正文把别的年份当作报告年度（如 2024 年度的报告写“2023年度……”“截至2023年12月31日”）；"
         "“2023年度结转”“较2023年度增长”等说上一年的写法不提示。", origin="本项目"),
    Rule("P3", _W, "格式文号不对",
         "引用了已被代替的试行格式 国办公开办函〔2019〕60号，或年度报告格式的文号写错"
         "（现行为 国办公开办函〔2021〕30号）。", origin="本项目"),
    Rule("P4", _W, "章节不是六个部分",
         "报告的章节不是格式规定的六个部分或顺序不对（导入时印出的标题），或正文说的部分数不是六、"
         "与列出的部分数不符。", origin="本项目"),
)

RULES: dict[str, Rule] = {r.code: r for r in CATALOG}


def rule_title(code: str) -> str:
    """The Chinese title of a rule code ("" for a code the catalogue does not know)."""
    found = RULES.get(code)
    return found.title if found else ""
