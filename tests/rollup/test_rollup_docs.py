"""docs/rollup.md: every command it shows runs as written on the bundled sample, in order."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from generate import app

DOC = ROOT / "docs" / "rollup.md"


def commands() -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert lines and all(line.startswith("python3 generate.py ") for line in lines), lines
    return [shlex.split(line)[2:] for line in lines]


def test_the_documented_commands_run_on_the_sample(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "input").mkdir()
    shutil.copy(ROOT / "input" / "master.xlsx", tmp_path / "input" / "master.xlsx")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran = []
    for args in commands():
        done = runner.invoke(app, args)
        assert done.exit_code == 0, (args, done.output)
        ran.append(args[0])
    assert {"rollup", "check", "build"} <= set(ran)
    assert (tmp_path / "总表-汇总.xlsx").exists() and list((tmp_path / "output").rglob("*.docx"))


def test_every_rule_and_ratio_is_defined_in_the_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    from annual_report.rollup.summary import COLUMNS, RATIOS

    for code in ("A1", "A2", "A3", "--sum-in-force"):
        assert code in text
    for ratio in RATIOS:
        assert f"| {ratio.header} |" in text
    for column in COLUMNS:
        if len(column.keys) == 1:
            assert f"`{column.keys[0]}`" in text, column.header
        else:  # a sum: named by its wildcard, e.g. apps.denied.*.total or suit_direct.*
            wildcard = re.sub(r"^(apps\.\w+)\.\w+\.total$", r"\1.*.total", column.keys[0])
            wildcard = re.sub(r"^(suit_direct)\.\w+$", r"\1.*", wildcard)
            assert f"`{wildcard}`" in text, column.header
