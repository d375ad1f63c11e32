"""--help at 80 columns: every option's description whole (never cut with …), Chinese metavars,
nothing wider than the terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import typer
from rich.cells import cell_len

from conftest import ROOT
from generate import app

COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]
ENGLISH = ["<file>", "<path>", "<text>", "<integer>", "HOST:PORT", "x>=", "x<=", "TEXT",
           "INTEGER", "PATH", "[workbook]", "[template]", "[path]", "Usage", "Options",
           "Arguments", "Show this message"]


def help_text(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT), "TERM": "dumb"}
    done = subprocess.run([sys.executable, str(ROOT / "generate.py"), *args, "--help"], cwd=ROOT,
                          env=env, capture_output=True, text=True, encoding="utf-8", check=True,
                          timeout=60)
    return done.stdout


def squash(text: str) -> str:
    return re.sub(r"[\s│╭╮╰╯─]+", "", text)


@pytest.mark.parametrize("command", [[], *[[name] for name in sorted(COMMANDS)]])
def test_help_fits_80_columns_whole_and_in_chinese(command: list[str]) -> None:
    text = help_text(*command)
    assert "…" not in text
    for word in ENGLISH:
        assert word not in text, word
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    if command:
        squashed = squash(text)
        for param in COMMANDS[command[0]].params:
            if getattr(param, "help", None):
                assert squash(param.help) in squashed, param.help
