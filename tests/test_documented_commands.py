"""Every command the documentation shows runs as written on the bundled sample.

Commands are taken from README.md and docs/*.md (fenced code blocks and inline code that start
with ``python3`` or ``bash``) and from the 示例 lines of every command's --help, and run in that
order in one copy of the project (sample workbook, bundled send.toml) — so ``send --dry-run``
finds the reports ``build`` wrote. Each must exit 0. Windows commands (``py``, ``nianbao``) do
not run on Linux; the only commands left out are listed in SKIPPED, each with the reason.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from generate import app

SKIPPED = {
    "bash setup.sh && python3 generate.py build": "installs packages from the network",
    "bash setup.sh --test && python3 -m pytest": "installs packages, then runs this suite",
    "bash setup.sh --pdf": "installs LibreOffice from the network",
    "bash setup.sh --test": "installs into the Python running these tests: where pip may install "
                            "into it, the project's editable install would then point at this "
                            "test's copy (tests/install/test_setup_managed.py runs it apart)",
    "python3 -m pytest": "runs this very test suite",
    'python3 -m pytest -m "not install"': "runs this very test suite",
    "python3 generate.py sample": "copies the sample into a folder where it is not yet (the "
                                  "project already has it; tests/install runs it in an empty one)",
    "python3 -m pip install annual_report-0.1.0-py3-none-any.whl":
        "installs the wheel that python -m build makes (tests/install does exactly that)",
    "python3 generate.py send": "sends for real: needs the office's SMTP server",
    "python3 generate.py send --smtp smtp.example.gov.cn:465 --user gov@example.cn":
        "sends for real: needs the office's SMTP server",
    'python3 generate.py send --resend-uncertain --only "西安市樊川区教育局"':
        "sends for real: needs the office's SMTP server",
    'python3 generate.py send --confirm-uncertain --only "西安市樊川区教育局"':
        "a real send run (it sends what is due): needs the office's SMTP server",
    "python3 generate.py send input/master.xlsx --forms output/2024/填报表 --due 2025-01-15":
        "sends for real: needs the office's SMTP server",
    "python3 generate.py collect 收到的表/ --into input/master.xlsx":
        "needs the forms the agencies send back (a folder 收到的表 the sample does not have)",
    "python3 generate.py collect 收到的表 --into input/master.xlsx --save-as output/合并后总表.xlsx":
        "needs the forms the agencies send back (a folder 收到的表 the sample does not have)",
    "python3 generate.py import 报告文件夹 --into 导入.xlsx":
        "needs the agencies' published reports (docs/import.md runs it on built ones)",
    "python3 generate.py import 已发布报告/ --into 导入.xlsx --year 2024":
        "needs the agencies' published reports (docs/import.md runs it on built ones)",
    "python3 bench/targets.py build": "a benchmark: minutes on the shared 2-core machine",
    "python3 bench/targets.py rerun": "a benchmark: minutes on the shared 2-core machine",
    "python3 bench/targets.py check": "a benchmark: minutes on the shared 2-core machine",
    "python3 bench/targets.py memory": "a benchmark: minutes on the shared 2-core machine",
    "python3 bench/targets.py pdf": "a benchmark: minutes on the shared 2-core machine",
    "python3 bench/targets.py all": "a benchmark: minutes on the shared 2-core machine",
}
_FENCE = re.compile(r"^[ \t]*```([\w-]*)\n(.*?)^[ \t]*```", re.M | re.S)
_INLINE = re.compile(r"`((?:python3|bash) [^`]+)`")
_COMMAND = re.compile(r"^(?:python3|bash) ")


def _strip_comment(line: str) -> str:
    return re.split(r"\s{2,}#|\s#\s", line, maxsplit=1)[0].strip()


def commands_in(text: str) -> list[str]:
    found: list[str] = []
    for language, body in _FENCE.findall(text):
        if language in ("", "bash", "sh", "shell", "console"):
            found += [_strip_comment(line) for line in body.splitlines()
                      if _COMMAND.match(line.strip())]
    found += [m.strip() for m in _INLINE.findall(_FENCE.sub("", text))]
    return found


def documented() -> list[tuple[str, str]]:
    """(where, command), in reading order, each command once."""
    found: list[tuple[str, str]] = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        found += [(path.name, c) for c in commands_in(path.read_text(encoding="utf-8"))]
    for command in app.registered_commands:
        doc = command.callback.__doc__ if command.callback else ""
        found += [("--help", m) for m in re.findall(r"示例：(python3 [^\n]+)", doc or "")]
    seen: set[str] = set()
    return [(where, c) for where, c in found if not (c in seen or seen.add(c))]  # type: ignore[func-returns-value]


COMMANDS = documented()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("project") / "年报工具"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", ".*_cache", ".hypothesis", "tests", "output", "out", "*.egg-info"))
    (copy / "output").mkdir()
    return copy


def test_the_documents_show_commands() -> None:
    shown = {c for _where, c in COMMANDS}
    assert {"python3 generate.py send --dry-run", "python3 generate.py build"} <= shown
    assert set(SKIPPED) <= shown, set(SKIPPED) - shown  # no stale exemption


@pytest.mark.parametrize(("where", "command"), COMMANDS, ids=[c for _w, c in COMMANDS])
def test_documented_command_runs_as_written(project: Path, where: str, command: str) -> None:
    if command in SKIPPED:
        pytest.skip(SKIPPED[command])
    argv = shlex.split(command)
    if argv[0] == "python3":
        argv[0] = sys.executable  # the interpreter running the tests (python3 on CI)
    done = subprocess.run(argv, cwd=project, capture_output=True, text=True, encoding="utf-8",
                          timeout=300, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{where}: {command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr
