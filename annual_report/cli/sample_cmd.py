"""`sample`: copy the bundled sample workbooks and the default template into the current folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..bundled import SAMPLE, SAMPLE_PREVIOUS, TEMPLATE, bundled_file
from ..errors import ReportError
from .common import DEFAULT_WORKBOOK, command_name, err, fail, out

# What `sample` writes, relative to the folder it is given: the same places as in the repository,
# so that the commands' defaults (input/master.xlsx) find the sample.
COPIES = ((SAMPLE, DEFAULT_WORKBOOK), (SAMPLE_PREVIOUS, DEFAULT_WORKBOOK.parent / SAMPLE_PREVIOUS),
          (TEMPLATE, Path("templates") / TEMPLATE))


def sample(
    folder: Annotated[Path, typer.Argument(help="复制到哪个文件夹（默认为当前文件夹）",
                                           file_okay=False)] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="文件已存在时覆盖")] = False,
) -> None:
    """把自带的示例总表和默认模板复制到当前文件夹（或指定的文件夹）。

    写出 input/master.xlsx（2024 年示例总表）、input/master-2023.xlsx（上年总表，供 --previous 跨年核对）
    和 templates/annual_report.docx（默认模板）。复制后不写总表路径的命令（如 build）就使用这份示例；
    模板可在 Word/WPS 中修改后用 build --template 使用。

    示例：python3 generate.py sample
    """
    from ..outputs import atomic_write_bytes

    targets = [(bundled_file(name), folder / target) for name, target in COPIES]
    existing = [str(target) for _, target in targets if target.exists()]
    if existing and not force:
        err.print(f"[bold red]错误：[/]{escape('、'.join(existing))} 已存在，未覆盖。"
                  f"在命令后写一个别的文件夹（如 {command_name()} sample 示例），或加 --force 覆盖。",
                  highlight=False)
        raise typer.Exit(code=2)
    try:
        for source, target in targets:
            atomic_write_bytes(target, source.read_bytes())
    except ReportError as error:
        raise fail(error) from None
    name = command_name()
    where = "" if folder == Path(".") else f"cd {folder} 后"
    out.print(f"已复制示例总表 {escape(str(targets[0][1]))}、上年总表 {escape(str(targets[1][1]))} "
              f"和默认模板 {escape(str(targets[2][1]))}。{where}可以运行：{name} check、{name} build"
              f"（报告写入 output 文件夹）。", highlight=False)
