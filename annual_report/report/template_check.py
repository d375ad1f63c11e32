"""Check a template before a batch: its variables exist and a trial report renders."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

from ..errors import ReportError, TemplateError
from .context import sample_context, trial_context
from .render import CompiledTemplate, CoreProperties


def _sample_with_extras(extras: list[str], trial: bool = False) -> dict[str, Any]:
    context = trial_context() if trial else sample_context()
    context["extra"] = dict.fromkeys(extras, "示例")
    for name in extras:
        if name.isidentifier() and name not in context:
            context[name] = "示例"
    return context


def template_problems(template: CompiledTemplate, extras: list[str]) -> list[str]:
    """Variables the template reads that no workbook row can provide."""
    return template.unknown_variables(_sample_with_extras(extras))


def _variable_names(context: dict[str, Any], prefix: str = "") -> list[str]:
    """Every dotted variable path of a context (``apps.new.total`` …)."""
    names: list[str] = []
    for key, value in context.items():
        path = f"{prefix}{key}"
        names.append(path)
        if isinstance(value, dict):
            names += _variable_names(value, path + ".")
    return names


def load_checked_template(
    path: Path, extras: list[str], compiled: CompiledTemplate | TemplateError | None = None
) -> CompiledTemplate:
    """Compile a template and check it before a batch: its variables exist, and a trial report
    made from sample figures renders (a comparison or filter that fails on real values fails
    here once, not for every agency). ``compiled``: the template compiled (or failed) already,
    while the workbook was read."""
    if isinstance(compiled, TemplateError):
        raise compiled
    template = compiled if compiled is not None else CompiledTemplate.load(path)
    if not template.variables():
        raise TemplateError(
            f"模板 {path.name} 中没有任何 {{{{ }}}} 标签：每个机关的报告都会一模一样。"
            "请使用 templates/annual_report.docx 或在模板中加入变量（见 docs/template.md）。")
    unknown = template_problems(template, extras)
    if unknown:
        known = _variable_names(_sample_with_extras(extras))
        described = []
        for name in unknown[:10]:
            near = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
            described.append(f"{name}（是否是 {near[0]}？）" if near else name)
        raise TemplateError(
            f"模板 {path.name} 使用了总表中没有的变量：{'、'.join(described)}。"
            "请改正模板中的变量名（变量清单见 docs/template.md），或在总表中增加同名的列"
            "（用 check-template 检查时，请加 --workbook 总表.xlsx 让它认得总表中的附加列）。"
        )
    try:
        template.render(_sample_with_extras(extras, trial=True), CoreProperties("示例", "示例机关",
                                                                   dt.datetime(2025, 1, 20)))
    except ReportError as error:
        raise TemplateError(f"用示例数据试生成报告时出错：{error}") from error
    return template
