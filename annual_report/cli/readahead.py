"""Start reading ``check``'s workbook before the command line is even built.

Loading typer, rich and the commands takes about a tenth of a second, and python-calamine,
which lets go of the GIL while it parses, can read the sheet meanwhile in a thread. Which file
``check`` will read is known only once typer has parsed the arguments, so it is guessed here from
the raw ones, with the options of ``check`` that take a value (:data:`VALUE_OPTIONS`,
``tests/cli/test_cli_readahead.py`` keeps them in step with the command). Anything not
understood (``--help``, an unknown option, a second file) starts nothing. A wrong guess costs
only the thread's work: :func:`~..workbook.sheets.open_sheets` takes a result read ahead only for
the same file (path, size, modification time) and sheet, and reads afresh otherwise.

Only the standard library and :mod:`..workbook.sheets` are imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

DEFAULT_WORKBOOK = Path("input/master.xlsx")  # in the current folder; `sample` puts one there

# The options of `check` that take a value, and its flags.
VALUE_OPTIONS = frozenset({"--json", "--annotate", "--previous", "--sheet", "--against"})
FLAGS = frozenset({"--blank-as-zero", "--sum-in-force"})


def guess_check_workbook(arguments: Sequence[str]) -> tuple[Path, str | None] | None:
    """The workbook and sheet ``check`` will read, from the raw arguments after the program's
    name, or None when they are not plainly a ``check`` of one workbook."""
    if not arguments or arguments[0] != "check":
        return None
    workbook: str | None = None
    sheet: str | None = None
    rest = iter(arguments[1:])
    for argument in rest:
        if argument == "--":
            files = list(rest)
            if workbook is not None or len(files) > 1:
                return None
            workbook = files[0] if files else None
            break
        if argument.startswith("--"):
            name, equals, value = argument.partition("=")
            if name in VALUE_OPTIONS:
                if not equals:
                    following = next(rest, None)
                    if following is None:
                        return None
                    value = following
                if name == "--sheet":
                    sheet = value
            elif name not in FLAGS or equals:
                return None  # --help, or an option this module does not know
        elif argument.startswith("-") and argument != "-":
            return None  # a short option: none is known here
        elif workbook is None:
            workbook = argument
        else:
            return None  # a second file: typer will say what is wrong
    return (Path(workbook) if workbook is not None else DEFAULT_WORKBOOK), sheet


def read_ahead(arguments: Sequence[str]) -> None:
    """Start reading the workbook a ``check`` command line names (see the module's docstring)."""
    guessed = guess_check_workbook(arguments)
    if guessed is None:
        return
    from ..workbook.sheets import prefetch

    prefetch(*guessed)


def main() -> int:
    """The entry point of ``nianbao``, ``python -m annual_report`` and ``generate.py``: read
    ahead, then run the app (:func:`~.app.main`)."""
    import sys

    read_ahead(sys.argv[1:])
    from .app import main as run_app

    return run_app()
