"""What a command writes where: JSON on stdout is UTF-8 bytes whatever the console's encoding;
a missing default workbook names the folder it was looked for in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annual_report.checks.run import check_workbook
from conftest import ROOT

SAMPLE = ROOT / "input" / "master.xlsx"


def run(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                          capture_output=True, check=False, timeout=120)


@pytest.mark.parametrize("encoding", ["gbk", "ascii", "utf-8"])
def test_json_to_stdout_is_utf8_whatever_the_console(encoding: str, tmp_path: Path) -> None:
    book = tmp_path / "总表.xlsx"
    book.write_bytes(SAMPLE.read_bytes())
    done = run("check", str(book), "--json", "-", PYTHONIOENCODING=encoding)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    data = json.loads(done.stdout.decode("utf-8"))
    assert data == [f.to_dict() for f in check_workbook(book).findings]
    assert "西安市阎良区人民政府办公室" in done.stdout.decode("utf-8")


@pytest.mark.parametrize("command", ["check", "build", "send"])
def test_missing_default_workbook_names_the_folder(command: str, tmp_path: Path) -> None:
    done = run(command, *(["--dry-run"] if command == "send" else []), cwd=tmp_path)
    assert done.returncode == 2
    message = done.stderr.decode("utf-8")
    assert f"当前文件夹 {tmp_path} 中没有 input/master.xlsx" in message.replace("\n", "")
    assert "Traceback" not in message
    assert not (tmp_path / "output").exists()
