"""The send result table at 80 columns: one line per agency, nothing wrapped or cut inside a name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from rich.cells import cell_len

from annual_report.workbook.rows import read_workbook
from conftest import ROOT


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), *args], cwd=folder, env=env,
                          capture_output=True, text=True, encoding="utf-8", check=False,
                          timeout=240)


def test_dry_run_of_the_sample_is_one_line_per_agency(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "input", tmp_path / "input")
    shutil.copy(ROOT / "send.toml", tmp_path / "send.toml")  # the bundled example settings
    assert run(tmp_path, "build").returncode == 0
    done = run(tmp_path, "send", "--dry-run")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    agencies = [r.agency for r in read_workbook(tmp_path / "input" / "master.xlsx").rows]
    assert len(agencies) == 35
    assert len(lines) <= len(agencies) + 8, done.stdout  # not 232 lines of wrapped cells
    table = lines[1 : 3 + len(agencies)]
    assert all(cell_len(line) <= 80 for line in table)
    for name in agencies:
        (line,) = [line for line in table if line.startswith(name + " ")]
        assert "已生成邮件文件" in line or "无邮箱" in line
    # What needs doing is said in full below the table.
    assert any(line.startswith("无邮箱 ") and "总表!C" in line for line in lines)
    assert (tmp_path / "output" / "eml").is_dir()
