"""`sample` copies the bundled sample; without a workbook and without one here, a command says
where it looked and how to get one."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from annual_report.bundled import SAMPLE, TEMPLATE, bundled_file
from generate import app


@pytest.fixture
def in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["nianbao"])
    return tmp_path


def test_sample_copies_the_workbooks_and_the_template(in_empty_folder: Path) -> None:
    result = CliRunner().invoke(app, ["sample"])
    assert result.exit_code == 0, result.output
    assert (in_empty_folder / "input" / SAMPLE).read_bytes() == bundled_file(SAMPLE).read_bytes()
    assert (in_empty_folder / "templates" / TEMPLATE).read_bytes() == bundled_file(TEMPLATE).read_bytes()
    book = openpyxl.load_workbook(in_empty_folder / "input" / "master-2023.xlsx", read_only=True)
    assert "总表" in book.sheetnames
    assert "nianbao build" in result.output
    checked = CliRunner().invoke(app, ["check"])  # the default workbook is now there
    assert checked.exit_code == 0, checked.output


def test_sample_never_overwrites_without_force(in_empty_folder: Path) -> None:
    mine = in_empty_folder / "input" / SAMPLE
    mine.parent.mkdir()
    mine.write_bytes(b"my own workbook")
    refused = CliRunner().invoke(app, ["sample"])
    assert refused.exit_code == 2 and "已存在，未覆盖" in refused.output and "--force" in refused.output
    assert mine.read_bytes() == b"my own workbook"
    assert not (in_empty_folder / "templates").exists()  # nothing copied at all
    forced = CliRunner().invoke(app, ["sample", "--force"])
    assert forced.exit_code == 0 and mine.read_bytes() == bundled_file(SAMPLE).read_bytes()


def test_sample_into_another_folder(in_empty_folder: Path) -> None:
    result = CliRunner().invoke(app, ["sample", "示例"])
    assert result.exit_code == 0, result.output
    assert (in_empty_folder / "示例" / "input" / SAMPLE).is_file() and "cd 示例" in result.output


@pytest.mark.parametrize("command", ["check", "build", "send"])
def test_no_workbook_anywhere_says_where_it_looked(in_empty_folder: Path, command: str) -> None:
    result = CliRunner().invoke(app, [command])
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert "input/master.xlsx" in words and str(in_empty_folder) in result.output.replace("\n", "")
    assert "nianbao sample" in words and "nianbao init" in words
    assert not (in_empty_folder / "output").exists()
