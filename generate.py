#!/usr/bin/env python3
"""政府信息公开工作年度报告：批量校验、生成、发送。

Glue only: parse options, call the library (``annual_report``), print, choose the exit code.
Exit codes: 0 success, 1 problems found in the data (or a failed report / message),
2 unusable input (a file that cannot be read, a bad option), 3 an internal error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from annual_report.cli_chinese import speak_chinese
from annual_report.errors import ReportError

if TYPE_CHECKING:
    from annual_report.checks.run import CheckReport
    from annual_report.mail.results import AgencyResult
    from annual_report.report.build import BuildResult

speak_chinese()

app = typer.Typer(
    options_metavar="[选项]",
    subcommand_metavar="命令 [参数]...",
    help="政府信息公开工作年度报告：校验总表、批量生成报告、发送给各单位。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # main() words unexpected errors for the user instead
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
)
# Messages are long Chinese sentences: never hard-wrap them when the output goes to a file.
out = Console(soft_wrap=not sys.stdout.isatty())
err = Console(stderr=True, soft_wrap=not sys.stderr.isatty())

DEFAULT_WORKBOOK = Path("input/master.xlsx")
DEFAULT_OUT = Path("output")

WorkbookArg = Annotated[
    Path,
    typer.Argument(help="总表工作簿（.xlsx/.xls/.ods/.csv）", show_default=True),
]
OutOption = Annotated[Path, typer.Option("--out", help="输出文件夹")]
OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", metavar="机关全称", help="只处理这个机关（机关全称，可重复）"),
]


def fail(error: ReportError) -> typer.Exit:
    """Print a fatal error in Chinese and return the exit to raise."""
    err.print(f"[bold red]错误：[/]{escape(str(error))}", highlight=False)
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
LIST_BUILT_UP_TO = 20  # a re-run after a correction names the files it rebuilt


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="要生成的空白总表路径")] = Path("总表.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="文件已存在时覆盖")] = False,
) -> None:
    """生成空白总表（每个机关一行），附“填表说明”工作表。

    示例：python generate.py init 2024年总表.xlsx
    """
    from annual_report.workbook.blank import write_workbook

    if path.exists() and not force:
        err.print(f"[bold red]错误：[/]{escape(str(path))} 已存在，未覆盖。换一个文件名，或加 --force 覆盖。")
        raise typer.Exit(code=2)
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


@app.command()
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
) -> None:
    """校验总表：每个机关的数字和正文是否符合年度报告格式的勾稽关系。

    退出码：0 没有错误（可以有提醒），1 发现错误，2 文件无法使用。

    示例：python generate.py check input/master.xlsx --annotate 总表-批注.xlsx
    """
    from annual_report.checks.annotate import write_annotated
    from annual_report.checks.run import check_workbook
    from annual_report.workbook.rows import ReadOptions

    inputs = [p.resolve() for p in (workbook, previous) if p is not None]
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
    try:
        report = check_workbook(workbook, ReadOptions(blank_as_zero, sheet), previous)
        to_stdout = json_path == Path("-")
        print_check_report(report, err if to_stdout else out)
        if to_stdout:
            sys.stdout.write(report.to_json())
        elif json_path:
            report.write_json(json_path)
            out.print(f"校验结果已写入 {escape(str(json_path))}")
        if annotate:
            write_annotated(report, annotate)
            out.print(f"已写出批注副本：{escape(str(annotate))}（红色为错误，黄色为提醒，见“校验结果”工作表）")
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
    for note in [*result.report.notes, *result.notes]:
        out.print(f"[yellow]注意：[/]{escape(note)}", highlight=False)
    if 0 < len(result.built) <= LIST_BUILT_UP_TO:
        for item in result.built:
            out.print(f"  已生成：{escape(str(item.file))}", highlight=False)
    pdf = f"，PDF {len(result.pdf_built)} 个" if result.pdf_built else ""
    line = (f"已生成 {len(result.built)} 份报告{pdf}，未变化跳过 {len(result.skipped)} 份"
            f"（加 --force 可全部重新生成）；输出文件夹：{escape(str(out_dir))}")
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from annual_report.report.build import DEFAULT_TEMPLATE, BuildOptions, build_reports
    from annual_report.workbook.rows import ReadOptions

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

            result = build_reports(workbook, options, advance, advance_pdf)
    except ReportError as error:
        raise fail(error) from None
    except KeyboardInterrupt:
        err.print("[bold red]已中断。[/]已写完的报告都已记录；重新运行同一命令会接着生成其余的。",
                  highlight=False)
        raise typer.Exit(code=130) from None
    print_build_result(result, out_dir)
    raise typer.Exit(code=result.exit_code)


@app.command("check-template")
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

    示例：python generate.py check-template templates/我的模板.docx --workbook input/master.xlsx
    """
    from annual_report.report.build import DEFAULT_TEMPLATE, load_checked_template
    from annual_report.workbook.rows import read_workbook

    template = template or DEFAULT_TEMPLATE
    try:
        extras = list(read_workbook(workbook).extra_columns) if workbook else []
        compiled = load_checked_template(template, extras)
    except ReportError as error:
        raise fail(error) from None
    out.print(f"[green]模板 {escape(str(template))} 可以使用：共用到 {len(compiled.variables())} 个变量，"
              "全部能由总表提供，示例数据试生成成功。[/]", highlight=False)


