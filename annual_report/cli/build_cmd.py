"""`build` and `check-template`: reports from the workbook, and the template check."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ..errors import ReportError
from .common import (
    DEFAULT_OUT,
    DEFAULT_WORKBOOK,
    LIST_BUILT_UP_TO,
    BlankAsZeroOption,
    OnlyOption,
    OutOption,
    PreviousOption,
    SheetOption,
    WorkbookArg,
    err,
    fail,
    out,
)
from .signals import Stopped, signals_as_interrupt

if TYPE_CHECKING:
    from ..report.build import BuildResult


def print_build_result(result: BuildResult, out_dir: Path) -> None:
    """What was built, skipped, refused and why; one line per problem."""
    for title, items, style in (
        ("未生成（总表有错误，请先用 check 查看并改正）", result.invalid, "red"),
        ("未覆盖", result.conflicts, "red"),
        ("生成失败", result.failed, "red"),
        ("PDF 转换失败", result.pdf_failed, "red"),
        ("PDF 已过期", result.pdf_outdated, "yellow"),
        ("过期文件（总表中已没有这些机关）", result.stale, "yellow"),
        ("手工修改过的报告，已保留", result.kept, "yellow"),
        ("有错误但仍生成（--allow-invalid）", result.built_invalid, "yellow"),
    ):
        if items:
            out.print(f"[{style}]{title}：{len(items)} 个[/]", highlight=False)
            for item in items:
                where = f" {item.file}" if item.file else ""
                out.print(f"  - {escape(item.agency + where)}：{escape(item.message)}",
                          highlight=False)
    for note in [*result.check_notes, *result.notes]:
        out.print(f"[yellow]注意：[/]{escape(note)}", highlight=False)
    if 0 < len(result.built) <= LIST_BUILT_UP_TO:
        for item in result.built:
            out.print(f"  已生成：{escape(str(item.file))}", highlight=False)
    pdf = f"，PDF {len(result.pdf_built)} 个" if result.pdf_built else ""
    line = (f"已生成 {len(result.built)} 份报告{pdf}，未变化跳过 {len(result.skipped)} 份"
            f"（加 --force 可全部重新生成）；输出文件夹：{escape(str(out_dir))}")
    out.print(("[green]" if result.exit_code == 0 else "[yellow]") + line + "[/]", highlight=False)


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

    示例：python3 generate.py build input/master.xlsx --pdf
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from ..report.build import DEFAULT_TEMPLATE, BuildOptions, build_reports
    from ..workbook.rows import ReadOptions

    options = BuildOptions(
        out=out_dir, template=template or DEFAULT_TEMPLATE, only=tuple(only or ()), force=force,
        allow_invalid=allow_invalid, jobs=jobs, pdf=pdf,
        read=ReadOptions(blank_as_zero, sheet), previous=previous,
    )
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=err, transient=True,
                      disable=not err.is_terminal) as bar:
            docx_task = bar.add_task("生成报告", total=None, visible=False)
            pdf_task = bar.add_task("转换 PDF", total=None, visible=False)

            def advance(done: int, total: int) -> None:
                bar.update(docx_task, completed=done, total=total, visible=True)

            def advance_pdf(done: int, total: int) -> None:
                bar.update(pdf_task, completed=done, total=total, visible=True)

            with signals_as_interrupt():
                result = build_reports(workbook, options, advance, advance_pdf)
    except ReportError as error:
        raise fail(error) from None
    except KeyboardInterrupt as stop:
        why = f"（收到 {stop.name} 信号）" if isinstance(stop, Stopped) else ""
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            err.print(f"[bold red]已中断{why}。[/]已写完的报告都已记录；"
                      "重新运行同一命令会接着生成其余的。", highlight=False)
        raise typer.Exit(code=stop.exit_code if isinstance(stop, Stopped) else 130) from None
    print_build_result(result, out_dir)
    raise typer.Exit(code=result.exit_code)


def check_template(
    template: Annotated[
        Path | None,
        typer.Argument(help="要检查的 DOCX 模板（默认为自带的 templates/annual_report.docx）",
                       exists=True, dir_okay=False, show_default=False),
    ] = None,
    workbook: Annotated[
        Path | None,
        typer.Option("--workbook", help="总表：模板中用到总表附加列（如“联系人”）时，指定总表以便核对"),
    ] = None,
) -> None:
    """检查模板：标签语法是否正确，用到的变量是否都能由总表提供，并用示例数据试生成一份。

    示例：python3 generate.py check-template templates/annual_report.docx --workbook input/master.xlsx
    """
    from ..report.build import DEFAULT_TEMPLATE
    from ..report.template_check import load_checked_template
    from ..workbook.rows import read_workbook

    template = template or DEFAULT_TEMPLATE
    try:
        extras = list(read_workbook(workbook).extra_columns) if workbook else []
        compiled = load_checked_template(template, extras)
    except ReportError as error:
        raise fail(error) from None
    out.print(f"[green]模板 {escape(str(template))} 可以使用：共用到 {len(compiled.variables())} 个变量，"
              "全部能由总表提供，示例数据试生成成功。[/]", highlight=False)

