"""`rollup`: the rolled-up copy of the master, and what it found, in the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ..errors import ReportError
from .common import (
    DEFAULT_WORKBOOK,
    MAX_PER_AGENCY,
    SheetOption,
    SumInForceOption,
    WorkbookArg,
    command_name,
    fail,
    out,
    refuse_existing,
)

if TYPE_CHECKING:
    from ..rollup.run import RollupResult


def print_rollup_result(result: RollupResult) -> None:
    """Each aggregate and what was filled; the aggregate findings; the rest as a count."""
    for name in result.aggregates:
        count = result.filled.get(name, 0)
        what = f"按下级之和填写了 {count} 个空白数字" if count else "没有空白的数字需要填写，已与下级之和核对"
        out.print(f"汇总行「{escape(name)}」：{what}", highlight=False)
    shown = result.aggregate_findings
    for f in shown[:MAX_PER_AGENCY * 3]:
        tag = "[red]错误[/]" if f.is_error else "[yellow]提醒[/]"
        out.print(f"  {tag} {escape(f.cell)} [dim]{f.rule}[/] {escape(f.agency)}：{escape(f.message)}",
                  highlight=False)
    if len(shown) > MAX_PER_AGENCY * 3:
        out.print(f"  ……另有 {len(shown) - MAX_PER_AGENCY * 3} 条，完整列表请用 check --json。")
    for note in result.notes:
        out.print(f"[yellow]注意：[/]{escape(note)}", highlight=False)
    others = [f for f in result.report.findings if not f.rule.startswith("A")]
    errors = sum(f.is_error for f in others)
    if others:
        out.print(f"副本中另有 {errors} 个错误、{len(others) - errors} 个提醒（不属于汇总核对），"
                  f"请用 {command_name()} check {escape(str(result.into))} 查看。", highlight=False)
    out.print(f"“汇总”工作表附图表：{escape('；'.join(result.charts))}", highlight=False)
    style = "[green]" if result.report.ok else "[yellow]"
    out.print(f"{style}已写出汇总副本：{escape(str(result.into))}（原总表未改动）[/]", highlight=False)


def rollup(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    into: Annotated[
        Path | None, typer.Option("--into", help="要写出的汇总副本（.xlsx）；原总表不会改动")
    ] = None,
    sum_in_force: SumInForceOption = False,
    force: Annotated[bool, typer.Option("--force", help="--into 的文件已存在时覆盖")] = False,
    sheet: SheetOption = None,
) -> None:
    """汇总：为汇总行（别的行在“汇总到”填了它）填写下级之和，并加“汇总”工作表（比率和图表）。

    结果写成一份新的总表副本；汇总行已填的数字不改动，与下级之和不一致时报错（A1）。
    退出码：0 副本没有错误，1 副本中有错误，2 文件或参数无法使用。

    示例：python3 generate.py rollup input/master.xlsx --into 总表-汇总.xlsx
    """
    from ..rollup.run import RollupOptions, rollup_workbook

    if into is None:
        raise typer.BadParameter("请用 --into 指定汇总副本的文件名，如 --into 总表-汇总.xlsx。",
                                 param_hint="--into")
    if into.suffix.lower() != ".xlsx":
        raise typer.BadParameter("汇总副本是 Excel 工作簿，文件名请以 .xlsx 结尾，如 总表-汇总.xlsx。",
                                 param_hint="--into")
    if into.exists() and into.resolve() == workbook.resolve():
        raise typer.BadParameter(f"不能覆盖原总表：{into} 是要读取的总表，请给汇总副本另起一个文件名。",
                                 param_hint="--into")
    refuse_existing(into, force)
    try:
        result = rollup_workbook(workbook, into, RollupOptions(sum_in_force, sheet))
    except ReportError as error:
        raise fail(error) from None
    print_rollup_result(result)
    raise typer.Exit(code=0 if result.report.ok else 1)
