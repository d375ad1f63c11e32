"""Generate docs/format.md — the report's sections, the workbook's fields and keys, and every
rule — from the format model and the rule catalogue.

``python3 -m annual_report.checks.format_doc`` rewrites the file; a test fails when it is out of
date. (It lives in checks/ because the rule catalogue does; format/docs.py writes template.md.)
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..format.model import (
    APP_COLUMNS,
    APP_ROWS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    SECTIONS,
    TABLE3_NOTE,
    Kind,
    iter_groups,
)
from .catalog import CATALOG

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "format.md"

KIND_WORDS = {
    Kind.NAME: "文字（机关全称）",
    Kind.YEAR: "四位年份",
    Kind.EMAIL: "邮箱地址（多个用分号隔开）",
    Kind.DATE: "日期（如 2025-01-20）",
    Kind.TEXT: "多段文字（一段一行）",
    Kind.LINE: "一行文字",
    Kind.COUNT: "非负整数",
    Kind.MONEY_WAN: "金额，万元，最多 4 位小数",
    Kind.MONEY_YUAN: "金额，元，最多 2 位小数",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _intro() -> list[str]:
    lines = [
        "# 总表格式、字段键名和校验规则",
        "",
        "本文件由 `python3 -m annual_report.checks.format_doc` 根据格式模型"
        "（annual_report/format/model.py）和规则目录（annual_report/checks/catalog.py）生成，"
        "请勿手工修改。",
        "",
        "报告按《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）编写，"
        "共六部分，标题如下（原文照录）：",
        "",
    ]
    lines += [f"- {s.heading}" for s in SECTIONS]
    lines += [
        "",
        "## 总表",
        "",
        "总表每个机关占一行。`python3 generate.py init 总表.xlsx` 生成的空白总表第 1、2 行是分组，"
        "第 3 行是中文列名，第 4 行是键名，从第 5 行起填数据。表头可以只有中文列名，也可以只有键名，"
        "列的顺序随意；模型以外的列（如“联系人”）会原样带进模板（`{{ extra['联系人'] }}`）。",
        "",
        "数字单元格必须填写，没有发生的填 0。键名是公开的数据约定：以键名为表头的总表和以中文列名为"
        "表头的总表同样可用；模板中 `{{ apps.new.natural }}` 读取键名 `apps.new.natural`。",
        "",
    ]
    return lines


def _fields() -> list[str]:
    lines = ["## 字段", ""]
    for group, fields in iter_groups():
        lines += [f"### {group}", "", "| 键名 | 中文列名 | 内容 | 必填 | 填写说明 |",
                  "|---|---|---|---|---|"]
        for f in fields:
            lines.append(f"| `{f.key}` | {_cell(f.header)} | {KIND_WORDS[f.kind]} | "
                         f"{'是' if f.required else '否'} | {_cell(f.note)} |")
        lines.append("")
    return lines


def _tables() -> list[str]:
    lines = ["## 表三和表四的键名", "",
             "表三的键名是 `apps.<行>.<列>`，25 行 × 7 列，共 175 个非负整数。", "",
             "| 列键名 | 列 |", "|---|---|"]
    lines += [f"| `{key}` | {label} |" for key, label in APP_COLUMNS]
    lines += ["", "| 行键名 | 行（原文照录） |", "|---|---|"]
    for row in APP_ROWS:
        group = row.group if row.key == "granted" else ""
        label = " ".join(x for x in (group, row.subgroup, row.label) if x)
        lines.append(f"| `{row.key}` | {_cell(label)} |")
    lines += ["", f"表格左上角注明{TABLE3_NOTE}。", "",
              "表四的键名是 `<组>.<项>`：", "", "| 组键名 | 表头 |", "|---|---|"]
    for prefix, top, second in APPEAL_GROUPS:
        lines.append(f"| `{prefix}` | {top}{' — ' + second if second else ''} |")
    lines += ["", "每组的项：" + "、".join(f"`{part}` {label}" for part, label in APPEAL_PARTS)
              + "。", ""]
    return lines


def _rules() -> list[str]:
    lines = ["## 校验规则", "",
             "`check` 的输出、`--json` 的 `rule` 字段和批注副本“校验结果”工作表中的“规则”列都用下面的"
             "代码。错误：该机关的报告不生成（`build`）、不发送（`send`）；提醒：请核对，不影响生成。"
             "同一机关的结果先列错误；不是数字的单元格（R5）和表格本身不合计的数字（R1–R4）排在由它"
             "引起的问题之前，由它引起的问题会注明“先改正表三的……”。", "",
             "| 代码 | 级别 | 名称 | 含义 | 来源 |", "|---|---|---|---|---|"]
    for rule in CATALOG:
        lines.append(f"| {rule.code} | {rule.severity.label} | {rule.title} | "
                     f"{_cell(rule.explanation)} | {rule.origin} |")
    lines.append("")
    return lines


def render_markdown() -> str:
    """docs/format.md as Markdown (deterministic)."""
    return "\n".join([*_intro(), *_fields(), *_tables(), *_rules()]).rstrip("\n") + "\n"


def main() -> int:
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(render_markdown(), encoding="utf-8")
    print(f"已写出 {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
