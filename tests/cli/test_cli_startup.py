"""Start-up imports only what the command uses: typer's help printer only to print help or an
error, never rich.markdown/rich.traceback (markdown-it, pygments) nor pydantic, nor openpyxl or
docxtpl for `check`; and help and usage errors are still in Chinese with all that held back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

NEVER = ["rich.markdown", "rich.traceback", "rich.syntax", "pygments", "markdown_it", "pydantic",
         "openpyxl", "docxtpl", "docx", "jinja2"]
WATCHED = [*NEVER, "typer.rich_utils", "rich.console"]

# Runs the command line as `python3 generate.py ARGS` (or `-m annual_report`), then reports which
# of WATCHED were imported, whether rich_utils got the stand-ins or the real classes, and the
# command's exit code, as the last line of stderr.
PROBE = """
import json, runpy, sys
watched, how = json.loads(sys.argv[1]), sys.argv[2]
sys.argv = [how, *sys.argv[3:]]
code = 0
try:
    if how == "generate.py":
        runpy.run_path("generate.py", run_name="__main__")
    else:
        runpy.run_module("annual_report", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code
loaded = sorted(name for name in watched if name in sys.modules)
utils = sys.modules.get("typer.rich_utils")
kinds = {name: type(getattr(utils, name)).__name__ for name in ("Markdown", "Traceback")} if utils else {}
print(json.dumps({"loaded": loaded, "code": code, "kinds": kinds}), file=sys.stderr)
"""


def probe(*args: str, how: str = "generate.py") -> tuple[dict[str, object], str, str]:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT), "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(WATCHED), how, *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, encoding="utf-8", timeout=120,
                          check=False)
    *rest, last = done.stderr.rstrip("\n").split("\n")
    return json.loads(last), done.stdout, "\n".join(rest)


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["build", "--help"]])
def test_help_imports_the_help_printer_but_not_markdown_pygments_or_pydantic(args: list[str]) -> None:
    report, stdout, _ = probe(*args)
    assert report["code"] == 0
    assert "用法：" in stdout and "选项" in stdout
    loaded = report["loaded"]
    assert isinstance(loaded, list)
    assert "typer.rich_utils" in loaded  # the probe sees what help really imported
    assert not set(NEVER) & set(loaded), loaded
    # rich_utils holds stand-ins for the two classes it never uses here, not the real ones
    assert report["kinds"] == {"Markdown": "_StandIn", "Traceback": "_StandIn"}


def test_python_m_annual_report_help_is_as_light() -> None:
    report, stdout, _ = probe("--help", how="annual_report")
    assert report["code"] == 0 and "命令" in stdout
    loaded = report["loaded"]
    assert isinstance(loaded, list) and not set(NEVER) & set(loaded), loaded


def test_check_imports_neither_the_help_printer_nor_pydantic() -> None:
    report, stdout, _ = probe("check", "input/master.xlsx")
    assert report["code"] == 0, stdout
    assert "共 " in stdout and "个机关" in stdout  # it did check the sample
    loaded = report["loaded"]
    assert isinstance(loaded, list)
    assert "rich.console" in loaded
    assert not {*NEVER, "typer.rich_utils"} & set(loaded), loaded


# A value that is wrong goes through typer's own (pydantic) adapter, for typer's own message.
@pytest.mark.parametrize(("args", "words", "adapter"), [
    (["build", "--jobs", "x"], ["用法：generate.py build", "错误", "--jobs", "的值不对"], True),
    (["import", "--year", "1999", "a.docx"], ["--year", "的值不对", "应不小于 2000"], True),
    (["build", "--template", "没有这个模板.docx"], ["--template", "文件 '没有这个模板.docx' 不存在"],
     True),
    (["no-such-command"], ["没有这个命令", "--help"], False),
    (["check", "input/master.xlsx", "--sheet"], ["选项 '--sheet' 后面要写一个值"], False),
])
def test_usage_errors_are_in_chinese_with_the_help_printer_imported_late(
        args: list[str], words: list[str], adapter: bool) -> None:
    report, stdout, stderr = probe(*args)
    assert report["code"] == 2
    shown = " ".join((stdout + stderr).split())
    for word in words:
        assert word in shown, shown
    loaded = report["loaded"]
    assert isinstance(loaded, list) and "typer.rich_utils" in loaded
    assert not (set(NEVER) - {"pydantic"}) & set(loaded), loaded
    assert ("pydantic" in loaded) is adapter


def test_a_later_real_import_gets_the_real_modules() -> None:
    """After help the stand-ins are gone: rich.markdown and a rich traceback work as ever."""
    code = """
import io, sys
sys.argv = ["generate.py", "--help"]
sys.stdout = io.StringIO()
import generate
try:
    generate.main()
except SystemExit:
    pass
sys.stdout = sys.__stdout__
from typer import rich_utils
assert "rich.markdown" not in sys.modules
shown = rich_utils.Markdown("# 标题")
import rich.markdown
assert type(shown) is rich.markdown.Markdown and rich_utils.Markdown is not rich.markdown.Markdown
assert isinstance(shown, rich_utils.Markdown)
try:
    raise ValueError("x")
except ValueError as error:
    import typer.models
    config = typer.models.DeveloperExceptionConfig()
    trace = rich_utils.get_traceback(error, config, [])
import rich.traceback
assert type(trace) is rich.traceback.Traceback
print("REAL")
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "REAL", done.stderr[-3000:]


def test_build_with_defaults_does_not_import_pydantic(tmp_path: Path) -> None:
    """Options left out reach the coercion as their defaults (``--jobs`` as the int 0)."""
    report, stdout, _ = probe("build", "input/master.xlsx", "--out", str(tmp_path / "out"),
                              "--only", "西安市樊川区教育局")
    assert report["code"] == 0, stdout
    assert (tmp_path / "out" / "2024" / "西安市樊川区教育局.docx").is_file()
    loaded = report["loaded"]
    assert isinstance(loaded, list) and "pydantic" not in loaded

