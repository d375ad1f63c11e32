"""`collect`: returned forms into the master, every change listed, then the check of the rows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..errors import ReportError
from .common import DEFAULT_WORKBOOK, MAX_PER_AGENCY, fail, out

if TYPE_CHECKING:
    from ..forms.collect import CollectResult
    from ..forms.decide import Outcome

MAX_CHANGES = 40


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "（空）"
    text = " ".join(str(value).split())
    return text if len(text) <= 24 else text[:24] + "…"


def _print_merged(outcome: Outcome) -> None:
    from ..format.model import FIELD_BY_KEY

    filled = [c for c in outcome.changes if _shown(c.old) == "（空）"]
    changed = [c for c in outcome.changes if c not in filled]
    out.print(f"[green]已合并[/] [bold]{escape(outcome.agency)}[/] ← {escape(outcome.ret.source)}："
              f"改动 {len(changed)} 格，新填 {len(filled)} 格", highlight=False)
    for change in changed[:MAX_CHANGES]:
        label = FIELD_BY_KEY[change.key].label
        out.print(f"  {escape(change.cell)} {escape(label)}：{escape(_shown(change.old))} → "
                  f"{escape(_shown(change.new))}", highlight=False)
    if len(changed) > MAX_CHANGES:
        out.print(f"  ……另有 {len(changed) - MAX_CHANGES} 格，完整列表见总表「收表记录」工作表。")
    errors = [f for f in outcome.findings if f.is_error]
    if not outcome.findings:
        out.print("  校验：[green]无错误[/]", highlight=False)
        return
    out.print(f"  校验：{len(errors)} 个错误，{len(outcome.findings) - len(errors)} 个提醒"
              + ("（请把表退回该单位更正）" if errors else ""), highlight=False)
    for f in outcome.findings[:MAX_PER_AGENCY]:
        tag = "[red]错误[/]" if f.is_error else "[yellow]提醒[/]"
        out.print(f"  {tag} {escape(f.cell)} [dim]{f.rule}[/] {escape(f.message)}", highlight=False)


def print_collect_result(result: CollectResult) -> None:
    from ..forms.decide import Verdict

    for outcome in result.by(Verdict.MERGED):
        _print_merged(outcome)
    styles = {Verdict.CONFLICT: "bold red", Verdict.ERROR: "red", Verdict.OTHER_YEAR: "red",
              Verdict.OTHER_FORMAT: "red", Verdict.UNKNOWN_AGENCY: "red", Verdict.OLDER: "yellow",
              Verdict.NOT_FORM: "yellow"}
    for outcome in result.outcomes:
        if outcome.verdict == Verdict.MERGED:
            continue
        style = styles.get(outcome.verdict, "dim")
        who = f"[bold]{escape(outcome.agency)}[/] " if outcome.agency else ""
        out.print(f"[{style}]{outcome.verdict.label}[/] {who}{escape(outcome.ret.source)}："
                  f"{escape(outcome.message)}", highlight=False)
    for folder in result.skipped_folders:
        out.print(f"[dim]跳过 {escape(folder)}（本程序生成的文件夹：下发的表单或试运行的邮件）[/]",
                  highlight=False)
    for note in result.notes:
        out.print(f"[yellow]注意：[/]{escape(note)}", highlight=False)
    counts: dict[str, int] = {}
    for outcome in result.outcomes:
        label = outcome.verdict.label.replace("，", "")
        counts[label] = counts.get(label, 0) + 1
    parts = "，".join(f"{label} {n}" for label, n in counts.items())
    out.print(f"共 {len(result.outcomes)} 个文件" + (f"：{parts}。" if parts else "。"), highlight=False)
    if result.written is None:
        out.print("总表没有改动。", highlight=False)
    elif result.backup is not None:
        out.print(f"[green]已写入总表 {escape(str(result.written))}[/]；原来的版本保存为 "
                  f"{escape(str(result.backup))}；每份表的处理情况见「收表记录」工作表。",
                  highlight=False)
    else:
        out.print(f"[green]已写入新文件 {escape(str(result.written))}[/]（原总表未改动）；"
                  "每份表的处理情况见「收表记录」工作表。", highlight=False)


def collect(
    paths: Annotated[list[Path], typer.Argument(
        help="交回的填报表：文件或文件夹（含子文件夹），.xlsx/.xls/.ods，或存下来的邮件 .eml",
        show_default=False)],
    into: Annotated[Path, typer.Option(
        "--into", help="要合并进去的总表（.xlsx）")] = DEFAULT_WORKBOOK,
    save_as: Annotated[Path | None, typer.Option(
        "--save-as", help="把合并结果写到这个新文件，原总表不动（默认：写回总表，并在旁边保留原版本）")
    ] = None,
) -> None:
    """把各单位交回的填报表合并进总表：按表中的隐藏标识认单位（不看文件名），列出每一处改动。

    同一单位本次交回两份不同的表：都不合并，并列出两份；比已合并的更旧的表不会覆盖；
    其他年度或格式的表、不是表单的文件、总表中没有的单位：只列出，不合并。
    写回总表前，原来的版本另存在旁边；每份表记入总表的「收表记录」工作表。合并后打印这些单位的校验结果。

    示例：python3 generate.py collect 收到的表/ --into input/master.xlsx
    """
    from ..forms.collect import collect_forms

    try:
        result = collect_forms(paths, into, save_as)
    except ReportError as error:
        raise fail(error) from None
    print_collect_result(result)
    raise typer.Exit(code=result.exit_code)
