"""`import`: read the agencies' own reports (DOCX, web pages, PDF) into a master workbook."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..errors import ReportError
from .common import command_name, err, fail, out, refuse_existing

if TYPE_CHECKING:
    from ..importer.run import Rendering


def report_rendering() -> Rendering:
    """What the project's template prints besides a row's texts (its computed sentences and
    section 五's labels), so that import reads a built report back into the row it came from."""
    from ..importer.run import Rendering
    from ..report.context import (
        appeals_sentence,
        applications_sentence,
        processing_fee_sentence,
        subheading,
    )
    from ..workbook.rows import AgencyRow

    def sentences(record: Mapping[str, Any]) -> dict[str, str]:
        row = AgencyRow("总表", 5, str(record.get("agency", "")), dict(record), {}, {}, {})
        year = record.get("year", "")
        return {"applications": applications_sentence(row, year),
                "appeals": appeals_sentence(row, year),
                "processing_fee": processing_fee_sentence(row, year)}

    return Rendering(sentences, subheading)


def import_reports(
    paths: Annotated[list[Path], typer.Argument(
        help="报告文件或文件夹（可多个；文件夹中的 .docx/.html/.htm/.pdf 都会读取）")],
    into: Annotated[Path, typer.Option("--into", help="写出的总表（.xlsx），每份报告一行，附“导入记录”")],
    year: Annotated[int | None, typer.Option("--year", min=2000, max=2100,
                                             help="报告年度（标题中没有年度或年度写错时指定）")] = None,
    force: Annotated[bool, typer.Option("--force", help="--into 的文件已存在时覆盖")] = False,
) -> None:
    """读取各机关自己写的年度报告（Word .docx、网页 .html/.htm、PDF），按表格的行名和列名取数，写成总表。

    读不准的数字留空并在“导入记录”工作表中说明原因，不会猜。导入后可运行 check 校验，
    或用 check 导入.xlsx --against 审定总表.xlsx 对照发布的报告与审定的数字。

    示例：python3 generate.py import 已发布报告/ --into 导入.xlsx --year 2024
    """
    from ..importer.run import LOG_SHEET, import_paths, write_import

    if into.suffix.lower() != ".xlsx":
        raise typer.BadParameter("导入结果是 Excel 工作簿，文件名请以 .xlsx 结尾，如 导入.xlsx。",
                                 param_hint="--into")
    refuse_existing(into, force)
    try:
        result = import_paths(paths, year, report_rendering())
        if not result.records:
            for line in result.log:
                err.print(f"{escape(line.file)}：{escape(line.detail)}", highlight=False)
            err.print("[bold red]错误：[/]没有读出任何报告，未写出总表。", highlight=False)
            raise typer.Exit(code=2)
        write_import(into, result)
    except ReportError as error:
        raise fail(error) from None
    for line in result.log:
        if line.item in ("结果", "文件"):
            tag = {"已导入": "[green]已导入[/]", "部分导入": "[yellow]部分导入[/]"}.get(line.status, "[red]未导入[/]")
            who = f"{escape(line.agency)}（第 {line.row} 行）" if line.row else ""
            out.print(f"{tag} {escape(Path(line.file).name)} {who} {escape(line.detail)}", highlight=False)
    partial = sum(1 for line in result.log if line.item == "结果" and line.status == "部分导入")
    out.print(f"共导入 {len(result.records)} 份报告（其中 {partial} 份有留空的项目），已写入 "
              f"{escape(str(into))}；逐项说明见工作表“{LOG_SHEET}”。下一步：{command_name()} check "
              f"{escape(str(into))}", highlight=False)
