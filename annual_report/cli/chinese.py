"""typer's own words in Chinese: usage line, panel titles, type labels, --help, usage errors.

Used only by ``generate.py`` (the library never imports typer). Everything is patched at run
time on typer's private modules; if a typer release moves them, the patch is skipped and the
English words come back, nothing breaks. ``typer.rich_utils`` (help and error printing) is
translated when typer first imports it (see :mod:`.lazy`), so a command that prints neither
never loads it.
"""

from __future__ import annotations

import re
from typing import Any

from .lazy import RICH_UTILS_HELD_BACK, when_imported


def speak_chinese() -> None:
    """Typer's own words (panel titles, usage line, --help) in Chinese; a no-op if typer changes."""
    try:
        import typer.core as typer_core
        from typer._click import core as click_core
        from typer._click import formatting
    except ImportError:  # pragma: no cover - another typer layout: keep its English words
        return
    messages = {"No such command {name!r}.": "没有这个命令：{name!r}。请用 --help 查看可用的命令。",
                "Missing command.": "缺少命令。",
                "Aborted!": "已中断。已完成的部分都已记录，重新运行同一命令会接着做，不会重复。"}

    def translate(message: str) -> str:
        return messages.get(message, message)

    typer_core._ = translate  # type: ignore[attr-defined]
    write_usage = formatting.HelpFormatter.write_usage
    get_help_option = click_core.Command.get_help_option

    def usage_in_chinese(
        self: formatting.HelpFormatter, prog: str, args: str = "", prefix: str | None = None
    ) -> None:
        write_usage(self, prog, args, "用法：" if prefix is None else prefix)

    def help_in_chinese(self: click_core.Command, ctx: click_core.Context) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    formatting.HelpFormatter.write_usage = usage_in_chinese  # type: ignore[method-assign]
    click_core.Command.get_help_option = help_in_chinese  # type: ignore[method-assign]

    type_words = {"<bool>": None, "<path>": "<路径>", "<str>": "<文字>", "<int>": "<整数>",
                  "<float>": "<数字>", "<list[str]>": "<文字>", "<int range>": "<整数>",
                  "<float range>": "<数字>", "<file>": "<文件>", "<dir>": "<文件夹>",
                  "<directory>": "<文件夹>", "<text>": "<文字>", "<integer>": "<整数>"}
    for kind in (typer_core.TyperOption, typer_core.TyperArgument):
        shown_type = kind.display_type_rich

        def type_in_chinese(self: Any, ctx: Any, shown_type: Any = shown_type) -> str | None:
            text = shown_type(self, ctx)
            return type_words.get(text, text) if isinstance(text, str) else text

        kind.display_type_rich = type_in_chinese  # type: ignore[method-assign]

    _ranges_in_chinese(typer_core)
    for kind in (typer_core.TyperArgument,):
        shown_name = kind.display_name_raw

        def name_in_chinese(self: Any, shown_name: Any = shown_name) -> str:
            name = shown_name.fget(self)
            return str(_ARGUMENT_WORDS.get(name, name) if self.metavar is None else name)

        kind.display_name_raw = property(name_in_chinese)  # type: ignore[method-assign,assignment]
    # typer imports its help and error printer only to print: translate it then, and import it
    # without rich.markdown and rich.traceback, which this command line never uses.
    when_imported("typer.rich_utils", _rich_utils_in_chinese, RICH_UTILS_HELD_BACK)