# --- send command --------------------------------------------------------------------------------

_SEND_STYLE = {
    "sent": "green",
    "dry_run": "cyan",
    "already_sent": "dim",
    "partial": "bold red",
    "failed": "bold red",
}


def _send_fail(error: Exception, password: str | None) -> typer.Exit:
    """Print a fatal send error without the password and return the exit to raise."""
    from annual_report.mail.smtp import scrub

    if isinstance(error, ReportError):
        text, code = str(error), error.exit_code
    else:  # a bug: still never print the password, nor the locals
        text, code = f"内部错误（{type(error).__name__}：{error}）。请把这条信息告诉维护人员。", 2
    err.print("[bold red]错误：[/]" + escape(scrub(text, password)), highlight=False)
    return typer.Exit(code=code)


def _ask_password(user: str) -> str:
    from annual_report.errors import MailError
    from annual_report.mail.settings import PASSWORD_ENV

    question = f"请输入 {user} 的邮箱密码（输入时不显示）"
    try:
        if sys.stdin.isatty():
            value = typer.prompt(question, hide_input=True, default="", show_default=False)
        else:  # piped in: nothing is echoed, and getpass would only warn (in English)
            err.print(question + "：", end="", highlight=False)
            value = sys.stdin.readline().rstrip("\r\n")
            err.print()
    except (typer.Abort, EOFError):
        value = ""
    if not value:
        raise fail(MailError(
            f"需要 {user} 的密码：请设置环境变量 {PASSWORD_ENV}，"
            "或在命令行窗口中运行 send 并按提示输入。"
        ))
    return str(value)


def _print_send_summary(result: Any, interrupted: bool = False) -> None:
    from rich.table import Table

    from annual_report.mail.results import Status

    title = "试运行结果（没有发送任何邮件）" if result.dry_run else "发送结果"
    table = Table(title=title, show_lines=False, title_justify="left")
    table.add_column("机关", overflow="fold")
    table.add_column("结果", no_wrap=True)
    table.add_column("收件地址", overflow="fold")
    table.add_column("说明", overflow="fold")
    for r in result.results:
        style = _SEND_STYLE.get(r.status.value, "yellow")
        table.add_row(escape(r.agency), f"[{style}]{r.status.label}[/]",
                      escape("、".join(r.addresses)), escape(r.detail))
    out.print(table)
    counts = result.counts()
    parts = [f"{status.label} {counts[status]}" for status in Status if counts.get(status)]
    out.print(f"共 {len(result.results)} 个单位：" + "，".join(parts) + "。", highlight=False)
    if result.aborted:
        out.print("[bold red]发送中途停止：[/]" + escape(result.aborted), highlight=False)
    if interrupted:
        out.print("[bold red]已中断。[/]已送达的邮件都已记入发送记录；"
                  "重新运行 send 会继续发送其余的，不会重复。", highlight=False)
    if result.problems:
        out.print("[yellow]标黄的单位没有发送：请按“说明”处理（填写邮箱、运行 build 等）"
                  "后重新运行 send。[/]", highlight=False)
    if result.failures:
        out.print("[bold red]标红的单位发送失败：[/]请按“说明”核对后重新运行 send，"
                  "只会补发尚未送达的地址。", highlight=False)
    if result.dry_run:
        if result.eml_dir is not None and any(r.eml for r in result.results):
            out.print(f"邮件文件在 {escape(str(result.eml_dir))}，可用 Outlook、Foxmail 打开检查；"
                      "确认无误后去掉 --dry-run 正式发送。", highlight=False)
    else:
        out.print(f"发送记录：{escape(str(result.log_path))}", highlight=False)


