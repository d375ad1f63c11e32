"""What every command shares: the consoles, default paths, common options and fatal errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import InputError, ReportError
from .readahead import DEFAULT_WORKBOOK as DEFAULT_WORKBOOK  # its home: read before typer loads

# Messages are long Chinese sentences: never hard-wrap them when the output goes to a file.
out = Console(soft_wrap=not sys.stdout.isatty())
err = Console(stderr=True, soft_wrap=not sys.stderr.isatty())

DEFAULT_OUT = Path("output")


def command_name() -> str:
    """How the user started this command line, to quote it back in advice."""
    program = Path(sys.argv[0]).name
    if program == "generate.py":
        return "py generate.py" if os.name == "nt" else "python3 generate.py"
    if program == "__main__.py":
        return "py -m annual_report" if os.name == "nt" else "python3 -m annual_report"
    return "nianbao"


def _default_workbook_exists(value: Path) -> Path:
    """No workbook named and none at the default place: say where it was looked for and how to
    get one (the bundled sample, or a blank workbook)."""
    if value == DEFAULT_WORKBOOK and not value.exists():
        here, name, default = Path.cwd(), command_name(), DEFAULT_WORKBOOK.as_posix()
        raise fail(InputError(
            f"找不到默认的总表：当前文件夹 {here} 中没有 {default}（查找的是 {here / DEFAULT_WORKBOOK}）。"
            f"请在命令后写出总表的路径（如 {name} check 2024年总表.xlsx），或先进入含 input 文件夹的"
            f"工具文件夹再运行；想先用自带的示例试一试，运行 {name} sample（把示例总表复制到 {default}）；"
            f"要新建空白总表，运行 {name} init 2024年总表.xlsx。"))
    return value


WorkbookArg = Annotated[
    Path,
    typer.Argument(help="总表工作簿（.xlsx/.xls/.ods/.csv）", show_default=True,
                   callback=_default_workbook_exists),
]
OutOption = Annotated[Path, typer.Option("--out", help="输出文件夹")]
OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", metavar="机关全称", help="只处理这个机关（机关全称，可重复）"),
]


def write_stdout_utf8(text: str) -> None:
    """Machine-readable output as UTF-8 bytes, whatever the console's encoding (GBK on a
    Chinese Windows console)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a stream without bytes underneath (some test runners): text is all it takes
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def refuse_existing(path: Path, force: bool) -> None:
    """Stop (exit 2) before a command would overwrite ``path``, unless --force was given."""
    if path.exists() and not force:
        err.print(f"[bold red]错误：[/]{escape(str(path))} 已存在，未覆盖。换一个文件名，或加 --force 覆盖。",
                  highlight=False)
        raise typer.Exit(code=2)


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

SumInForceOption = Annotated[
    bool, typer.Option("--sum-in-force",
                       help="汇总行的规章、规范性文件“现行有效件数”也按下级之和核对/填写（默认不相加：本级的是自己的）"),
]