def _rich_utils_in_chinese(rich_utils: Any) -> None:
    """typer's help and error printer in Chinese: panel titles, [默认：…], usage errors."""
    words = {
        "ARGUMENTS_PANEL_TITLE": "参数", "OPTIONS_PANEL_TITLE": "选项",
        "COMMANDS_PANEL_TITLE": "命令", "ERRORS_PANEL_TITLE": "错误",
        "DEFAULT_STRING": "[默认：{}]", "REQUIRED_LONG_STRING": "[必填]",
        "ENVVAR_STRING": "[环境变量：{}]",
        "ABORTED_TEXT": "已中断。已完成的部分都已记录，重新运行同一命令会接着做，不会重复。",
        "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看用法。",
    }
    for name, text in words.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    _help_folds(rich_utils)
    errors = [
        (r"^No such option: (\S+)\s*(.*)$", "没有这个选项：{0}。{1}"),
        (r"^Invalid value for (.+?): (.+)$", "{0} 的值不对：{1}"),
        (r"^Missing argument (.+?)\.$", "缺少参数 {0}。"),
        (r"^Missing option (.+?)\.$", "缺少选项 {0}。"),
        (r"^Got unexpected extra argument\(?s?\)? \((.+)\)$",
         "多余的参数：{0}。参数中有空格时请加引号。"),
        (r"^Option (.+?) requires an argument\.$", "选项 {0} 后面要写一个值。"),
    ]
    values = {"Input should be greater than or equal to": "应不小于",
              "Input should be less than or equal to": "应不大于",
              "is not one of": "不在可选范围内：", "does not exist": "不存在",
              "is a directory": "是文件夹，不是文件", "File '": "文件 '", "file '": "文件 '",
              "Directory '": "文件夹 '", "directory '": "文件夹 '", "Path '": "路径 '",
              "path '": "路径 '"}
    format_error = rich_utils.rich_format_error

    def error_in_chinese(self: Any) -> None:
        message = self.format_message()
        for pattern, words in errors:
            found = re.match(pattern, message)
            if found:
                message = words.format(*(g or "" for g in found.groups()))
                break
        for english, chinese in values.items():
            message = message.replace(english, chinese)
        message = re.sub(r"\(Possible options: (.+?)\)", r"可用的选项：\1。", message)
        message = re.sub(r"Did you mean (.+?)\?", r"是否是 \1？", message)
        self.format_message = lambda: message
        format_error(self)

    rich_utils.rich_format_error = error_in_chinese


# Arguments declared without a metavar are shown by their Python name: say it in Chinese.
_ARGUMENT_WORDS = {"workbook": "总表", "template": "模板", "path": "文件", "paths": "文件"}


def _ranges_in_chinese(typer_core: Any) -> None:
    """``[x>=0]`` becomes ``[不小于 0]``."""

    def describe(low: float | None, high: float | None) -> str | None:
        if low is None and high is None:
            return None
        if low is None:
            return f"不大于 {high}"
        if high is None:
            return f"不小于 {low}"
        return f"{low} 到 {high}"

    if hasattr(typer_core, "describe_number_range"):
        typer_core.describe_number_range = describe


def _help_folds(rich_utils: Any) -> None:
    """An option's help is one text that breaks between any two Chinese characters.

    typer lays the help out as rich ``Columns``, which cut a run of Chinese (no spaces, so one
    "word" to rich) with "…" at 80 columns; a folding ``Text`` wraps it instead.
    """
    from rich.columns import Columns
    from rich.text import Text

    parameter_help = getattr(rich_utils, "_get_parameter_help", None)
    if parameter_help is None:  # pragma: no cover - another typer layout
        return

    def folding_help(**kwargs: Any) -> Any:
        shown = parameter_help(**kwargs)
        parts = getattr(shown, "renderables", None) if isinstance(shown, Columns) else None
        if not parts or not all(isinstance(part, Text) for part in parts):
            return shown
        text = Text(overflow="fold")
        for i, part in enumerate(parts):
            if i:
                text.append(" ")
            text.append_text(part)
        return text

    rich_utils._get_parameter_help = folding_help
    command_help = getattr(rich_utils, "_make_command_help", None)
    if command_help is not None:

        def folding_command_help(**kwargs: Any) -> Any:
            shown = command_help(**kwargs)
            if isinstance(shown, Text):
                shown.overflow = "fold"
            return shown

        rich_utils._make_command_help = folding_command_help
