"""`send`: e-mail each agency its report; password prompt and the result table."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..errors import ReportError
from .common import (
    DEFAULT_OUT,
    DEFAULT_WORKBOOK,
    OnlyOption,
    OutOption,
    WorkbookArg,
    err,
    fail,
    out,
)
from .signals import signals_as_interrupt

if TYPE_CHECKING:
    from ..mail.results import AgencyResult
    from ..mail.settings import SendSettings
    from ..workbook.rows import Workbook


_SEND_STYLE = {
    "sent": "green",
    "dry_run": "cyan",
    "already_sent": "dim",
    "partial": "bold red",
    "failed": "bold red",
    "uncertain": "bold magenta",
}


def _send_fail(error: Exception, password: str | None) -> typer.Exit:
    """Print a fatal send error without the password and return the exit to raise."""
    from ..mail.secrets import scrub

    if isinstance(error, ReportError):
        text, code = str(error), error.exit_code
    else:  # a bug: still never print the password, nor the locals
        text, code = f"内部错误（{type(error).__name__}：{error}）。请把这条信息告诉维护人员。", 2
    err.print("[bold red]错误：[/]" + escape(scrub(text, password)), highlight=False)
    return typer.Exit(code=code)


def _ask_password(user: str) -> str:
    from ..errors import MailError
    from ..mail.settings import PASSWORD_ENV

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


_FINE = ("sent", "dry_run", "already_sent")  # nothing to do: the table line says it all


def _print_send_summary(result: Any, interrupted: bool = False) -> None:
    """One line per agency (35 agencies fit a screen); what needs doing is then said in full."""
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table

    from ..mail.results import Status

    title = "试运行结果（没有发送任何邮件）" if result.dry_run else "发送结果"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False)
    # Content widths; between two columns stand 3 cells (padding, divider, padding).
    names = max((cell_len(r.agency) for r in result.results), default=4)
    status_width = max(cell_len(s.label) for s in Status)
    agency_width = min(max(names, 4), max(out.width - status_width - 26, 12))
    address_width = max(out.width - agency_width - status_width - 6, 12)
    table.add_column("机关", no_wrap=True, overflow="ellipsis", width=agency_width)
    table.add_column("结果", no_wrap=True, width=status_width)
    table.add_column("收件地址", no_wrap=True, overflow="ellipsis", width=address_width)
    todo = []
    for r in result.results:
        style = _SEND_STYLE.get(r.status.value, "yellow")
        if r.status.value not in _FINE and r.detail:
            todo.append((r, style))
        table.add_row(escape(r.agency), f"[{style}]{r.status.label}[/]",
                      escape("、".join(r.addresses)))
    out.print(table)
    for r, style in todo:  # the 说明 in full, one paragraph each
        out.print(f"[{style}]{r.status.label}[/] {escape(r.agency)}：{escape(r.detail)}",
                  highlight=False)
    before = sum(r.status.value == "already_sent" for r in result.results)
    if before:
        out.print(f"[dim]此前已发送 {before} 个单位：这些文件以前发过，不再重复发送"
                  "（何时发的见发送记录 send-log.jsonl）。[/]", highlight=False)
    counts = result.counts()
    parts = [f"{status.label} {counts[status]}" for status in Status if counts.get(status)]
    out.print(f"共 {len(result.results)} 个单位：" + "，".join(parts) + "。", highlight=False)
    if result.aborted:
        out.print("[bold red]发送中途停止：[/]" + escape(result.aborted), highlight=False)
    if interrupted:
        out.print("[bold red]已中断。[/]已送达的邮件都已记入发送记录；"
                  "重新运行 send 会继续发送其余的，不会重复（中断时正在发送、结果不明的会列为“状态不明”）。",
                  highlight=False)
    if result.problems:
        out.print("[yellow]标黄的单位没有发送：请按上面各行的说明处理（填写邮箱、运行 build 等）"
                  "后重新运行 send。[/]", highlight=False)
    if result.failures:
        out.print("[bold red]标红的单位发送失败：[/]请按上面各行的说明核对后重新运行 send，"
                  "只会补发尚未送达的地址。", highlight=False)
    if result.uncertain:
        out.print("[bold magenta]状态不明的单位：[/]邮件已交给服务器，但没有收到服务器确认，"
                  "不知道对方是否收到，所以不会自动重发。请向这些单位确认：没收到的，运行 "
                  "[bold]send --resend-uncertain[/]（可加 --only 单位名）重发，邮件编号与上次相同；"
                  "已收到的，运行 [bold]send --confirm-uncertain[/] 记为已发送。", highlight=False)
    if result.dry_run:
        if result.eml_dir is not None and any(r.eml for r in result.results):
            out.print(f"邮件文件在 {escape(str(result.eml_dir))}，可用 Outlook、Foxmail 打开检查；"
                      "确认无误后去掉 --dry-run 正式发送。", highlight=False)
    else:
        out.print(f"发送记录：{escape(str(result.log_path))}", highlight=False)


def send(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    out_dir: OutOption = DEFAULT_OUT,
    only: OnlyOption = None,
    smtp: Annotated[str | None, typer.Option(
        "--smtp", metavar="主机:端口", help="邮件服务器和端口，如 smtp.example.gov.cn:465")] = None,
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
    resend_uncertain: Annotated[bool, typer.Option(
        "--resend-uncertain",
        help="重发“状态不明”的邮件（上次已交给服务器但没有收到确认的）；请先向对方确认没收到")] = False,
    confirm_uncertain: Annotated[bool, typer.Option(
        "--confirm-uncertain",
        help="把“状态不明”的邮件记为已发送（已向对方确认收到），不再重发")] = False,
    forms: Annotated[Path | None, typer.Option(
        "--forms", metavar="文件夹",
        help="改为发送填报表：forms 生成的文件夹（每个单位发它自己的表，同样只发一次）")] = None,
    due: Annotated[str | None, typer.Option(
        "--due", metavar="日期", help="填报表的交回截止日期，写进邮件，如 2025-01-15（配合 --forms）")
    ] = None,
) -> None:
    """把各单位的报告用电子邮件发给该单位：每份报告只发一次，报告更正后重发并在主题中注明【更正】。

    已交给服务器却没有收到确认的邮件列为“状态不明”，不会自动重发：向对方确认后，用
    --resend-uncertain 重发，或用 --confirm-uncertain 记为已发送。

    服务器、发件人等可写在当前文件夹的 send.toml 中（命令行选项优先）；密码只从环境变量
    SMTP_PASSWORD 读取，或在提示时输入，不能写在选项或文件里。先用 --dry-run 检查邮件。

    示例：python3 generate.py send --dry-run

    示例：python3 generate.py send --smtp smtp.example.gov.cn:465 --user gov@example.cn

    示例：python3 generate.py send --forms output/2024/填报表 --due 2025-01-15 --dry-run
    """
    from ..errors import MailError
    from ..mail import send as sending
    from ..mail.secrets import remember
    from ..mail.settings import CONFIG_NAME, PASSWORD_ENV, resolve_settings
    from ..workbook.rows import read_workbook

    password = os.environ.get(PASSWORD_ENV) or None
    options: dict[str, Any] = {
        "smtp": smtp, "security": security, "user": user, "sender": sender, "cafile": cafile,
        "bcc": bcc, "rate": rate, "subject_template": subject_template,
        "body_template": body_template,
    }
    remember(password, user)
    due_words = _due_words(forms, due)
    with contextlib.ExitStack() as stack:
        try:
            if config is not None and not config.is_file():
                raise MailError(f"找不到设置文件 {config}（--config）。请检查路径。")
            settings = resolve_settings(options, config or Path(CONFIG_NAME))
            remember(password, settings.user)
            settings.check(dry_run=dry_run)
            book = read_workbook(workbook)
            # Held from before the send log is read until the last message is recorded.
            stack.enter_context(sending.send_lock(out_dir))
        except Exception as exc:
            raise _send_fail(exc, password) from None
        if forms is not None and eml_dir is None:
            eml_dir = out_dir / FORMS_EML_DIR  # apart from the reports' dry run
        _send_locked(book, out_dir, settings, password, only=only, dry_run=dry_run,
                     eml_dir=eml_dir, resend_uncertain=resend_uncertain,
                     confirm_uncertain=confirm_uncertain, forms=forms, due=due_words)


FORMS_EML_DIR = "eml-填报表"


def _due_words(forms: Path | None, due: str | None) -> str:
    """The due date of ``--forms`` as written in the message (``2025年1月15日``)."""
    from ..forms.guide import due_text

    if forms is None:
        if due is not None:
            raise typer.BadParameter("--due 只用于发送填报表（--forms）。", param_hint="--due")
        return ""
    if due is None:
        raise typer.BadParameter("发送填报表时请用 --due 给出交回截止日期，如 --due 2025-01-15。",
                                 param_hint="--due")
    try:
        return due_text(due)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--due") from None


def _send_locked(book: Workbook, out_dir: Path, settings: SendSettings, password: str | None, *,
                 only: list[str] | None, dry_run: bool, eml_dir: Path | None,
                 resend_uncertain: bool, confirm_uncertain: bool, forms: Path | None = None,
                 due: str = "") -> None:
    """Plan, ask for the password, send and print: all under the output folder's lock."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..mail import send as sending
    from ..mail.forms_planning import plan_form_sends
    from ..mail.planning import plan_sends
    from ..mail.secrets import remember

    try:
        if forms is not None:
            plan = plan_form_sends(book, out_dir, forms, settings, due=due, only=only,
                                   resend_uncertain=resend_uncertain,
                                   confirm_uncertain=confirm_uncertain)
        else:
            plan = plan_sends(book, out_dir, settings, only=only,
                              resend_uncertain=resend_uncertain,
                              confirm_uncertain=confirm_uncertain)
    except Exception as exc:
        raise _send_fail(exc, password) from None
    if not dry_run and plan.outgoing and password is None and settings.user:
        password = _ask_password(settings.user)
        remember(password, settings.user)

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
            with signals_as_interrupt():  # SIGTERM/SIGHUP wind down like Ctrl+C
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
