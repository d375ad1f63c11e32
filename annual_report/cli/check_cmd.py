"""`init` and `check`: the blank workbook and the check report in the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import ReportError
from .common import (
    DEFAULT_WORKBOOK,
    MAX_PER_AGENCY,
    BlankAsZeroOption,
    PreviousOption,
    SheetOption,
    SumInForceOption,
    WorkbookArg,
    err,
    fail,
    out,
    refuse_existing,
    write_stdout_utf8,
)

if TYPE_CHECKING:
    from ..checks.run import CheckReport


def init(
    path: Annotated[Path, typer.Argument(help="要生成的空白总表路径")] = Path("总表.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="文件已存在时覆盖")] = False,
) -> None:
    """生成空白总表（每个机关一行），附“填表说明”工作表。

    示例：python3 generate.py init 2024年总表.xlsx
    """
    from ..workbook.blank import write_workbook

    refuse_existing(path, force)
    try:
        write_workbook(path)
    except ReportError as error:
        raise fail(error) from None
    out.print(f"已生成空白总表：{escape(str(path))}（工作表“总表”从第 5 行起每个机关填一行，说明见“填表说明”）")


def print_check_report(report: CheckReport, console: Console = out) -> None:
    """Per agency, errors first; then one summary line."""
    for row in report.rows:
        findings = report.findings_for(row)
        if not findings:
            continue
        errors = sum(f.is_error for f in findings)
        name = row.agency if "agency" in row.values else "（机关全称为空）"
        head = (f"[bold]{escape(name)}[/]（第 {row.row} 行）：{errors} 个错误，"
                f"{len(findings) - errors} 个提醒")
        console.print(head, highlight=False)
        for f in findings[:MAX_PER_AGENCY]:
            tag = "[red]错误[/]" if f.is_error else "[yellow]提醒[/]"
            console.print(f"  {tag} {escape(f.cell)} [dim]{f.rule}[/] {escape(f.message)}",
                      highlight=False)
        if len(findings) > MAX_PER_AGENCY:
            console.print(f"  ……另有 {len(findings) - MAX_PER_AGENCY} 条，完整列表请用 --annotate 或 --json。")
    for note in report.notes:
        console.print(f"[yellow]注意：[/]{escape(note)}", highlight=False)
    total = len(report.rows)
    bad = sum(not report.is_valid(r) for r in report.rows)
    line = (f"共 {total} 个机关：{total - bad} 个无错误，{bad} 个有错误；"
            f"错误 {len(report.errors)} 条，提醒 {len(report.warnings)} 条。")
    console.print(("[green]" if not bad else "[red]") + line + "[/]", highlight=False)


def check(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="把校验结果写成 JSON 文件（写 - 则输出到屏幕，供其他程序读取）"),
    ] = None,
    annotate: Annotated[
        Path | None, typer.Option("--annotate", help="写一份标出问题单元格的总表副本（.xlsx）")
    ] = None,
    previous: PreviousOption = None,
    blank_as_zero: BlankAsZeroOption = False,
    sheet: SheetOption = None,
    sum_in_force: SumInForceOption = False,
    against: Annotated[
        Path | None,
        typer.Option("--against", help="审定的总表：对照导入的已发布报告与审定的数字和正文（规则 P1）"),
    ] = None,
) -> None:
    """校验总表：每个机关的数字和正文是否符合年度报告格式的勾稽关系。

    退出码：0 没有错误（可以有提醒），1 发现错误，2 文件无法使用。

    示例：python3 generate.py check input/master.xlsx --annotate 总表-批注.xlsx
    """
    inputs = [p.resolve() for p in (workbook, previous, against) if p is not None]
    outputs = [p for p in (json_path, annotate) if p is not None and p != Path("-")]
    for target in outputs:
        if target.resolve() in inputs:
            raise typer.BadParameter(
                f"不能覆盖原总表：{target} 是要读取的总表，请给结果另起一个文件名。",
                param_hint="--json" if target is json_path else "--annotate")
    if len(outputs) == 2 and outputs[0].resolve() == outputs[1].resolve():
        raise typer.BadParameter("--json 和 --annotate 不能写到同一个文件。", param_hint="--json")
    if annotate is not None and annotate.suffix.lower() != ".xlsx":
        raise typer.BadParameter("批注副本是 Excel 工作簿，文件名请以 .xlsx 结尾，如 总表-批注.xlsx。",
                                 param_hint="--annotate")
    from ..workbook.sheets import prefetch

    prefetch(workbook, sheet)  # read while the rules' modules load (calamine lets go of the GIL)
    from ..checks.run import check_workbook
    from ..workbook.rows import ReadOptions

    try:
        report = check_workbook(workbook, ReadOptions(blank_as_zero, sheet), previous,
                                sum_in_force=sum_in_force, against=against)
        to_stdout = json_path == Path("-")
        print_check_report(report, err if to_stdout else out)
        if to_stdout:
            write_stdout_utf8(report.to_json())
        elif json_path:
            report.write_json(json_path)
            out.print(f"校验结果已写入 {escape(str(json_path))}")
        if annotate:
            from ..checks.annotate import write_annotated  # openpyxl: only for --annotate

            write_annotated(report, annotate)
            out.print(f"已写出批注副本：{escape(str(annotate))}（红色为错误，黄色为提醒，见“校验结果”工作表）")
    except ReportError as error:
        raise fail(error) from None
    raise typer.Exit(code=0 if report.ok else 1)

