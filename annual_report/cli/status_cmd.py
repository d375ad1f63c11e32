"""`status`: every agency's place in the cycle, in the terminal and as 总览.html."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import ReportError
from .common import DEFAULT_OUT, DEFAULT_WORKBOOK, OutOption, WorkbookArg, fail, out


def status(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    out_dir: OutOption = DEFAULT_OUT,
    forms_dir: Annotated[Path | None, typer.Option(
        "--forms", help="填报表文件夹（默认：输出文件夹下的 <年度>/填报表）")] = None,
) -> None:
    """每个机关走到了哪一步：表单发出、交表（时间）、错误和提醒、报告是否最新、是否已发送（含更正）。

    同时写出可双击打开的网页 <输出文件夹>/总览.html（不需要网络），可按列排序，可筛选“未交表”
    “有错误”“未发送”。

    示例：python3 generate.py status input/master.xlsx --out output
    """
    from rich.table import Table

    from ..status.overview import build_overview
    from ..status.page import write_page

    try:
        overview = build_overview(workbook, out_dir, forms_dir)
        page = write_page(overview, out_dir)
    except ReportError as error:
        raise fail(error) from None
    table = Table(title=f"{overview.year or ''}年度进度", title_justify="left")
    for name in ("机关", "表单", "交表", "校验", "报告", "报告发送"):
        table.add_column(name, overflow="fold")
    for s in overview.agencies:
        check = ("[green]无错误[/]" if not s.errors else f"[red]{s.errors} 个错误[/]") + (
            f"，[yellow]{s.warnings} 个提醒[/]" if s.warnings else "")
        returned = f"{s.returned} {s.returned_at}".strip()
        table.add_row(
            escape(s.agency), escape(f"{s.form} {s.form_sent_at}".strip()),
            (f"[green]{escape(returned)}[/]" if s.has_returned else f"[red]{escape(returned)}[/]"),
            check, escape(s.report), escape(f"{s.sent} {s.sent_at}".strip()))
    out.print(table)
    counts = overview.counts()
    out.print("；".join(f"{k} {v}" for k, v in counts.items()) + "。", highlight=False)
    missing = [s.agency for s in overview.agencies if not s.has_returned]
    if missing and len(missing) < len(overview.agencies):
        out.print(f"[yellow]未交表 {len(missing)} 个：[/]{escape('、'.join(missing))}", highlight=False)
    for note in overview.notes:
        out.print(f"[yellow]注意：[/]{escape(note)}", highlight=False)
    out.print(f"总览网页：{escape(str(page))}（双击即可打开）", highlight=False)
