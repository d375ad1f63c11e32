"""Generate docs/template.md — every template variable with an example — from the format model.

``python3 -m annual_report.format.docs`` rewrites the file; a test fails when it is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .model import FIELDS, SECTIONS, Kind

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "template.md"

_EXAMPLES = {
    Kind.NAME: "西安市阎良区人民政府办公室",
    Kind.YEAR: "2024",
    Kind.EMAIL: "office@example.cn",
    Kind.DATE: "2025年1月20日（空白时为空字符串）",
    Kind.TEXT: "段落列表，逐段循环输出",
    Kind.LINE: "空白时用标准标题",
    Kind.COUNT: "0",
    Kind.MONEY_WAN: "12.5（万元，去掉末尾的 0；是数值，可写 {% if fees.amount > 0 %}）",
    Kind.MONEY_YUAN: "300（元，去掉末尾的 0；是数值，可比较大小）",
}

# Fields whose example is not the one of their kind.
_KEY_EXAMPLES = {"parent": "西安市樊川区人民政府（汇总行的机关全称；空白时为空字符串）"}

_COMPUTED = [
    ("title", "报告标题（一行，也是文档属性中的标题）：自定义标题，"
     "空白时为“{机关全称}{年度}年政府信息公开工作年度报告”",
     "西安市阎良区人民政府办公室2024年政府信息公开工作年度报告"),
    ("title_display", "排版用的报告标题（默认模板的标题行）：一行（2号字每行20字）排得下时与 title 相同，"
     "否则在机关名称之后换行，第二行为“{年度}年政府信息公开工作年度报告”；自定义标题中的换行（Alt+Enter）原样保留",
     "西安市阎良区人民政府办公室（换行）2024年政府信息公开工作年度报告"),
    *[(f"heading.{s.id}", "章节标题：自定义，空白时为标准标题", s.heading) for s in SECTIONS],
    ("summary.applications", "由表三计算的依申请公开情况句子",
     "2024年度，本机关未收到政府信息公开申请。"),
    ("summary.appeals", "由表四计算的复议诉讼情况句子",
     "2024年度，本机关未发生因政府信息公开引起的行政复议、行政诉讼案件。"),
    ("summary.processing_fee", "由信息处理费三项计算的句子（第六部分）",
     "2024年度本机关未收取信息处理费，发出收费通知的件数和总金额，以及实际收取的总金额均为0。"),
    ("other_matters", "第六部分的段落列表（逐段循环输出）：其他事项（text.other）与信息处理费句子合在一起、"
     "前后一致——正文为空时只有收费句子；正文只写“无”“本年度无”等时，先写收费句子，再写“本年度无其他需要报告的事项。”；"
     "正文自己写了收费情况的段落，由按总表数字计算的句子代替（保留段首小标题）；"
     "正文按“（一）（二）”或“1. 2.”编号时，收费句子接着编号（如“（三）收取信息处理费情况。”）",
     "（三）收取信息处理费情况。2024年度本机关未收取信息处理费，……"),
    ("subheading.problems", "第五部分“存在的主要问题”小标题；存在问题为空或已以“存在问题”“问题”"
     "“（一）”“一、”等开头时为空字符串", "（一）存在的主要问题"),
    ("subheading.improvements", "第五部分“改进情况”小标题；改进情况为空或已以“改进”“下一步”"
     "“整改”“（二）”“二、”等开头时为空字符串", "（二）改进情况"),
    ("para", "正文段落（在 `{%p for para in text.… %}` 循环中）：整段文字", "1.主动公开情况。2024年，……"),
    ("para.head", "段首的小标题（以“（一）”或“1.”开头、以“。”或“：”结尾、不超过20个字；"
     "整段不超过20个字且没有“。”时为整段），没有时为空字符串", "1.主动公开情况。"),
    ("para.body", "段落中小标题之后的文字（没有小标题时为整段）", "2024年，……"),
    ("para.level", "小标题的层级：“一”表示“（一）”式（楷体），“1”表示“1.”式（仿宋加粗），"
     "没有小标题时为空字符串", "1"),
    ("extra['列名']", "总表中模型以外的列（按表头文字取值）；表头是合法标识符时也可直接写 {{ 列名 }}",
     "张三"),
]


def render_markdown() -> str:
    """The variable reference as Markdown (deterministic)."""
    lines = [
        "# 模板变量一览",
        "",
        "本文件由 `python3 -m annual_report.format.docs` 根据格式模型（annual_report/format/model.py）"
        "生成，请勿手工修改。",
        "",
        "模板是在 Word/WPS 中编辑的 docxtpl（Jinja）模板：`{{ 变量 }}` 输出一个值；",
        "正文是段落列表，用段落标签逐段输出：",
        "",
        "```",
        "{%p for para in text.overview %}",
        "{{ para }}",
        "{%p endfor %}",
        "```",
        "",
        "默认模板在同一段中把段首小标题和其余文字分成两个文字块（run）：“（一）”式用楷体（字符样式 Run-in Heading），"
        "“1.”式用仿宋加粗（Run-in Heading Bold），其余文字用正文格式：",
        "",
        "```",
        '{%r if para.level == "1" %}{{ para.head }}{%r else %}{{ para.head }}{%r endif %}'
        "{{ para.body }}",
        "```",
        "",
        "所有值都会自动转义（`&`、`<` 等原样显示）；写错的变量名会在生成前报错"
        "（`python3 generate.py check-template templates/annual_report.docx`）。",
        "",
        "## 计算得到的变量",
        "",
        "| 变量 | 含义 | 示例 |",
        "|---|---|---|",
    ]
    for name, meaning, example in _COMPUTED:
        lines.append(f"| `{{{{ {name} }}}}` | {meaning} | {example} |")
    lines += ["", "## 总表中的字段", "", "| 变量 | 含义 | 总表列名 | 示例 |", "|---|---|---|---|"]
    for f in FIELDS:
        if f.key == "title" or f.key.startswith("heading."):
            continue
        lines.append(
            f"| `{{{{ {f.key} }}}}` | {f.label} | {f.header} "
            f"| {_KEY_EXAMPLES.get(f.key, _EXAMPLES[f.kind])} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
