"""Re-entering the project's .venv, and the package metadata that installs the command."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from install_helpers import ROOT, clean_env, run, shown

from annual_report.bundled import SAMPLE, SAMPLE_PREVIOUS, TEMPLATE, bundled_file
from annual_report.cli.reenter import REENTERED, RUNTIME_MODULES, TEST_MODULES, VENV, reenter
from annual_report.report.build import DEFAULT_TEMPLATE

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def distribution_names(requirements: list[str]) -> set[str]:
    return {r.split(";")[0].split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
            for r in requirements}


def test_the_modules_reenter_looks_for_come_from_the_declared_packages() -> None:
    providers = packages_distributions()
    runtime = distribution_names(PROJECT["project"]["dependencies"])
    test = distribution_names(PROJECT["project"]["optional-dependencies"]["test"])
    for modules, declared in ((RUNTIME_MODULES, runtime), (TEST_MODULES, test)):
        for module in modules:
            dists = {d.lower() for d in providers.get(module, [])}
            assert dists & declared, f"{module} is not provided by a package of pyproject.toml"


def test_the_console_command_and_the_module_entry() -> None:
    assert PROJECT["project"]["scripts"] == {"nianbao": "annual_report.cli.readahead:main"}
    assert (ROOT / "annual_report" / "__main__.py").is_file()
    forced = PROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert sorted(forced.values()) == sorted(f"annual_report/bundled/{n}"
                                             for n in (TEMPLATE, SAMPLE, SAMPLE_PREVIOUS))
    for source in forced:
        assert (ROOT / source).is_file()


def test_bundled_files_resolve_to_the_checkout_here() -> None:
    assert DEFAULT_TEMPLATE == ROOT / "templates" / TEMPLATE
    assert bundled_file(SAMPLE) == ROOT / "input" / SAMPLE
    assert bundled_file(SAMPLE_PREVIOUS).is_file()


FAKE_PYTHON = """#!/bin/sh
echo "reentered: $* mark=$ANNUAL_REPORT_REENTERED"
"""


def call_reenter(venv: Path, needed: str) -> subprocess.CompletedProcess[str]:
    code = ("import sys; from pathlib import Path; from annual_report.cli.reenter import reenter; "
            f"print(reenter(['generate.py', 'build', '--force'], [{needed!r}], 'bash setup.sh', "
            f"venv=Path({str(venv)!r})))")
    env = dict(clean_env(), PYTHONPATH=str(ROOT))
    return run([sys.executable, "-c", code], ROOT, env, timeout=60)


def test_a_missing_package_moves_the_command_into_the_venv(tmp_path: Path) -> None:
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON, encoding="utf-8")
    python.chmod(0o755)
    moved = call_reenter(tmp_path / "venv", "no_such_module_here")
    assert moved.stdout.strip() == "reentered: generate.py build --force mark=1", shown(moved)
    stays = call_reenter(tmp_path / "venv", "json")  # everything importable: nothing happens
    assert stays.stdout.strip() == "None", shown(stays)


def test_without_a_venv_the_words_say_what_is_missing_and_what_to_run(tmp_path: Path) -> None:
    said = call_reenter(tmp_path / "nothing", "no_such_module_here")
    assert "缺少运行所需的 Python 包：no_such_module_here" in said.stdout, shown(said)
    assert "bash setup.sh" in said.stdout and sys.executable in said.stdout


def test_a_reentered_process_never_loops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON, encoding="utf-8")
    python.chmod(0o755)
    monkeypatch.setenv(REENTERED, "1")
    problem = reenter(["x"], ["no_such_module_here"], "bash setup.sh", venv=tmp_path / "venv")
    assert problem and "项目的虚拟环境" in problem and "no_such_module_here" in problem


def test_generate_py_names_the_missing_packages_in_chinese(tmp_path: Path) -> None:
    """An interpreter with nothing installed and no .venv: a Chinese error, exit 2."""
    if VENV.exists():
        pytest.skip(f"{VENV} exists: generate.py would move into it")
    done = run([sys.executable, "-E", "-S", str(ROOT / "generate.py"), "build"], tmp_path,
               clean_env(), timeout=60)
    assert done.returncode == 2, shown(done)
    assert done.stderr.startswith("错误：") and "bash setup.sh" in done.stderr
    assert "Traceback" not in done.stderr
