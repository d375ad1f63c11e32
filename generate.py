#!/usr/bin/env python3
"""政府信息公开工作年度报告：批量校验、生成、发送。

Glue only: parse options, call the library (``annual_report``), print, choose the exit code.
Exit codes: 0 success, 1 problems found in the data (or a failed report / message),
2 unusable input (a file that cannot be read, a bad option).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from annual_report.errors import ReportError

if TYPE_CHECKING:
    from annual_report.build import BuildResult
    from annual_report.check import CheckReport

app = typer.Typer(
    help="政府信息公开工作年度报告：校验总表、批量生成报告、发送给各单位。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
)
out = Console()
err = Console(stderr=True)

DEFAULT_WORKBOOK = Path("input/master.xlsx")
DEFAULT_OUT = Path("output")

WorkbookArg = Annotated[
    Path,
    typer.Argument(help="总表工作簿（.xlsx/.xls/.ods/.csv）", show_default=True),
]
OutOption = Annotated[Path, typer.Option("--out", help="输出文件夹")]
OnlyOption = Annotated[
    list[str] | None, typer.Option("--only", help="只处理这个机关（机关全称，可重复）")
]


def fail(error: ReportError) -> typer.Exit:
    """Print a fatal error in Chinese and return the exit to raise."""
    err.print(f"[bold red]错误：[/]{error}", highlight=False)
    return typer.Exit(code=error.exit_code)


# --- init / check -------------------------------------------------------------------------------

PreviousOption = Annotated[
    Path | None,
    typer.Option("--previous", help="上一年度的总表，用于跨年核对（W1）和正文重复检查（W3）"),
]
BlankAsZeroOption = Annotated[
    bool, typer.Option("--blank-as-zero", help="把空白的数字单元格当作 0（并给出提醒）")
]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="总表所在的工作表名（默认自动识别）")]
MAX_PER_AGENCY = 30


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="要生成的空白总表路径")] = Path("总表.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="文件已存在时覆盖")] = False,
) -> None:
    """生成空白总表（每个机关一行），附“填表说明”工作表。

    示例：python generate.py init 2024年总表.xlsx
    """
    from annual_report.blank import write_workbook

    if path.exists() and not force:
        err.print(f"[bold red]错误：[/]{path} 已存在，未覆盖。换一个文件名，或加 --force 覆盖。")
        raise typer.Exit(code=2)
    try:
        write_workbook(path)
    except ReportError as error:
        raise fail(error) from None
    out.print(f"已生成空白总表：{path}（工作表“总表”从第 5 行起每个机关填一行，说明见“填表说明”）")


def print_check_report(report: CheckReport) -> None:
    """Per agency, errors first; then one summary line."""
    for row in report.rows:
        findings = report.findings_for(row)
        if not findings:
            continue
        errors = sum(f.is_error for f in findings)
        head = f"[bold]{row.agency}[/]（第 {row.row} 行）：{errors} 个错误，{len(findings) - errors} 个提醒"
        out.print(head, highlight=False)
        for f in findings[:MAX_PER_AGENCY]:
            tag = "[red]错误[/]" if f.is_error else "[yellow]提醒[/]"
            out.print(f"  {tag} {f.cell} [dim]{f.rule}[/] {f.message}", highlight=False)
        if len(findings) > MAX_PER_AGENCY:
            out.print(f"  ……另有 {len(findings) - MAX_PER_AGENCY} 条，完整列表请用 --annotate 或 --json。")
    total = len(report.rows)
    bad = sum(not report.is_valid(r) for r in report.rows)
    line = (f"共 {total} 个机关：{total - bad} 个无错误，{bad} 个有错误；"
            f"错误 {len(report.errors)} 条，提醒 {len(report.warnings)} 条。")
    out.print(("[green]" if not bad else "[red]") + line + "[/]", highlight=False)


@app.command()
def check(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="把校验结果写成 JSON 文件")
    ] = None,
    annotate: Annotated[
        Path | None, typer.Option("--annotate", help="写一份标出问题单元格的总表副本（.xlsx）")
    ] = None,
    previous: PreviousOption = None,
    blank_as_zero: BlankAsZeroOption = False,
    sheet: SheetOption = None,
) -> None:
    """校验总表：每个机关的数字和正文是否符合年度报告格式的勾稽关系。

    退出码：0 没有错误（可以有提醒），1 发现错误，2 文件无法使用。

    示例：python generate.py check input/master.xlsx --annotate 总表-批注.xlsx
    """
    from annual_report.annotate import write_annotated
    from annual_report.check import check_workbook
    from annual_report.workbook import ReadOptions

    try:
        report = check_workbook(workbook, ReadOptions(blank_as_zero, sheet), previous)
        print_check_report(report)
        if json_path:
            report.write_json(json_path)
            out.print(f"校验结果已写入 {json_path}")
        if annotate:
            write_annotated(report, annotate)
            out.print(f"已写出批注副本：{annotate}（红色为错误，黄色为提醒，见“校验结果”工作表）")
    except ReportError as error:
        raise fail(error) from None
    raise typer.Exit(code=0 if report.ok else 1)


# --- build / check-template ---------------------------------------------------------------------


def print_build_result(result: BuildResult, out_dir: Path) -> None:
    """What was built, skipped, refused and why; one line per problem."""
    for title, items, style in (
        ("未生成（总表有错误，请先用 check 查看并改正）", result.invalid, "red"),
        ("未覆盖", result.conflicts, "red"),
        ("生成失败", result.failed, "red"),
        ("PDF 转换失败", result.pdf_failed, "red"),
        ("过期文件（总表中已没有这些机关）", result.stale, "yellow"),
    ):
        if items:
            out.print(f"[{style}]{title}：{len(items)} 个[/]", highlight=False)
            for item in items:
                where = f" {item.file}" if item.file else ""
                out.print(f"  - {item.agency}{where}：{item.message}", highlight=False)
    pdf = f"，PDF {len(result.pdf_built)} 个" if result.pdf_built else ""
    line = (f"已生成 {len(result.built)} 份报告{pdf}，未变化跳过 {len(result.skipped)} 份"
            f"（加 --force 可全部重新生成）；输出文件夹：{out_dir}")
    out.print(("[green]" if result.exit_code == 0 else "[yellow]") + line + "[/]", highlight=False)


@app.command()
def build(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    out_dir: OutOption = DEFAULT_OUT,
    template: Annotated[
        Path | None,
        typer.Option("--template", help="DOCX 模板（默认 templates/annual_report.docx）",
                     exists=True, dir_okay=False),
    ] = None,
    only: OnlyOption = None,
    jobs: Annotated[int, typer.Option("--jobs", min=0, help="并行进程数（0 为全部 CPU 核）")] = 0,
    force: Annotated[bool, typer.Option("--force", help="全部重新生成，并覆盖手工改过的文件")] = False,
    allow_invalid: Annotated[
        bool, typer.Option("--allow-invalid", help="有错误的机关也生成报告（不建议）")
    ] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 生成 PDF")] = False,
    previous: PreviousOption = None,
    blank_as_zero: BlankAsZeroOption = False,
    sheet: SheetOption = None,
) -> None:
    """先校验总表，再为每个没有错误的机关生成年度报告（output/<年度>/<机关>.docx）。

    再次运行时只重新生成总表或模板有变化的机关；手工改过的文件不会被覆盖。

    示例：python generate.py build input/master.xlsx --pdf
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from annual_report.build import DEFAULT_TEMPLATE, BuildOptions, build_reports
    from annual_report.workbook import ReadOptions

    options = BuildOptions(
        out=out_dir, template=template or DEFAULT_TEMPLATE, only=tuple(only or ()), force=force,
        allow_invalid=allow_invalid, jobs=jobs, pdf=pdf,
        read=ReadOptions(blank_as_zero, sheet), previous=previous,
    )
    try:
        with Progress("生成报告", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task("build", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = build_reports(workbook, options, advance)
    except ReportError as error:
        raise fail(error) from None
    print_build_result(result, out_dir)
    raise typer.Exit(code=result.exit_code)


@app.command("check-template")
def check_template(
    template: Annotated[
        Path, typer.Argument(help="要检查的 DOCX 模板", exists=True, dir_okay=False)
    ] = Path("templates/annual_report.docx"),
    workbook: Annotated[
        Path | None, typer.Option("--workbook", help="同时允许这个总表中的附加列作为变量")
    ] = None,
) -> None:
    """检查模板：标签语法是否正确，用到的变量是否都能由总表提供。

    示例：python generate.py check-template templates/我的模板.docx
    """
    from annual_report.build import load_checked_template
    from annual_report.workbook import read_workbook

    try:
        extras = list(read_workbook(workbook).extra_columns) if workbook else []
        compiled = load_checked_template(template, extras)
    except ReportError as error:
        raise fail(error) from None
    out.print(f"[green]模板 {template} 可以使用：共用到 {len(compiled.variables())} 个变量，"
              "全部能由总表提供。[/]", highlight=False)


# --- send command --------------------------------------------------------------------------------
# (filled in by the send issue)


if __name__ == "__main__":
    sys.exit(app())