@app.command()
def send(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    out_dir: OutOption = DEFAULT_OUT,
    only: OnlyOption = None,
    smtp: Annotated[str | None, typer.Option(
        "--smtp", metavar="HOST:PORT", help="邮件服务器和端口，如 smtp.example.gov.cn:465")] = None,
    security: Annotated[str | None, typer.Option(
        "--security", metavar="ssl|starttls|none",
        help="加密方式：ssl（默认，一般为 465 端口）、starttls（587 端口）、"
        "none（不加密，仅限内网）",
    )] = None,
    user: Annotated[str | None, typer.Option(
        "--user", help="登录账号；密码从环境变量 SMTP_PASSWORD 读取，或在提示时输入")] = None,
    sender: Annotated[str | None, typer.Option(
        "--sender", help="发件人，如 gov@example.cn 或 “区政府办公室 <gov@example.cn>”")] = None,
    cafile: Annotated[Path | None, typer.Option(
        "--cafile", help="内部 CA 证书文件（PEM），用来校验服务器证书")] = None,
    bcc: Annotated[list[str] | None, typer.Option(
        "--bcc", help="归档地址：每封邮件密送一份（可重复）")] = None,
    rate: Annotated[float | None, typer.Option(
        "--rate", help="每分钟最多发送的封数（默认 20，0 表示不限）")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="不发送，只把每封邮件写成 .eml 文件供检查")] = False,
    eml_dir: Annotated[Path | None, typer.Option(
        "--eml-dir", help="--dry-run 写 .eml 文件的文件夹（默认：输出文件夹下的 eml）")] = None,
    subject_template: Annotated[Path | None, typer.Option(
        "--subject-template", help="邮件主题模板文件（Jinja，UTF-8）")] = None,
    body_template: Annotated[Path | None, typer.Option(
        "--body-template", help="邮件正文模板文件（Jinja，UTF-8）")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="设置文件（默认：当前文件夹的 send.toml）")] = None,
) -> None:
    """把各单位的报告用电子邮件发给该单位：每份报告只发一次，报告更正后重发并在主题中注明【更正】。

    服务器、发件人等可写在当前文件夹的 send.toml 中（命令行选项优先）；密码只从环境变量
    SMTP_PASSWORD 读取，或在提示时输入，不能写在选项或文件里。先用 --dry-run 检查邮件。

    示例：python generate.py send --dry-run

    示例：python generate.py send --smtp smtp.example.gov.cn:465 --user gov@example.cn
    """
    from annual_report.errors import MailError
    from annual_report.mail import send as sending
    from annual_report.mail.planning import plan_sends
    from annual_report.mail.settings import CONFIG_NAME, PASSWORD_ENV, resolve_settings
    from annual_report.workbook.rows import read_workbook

    password = os.environ.get(PASSWORD_ENV) or None
    options: dict[str, Any] = {
        "smtp": smtp, "security": security, "user": user, "sender": sender, "cafile": cafile,
        "bcc": bcc, "rate": rate, "subject_template": subject_template,
        "body_template": body_template,
    }
    try:
        if config is not None and not config.is_file():
            raise MailError(f"找不到设置文件 {config}（--config）。请检查路径。")
        settings = resolve_settings(options, config or Path(CONFIG_NAME))
        settings.check(dry_run=dry_run)
        plan = plan_sends(read_workbook(workbook), out_dir, settings, only=only)
    except Exception as exc:
        raise _send_fail(exc, password) from None
    if not dry_run and plan.outgoing and password is None and settings.user:
        password = _ask_password(settings.user)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    finished: list[AgencyResult] = []
    verb = "正在写入" if dry_run else "正在发送"
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True,
                  disable=not plan.outgoing or not err.is_terminal) as progress:
        task = progress.add_task(verb, total=len(plan.outgoing))

        def done(result: AgencyResult) -> None:
            finished.append(result)
            progress.advance(task)

        try:
            result = sending.send_plan(
                plan, password=password, dry_run=dry_run, eml_dir=eml_dir,
                on_start=lambda name: progress.update(task, description=f"{verb}：{escape(name)}"),
                on_done=done,
            )
        except KeyboardInterrupt:
            progress.stop()
            _print_send_summary(sending.interrupted_result(plan, finished, dry_run=dry_run,
                                                           eml_dir=eml_dir), interrupted=True)
            raise typer.Exit(code=1) from None
        except Exception as exc:
            raise _send_fail(exc, password) from None
    _print_send_summary(result)
    raise typer.Exit(code=result.exit_code)


EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 3


def main() -> int:
    """Run the app; an interruption or a bug gets a Chinese message, not a traceback."""
    import tempfile
    import traceback

    try:
        app()
    except KeyboardInterrupt:
        err.print("[bold red]已中断。[/]已完成的报告和已发出的邮件都已记录；重新运行同一命令会接着做，"
                  "不会重复。", highlight=False)
        return EXIT_INTERRUPTED
    except Exception:  # a bug: keep the details for the maintainers, tell the user what to do
        with tempfile.NamedTemporaryFile("w", prefix="年度报告-错误-", suffix=".txt",
                                         delete=False, encoding="utf-8") as log:
            log.write(traceback.format_exc())
        err.print(f"[bold red]程序内部错误[/]：{escape(traceback.format_exc(limit=0).strip())}。"
                  f"详细信息已写入 {escape(log.name)}，请把这个文件发给维护人员。", highlight=False)
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":
    sys.exit(main())
