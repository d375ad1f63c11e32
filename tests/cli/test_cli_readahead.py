"""`check` starts reading its workbook before typer loads (cli/readahead.py): the guess from the
raw arguments agrees with what typer parses, knows every option of `check`, and the result read
ahead is the one the command uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer._click import Command  # typer's own copy of click

from annual_report.cli.app import app
from annual_report.cli.readahead import DEFAULT_WORKBOOK, FLAGS, VALUE_OPTIONS, guess_check_workbook
from conftest import ROOT

SAMPLE = ROOT / "input" / "master.xlsx"



def check_command() -> Command:
    command: Command = typer.main.get_command(app).commands["check"]  # type: ignore[attr-defined]
    return command


def test_the_guess_knows_every_option_of_check() -> None:
    options = [p for p in check_command().params if p.param_type_name == "option"]
    names = {n for p in options for n in [*p.opts, *p.secondary_opts]}
    takes_value = {n for p in options if not p.is_flag for n in p.opts}  # type: ignore[attr-defined]
    flags = {n for p in options if p.is_flag  # type: ignore[attr-defined]
             for n in [*p.opts, *p.secondary_opts]} - {"--help"}
    assert takes_value == VALUE_OPTIONS
    assert flags == FLAGS
    assert not [n for n in names if not n.startswith("--")], "a short option the guess would refuse"


@pytest.mark.parametrize(("arguments", "expected"), [
    (["check", "a.xlsx"], ("a.xlsx", None)),
    (["check"], (str(DEFAULT_WORKBOOK), None)),
    (["check", "--json", "out.json", "a.xlsx"], ("a.xlsx", None)),
    (["check", "a.xlsx", "--annotate=批注.xlsx", "--sheet", "2024"], ("a.xlsx", "2024")),
    (["check", "--sheet=总表", "--blank-as-zero", "--sum-in-force", "b.xlsx"], ("b.xlsx", "总表")),
    (["check", "--previous", "old.xlsx", "--against", "x.xlsx", "new.xlsx"], ("new.xlsx", None)),
    (["check", "--json", "-", "a.xlsx"], ("a.xlsx", None)),  # "-": the JSON on screen
    (["check", "--", "-odd.xlsx"], ("-odd.xlsx", None)),
    (["check", "--help"], None),
    (["check", "a.xlsx", "--help"], None),
    (["check", "-h"], None),
    (["check", "a.xlsx", "b.xlsx"], None),
    (["check", "a.xlsx", "--sheet"], None),  # the value is missing: typer says so
    (["check", "--blank-as-zero=yes", "a.xlsx"], None),
    (["check", "--unknown", "a.xlsx"], None),
    (["build", "a.xlsx"], None),
    ([], None),
])
def test_the_guess(arguments: list[str], expected: tuple[str, str | None] | None) -> None:
    guessed = guess_check_workbook(arguments)
    assert (None if guessed is None else (str(guessed[0]), guessed[1])) == expected


@pytest.mark.parametrize("arguments", [
    ["a.xlsx"], ["--json", "out.json", "a.xlsx"], ["a.xlsx", "--sheet", "总表", "--blank-as-zero"],
    ["--previous", "old.xlsx", "new.xlsx", "--sum-in-force"], ["--annotate=批注.xlsx", "a.xlsx"],
    [],
])
def test_the_guess_is_what_typer_parses(arguments: list[str]) -> None:
    command = check_command()
    parsed = command.make_context("check", list(arguments), resilient_parsing=True).params
    guessed = guess_check_workbook(["check", *arguments])
    assert guessed is not None
    assert guessed == (Path(parsed["workbook"]), parsed["sheet"])


PROBE = """
import json, sys
from annual_report.cli.readahead import read_ahead
from annual_report.workbook import sheets
read_ahead(sys.argv[1:])
print(json.dumps({"typer": "typer" in sys.modules, "read": len(sheets._PREFETCHED)}))
"""


def test_the_read_starts_before_typer_is_imported() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, "check", str(SAMPLE)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    seen = json.loads(done.stdout)
    assert seen["typer"] is False and seen["read"] == 1, seen


@pytest.mark.parametrize("how", ["generate.py", "-m"])
def test_the_command_takes_what_was_read_ahead(how: str) -> None:
    """The workbook read ahead, before typer loads, is the one checked: no sheet is read again."""
    script = (
        "import runpy, sys\n"
        "from annual_report.workbook import sheets\n"
        "opened, asked = [], []\n"
        "real_open, real_prefetch = sheets._open_sheets, sheets.prefetch\n"
        "sheets._open_sheets = lambda *a: opened.append(a) or real_open(*a)\n"
        "def prefetch(*a):\n"
        "    asked.append((sys._getframe(1).f_globals['__name__'], 'typer' in sys.modules))\n"
        "    real_prefetch(*a)\n"
        "sheets.prefetch = prefetch\n"
        "how, sys.argv = sys.argv[1], [sys.argv[1], 'check', sys.argv[2]]\n"
        "try:\n"
        "    if how == 'generate.py':\n"
        "        runpy.run_path('generate.py', run_name='__main__')\n"
        "    else:\n"
        "        runpy.run_module('annual_report', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as stop:\n"
        "    print(stop.code, len(opened), len(sheets._PREFETCHED), asked, file=sys.stderr)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", script, how, str(SAMPLE)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    last = done.stderr.strip().rsplit("\n", 1)[-1]
    assert last == ("0 1 0 [('annual_report.cli.readahead', False), "
                    "('annual_report.cli.check_cmd', True)]"), done.stdout + done.stderr
    assert "共 35 个机关" in done.stdout
