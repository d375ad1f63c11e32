"""`forms` and `collect`: fill-in forms out to the agencies, returned figures into the master."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ..errors import ReportError
from .common import (
    DEFAULT_OUT,
    DEFAULT_WORKBOOK,
    LIST_BUILT_UP_TO,
    OnlyOption,
    PreviousOption,
    WorkbookArg,
    command_name,
    fail,
    out,
)

if TYPE_CHECKING:
    from ..forms.issue import IssueResult


def print_issue_result(result: IssueResult, workbook: Path, due: str | None = None) -> None:
    for agency, message in result.problems:
        out.print(f"[red]未生成[/] {escape(agency)}：{escape(message)}", highlight=False)
    if 0 < len(result.written) <= LIST_BUILT_UP_TO:
        for _agency, path, re_issued in result.written:
            out.print(f"  {'已重新生成' if re_issued else '已生成'}：{escape(str(path))}", highlight=False)
    again = sum(1 for _a, _p, flag in result.written if flag)
    kept = (f"，已有的 {len(result.kept)} 份未重写（重新下发请加 --only 机关全称，全部重写加 --force）"
            if result.kept else "")
    line = (f"已生成 {len(result.written)} 份填报表（其中重新生成 {again} 份）{kept}；"
            f"文件夹：{escape(str(result.folder))}")
    out.print(("[green]" if not result.problems else "[yellow]") + line + "[/]", highlight=False)
    if result.written:
        out.print(f"下一步：{command_name()} send {escape(str(workbook))} --forms "
                  f"{escape(str(result.folder))} --due {escape(due or '交回日期')} --dry-run，"
                  "检查邮件后去掉 --dry-run 发送。", highlight=False)


def forms(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    folder: Annotated[Path | None, typer.Option(
        "--out", help="填报表写到哪个文件夹（默认：output/<年度>/填报表）")] = None,
    previous: PreviousOption = None,
    only: OnlyOption = None,
    force: Annotated[bool, typer.Option(
        "--force", help="已生成过的表单也全部重新生成（重新下发）")] = False,
    due: Annotated[str | None, typer.Option(
        "--due", metavar="日期", help="交回截止日期，写进填表说明，如 2025-01-15")] = None,
) -> None:
    """为总表中的每个机关生成一份填报表（<机关全称>.xlsx），格式同年度报告的表格。

    表中已填好机关名称和年度（锁定），预填总表中已有的数字和正文；用 --previous 给出上年总表时，
    “上年结转”取上年的“结转下年度”，“现行有效件数”从上年起算。再次运行只生成新增机关的表单；
    要为某个机关重新下发（如退回更正），用 --only 机关全称。

    示例：python3 generate.py forms input/master.xlsx --out output/2024/填报表 --previous input/master-2023.xlsx
    """
    from ..forms.guide import due_text
    from ..forms.issue import issue_forms

    try:
        due_shown = due_text(due) if due else None
    except ValueError as exc:
        raise typer.BadParameter(f"{exc}", param_hint="--due") from None
    try:
        result = issue_forms(workbook, folder, out=DEFAULT_OUT, previous_path=previous,
                             only=only, force=force, due=due_shown)
    except ReportError as error:
        raise fail(error) from None
    print_issue_result(result, workbook, due)
    raise typer.Exit(code=result.exit_code)
