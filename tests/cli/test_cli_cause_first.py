"""One typo (一、本年新收·总计 typed one too high): every command names the real cell first."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT

AGENCY = "西安市樊川区教育局"  # sheet row 7 of the sample


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), *args], cwd=folder, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=240,
                          check=False)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("office")
    shutil.copytree(ROOT / "input", folder / "input")
    shutil.copy(ROOT / "send.toml", folder / "send.toml")
    book = openpyxl.load_workbook(folder / "input" / "master.xlsx")
    ws = book["总表"]
    assert ws.cell(row=7, column=1).value == AGENCY
    cell = next(c for c in ws[4] if c.value == "apps.new.total")
    ws.cell(row=7, column=cell.column).value += 1
    book.save(folder / "input" / "master.xlsx")
    return folder, f"总表!{cell.column_letter}7"


def test_check_output_and_json_name_the_real_cell_first(office: tuple[Path, str]) -> None:
    folder, real = office
    done = run(folder, "check", "--json", "-")
    assert done.returncode == 1
    findings = [f for f in json.loads(done.stdout) if f["agency"] == AGENCY]
    assert [f["rule"] for f in findings] == ["R1", "R7", "R2"]
    assert findings[0]["cell"] == real
    assert all(real in f["message"] for f in findings)
    assert "正文不用改" in findings[1]["message"]
    lines = [line for line in done.stderr.splitlines() if line.startswith("  错误")]
    assert lines[0].startswith(f"  错误 {real} R1")


def test_build_and_send_name_the_real_cell(office: tuple[Path, str]) -> None:
    folder, real = office
    built = run(folder, "build")
    assert built.returncode == 1
    (line,) = [line for line in built.stdout.splitlines() if AGENCY in line]
    assert real in line and "最可能填错的是" in line
    sent = run(folder, "send", "--dry-run")
    assert sent.returncode == 0, sent.stderr
    (detail,) = [line for line in sent.stdout.splitlines() if line.startswith("数据有错误 ")]
    assert AGENCY in detail and f"如 {real}：" in detail
