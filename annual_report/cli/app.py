"""The typer application: every command registered, and the entry point with its exit codes.

Exit codes: 0 success, 1 problems found in the data (or a failed report / message),
2 unusable input (a file that cannot be read, a bad option), 3 an internal error.
"""

from __future__ import annotations

import typer
from rich.markup import escape

from .chinese import speak_chinese

speak_chinese()
try:  # values made without pydantic where they are plain (typer's own way otherwise)
    from .coercion import install as make_plain_values_quickly
except ImportError:  # pragma: no cover - another typer layout: typer's coercion as it is
    pass
else:
    make_plain_values_quickly()

from . import (  # noqa: E402  (after typer speaks Chinese)
    build_cmd,
    check_cmd,
    collect_cmd,
    forms_cmd,
    import_cmd,
    rollup_cmd,
    sample_cmd,
    send_cmd,
    status_cmd,
)
from .common import err  # noqa: E402

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

app.command()(check_cmd.init)
app.command()(check_cmd.check)
app.command()(build_cmd.build)
app.command("check-template")(build_cmd.check_template)
app.command()(send_cmd.send)
app.command()(rollup_cmd.rollup)
app.command()(forms_cmd.forms)
app.command()(collect_cmd.collect)
app.command()(status_cmd.status)
app.command("import")(import_cmd.import_reports)
app.command()(sample_cmd.sample)

EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 3


def main() -> int:
    """Run the app; an interruption or a bug gets a Chinese message, not a traceback."""
    import gc
    import sys

    from .reenter import collect_less_often

    collect_less_often()
    gc.freeze()  # what was imported is never walked again
    if len(sys.argv) == 1:  # the bare command shows its help: a success, not a usage error
        sys.argv.append("--help")
    try:
        app()
    except KeyboardInterrupt:
        err.print("[bold red]已中断。[/]已完成的报告和已发出的邮件都已记录；重新运行同一命令会接着做，"
                  "不会重复。", highlight=False)
        return EXIT_INTERRUPTED
    except Exception:  # a bug: keep the details for the maintainers, tell the user what to do
        import os
        import tempfile
        import traceback

        from ..mail.secrets import scrub  # the password, in any form it took, never in a file

        password = os.environ.get("SMTP_PASSWORD")
        with tempfile.NamedTemporaryFile("w", prefix="年度报告-错误-", suffix=".txt",
                                         delete=False, encoding="utf-8") as log:
            log.write(scrub(traceback.format_exc(), password))
        short = scrub(traceback.format_exc(limit=0).strip(), password)
        err.print(f"[bold red]程序内部错误[/]：{escape(short)}。"
                  f"详细信息已写入 {escape(log.name)}，请把这个文件发给维护人员。", highlight=False)
        return EXIT_INTERNAL
    return 0
