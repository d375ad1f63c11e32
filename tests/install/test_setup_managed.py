"""The README's commands on a machine whose only Python is managed by the system (PEP 668).

pip ignores the EXTERNALLY-MANAGED marker inside any virtual environment, so the interpreter used
here is a copy of this test run's base interpreter laid out outside any venv, with its standard
library, pip, no site-packages, and the marker; pip is first shown to refuse there. Debian's own
``/usr/bin/python3`` is used too when this machine has it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from install_helpers import CJK, ROOT, clean_env, fresh_clone, run, shown, wheelhouse

from annual_report.workbook.rows import read_workbook

__all__ = ["wheelhouse"]  # the fixture, imported
pytestmark = pytest.mark.install

README_BUILD = "bash setup.sh && python3 generate.py build"
README_TEST = "bash setup.sh --test && python3 -m pytest"
SAMPLE_AGENCIES = len(read_workbook(ROOT / "input" / "master.xlsx").rows)


def managed_python(root: Path) -> Path:
    """A copy of the base interpreter under ``root`` that pip treats as system-managed."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    base = Path(sys.base_prefix)
    executable = base / "bin" / f"python{version}"
    stdlib = base / "lib" / f"python{version}"
    if not executable.is_file() or not (stdlib / "os.py").is_file():
        pytest.skip(f"no interpreter laid out as bin/ and lib/ under {base}")
    (root / "bin").mkdir(parents=True)
    shutil.copy2(executable, root / "bin" / executable.name)  # a copy: its location is its prefix
    (root / "bin" / "python3").symlink_to(executable.name)
    lib = root / "lib" / stdlib.name
    lib.mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name not in ("site-packages", "dist-packages", "EXTERNALLY-MANAGED"):
            (lib / entry.name).symlink_to(entry)
    for shared in (base / "lib").glob("libpython*"):
        (root / "lib" / shared.name).symlink_to(shared)
    (lib / "EXTERNALLY-MANAGED").write_text(
        "[externally-managed]\nError=This Python is managed by the system (test copy).\n",
        encoding="utf-8")
    python = root / "bin" / "python3"
    # pip where this interpreter looks for packages (site-packages, or Debian's dist-packages),
    # as the distribution's python3-pip provides it
    asked = run([str(python), "-c", "import site; print(site.getsitepackages()[0])"], root, clean_env())
    assert asked.returncode == 0, shown(asked)
    site = Path(asked.stdout.strip())
    assert site.is_relative_to(root), site
    site.mkdir(parents=True, exist_ok=True)
    import pip

    (site / "pip").symlink_to(Path(pip.__file__).parent)
    return python


def assert_pip_refuses(python: Path, cwd: Path) -> None:
    env = clean_env()
    where = run([str(python), "-c", "import sys; print(sys.prefix == sys.base_prefix)"], cwd, env)
    assert where.stdout.strip() == "True", shown(where)
    refused = run([str(python), "-m", "pip", "install", "--dry-run", "--no-deps", "six"], cwd, env)
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr, (
        shown(refused))
    assert run([str(python), "-c", "import typer"], cwd, env).returncode != 0


def run_readme_line(line: str, clone: Path, python_dir: Path,
                    wheels: Path) -> subprocess.CompletedProcess[str]:
    """One line of the README, exactly as written, with ``python_dir``'s python3 first on PATH."""
    done = run(["bash", "-c", line], clone, clean_env(python_dir, wheels))
    assert done.returncode == 0, shown(done)
    return done


def assert_setup_spoke_chinese(done: subprocess.CompletedProcess[str]) -> None:
    """setup.sh said what it did, in Chinese, and nothing else spoke (pip, apt, venv)."""
    assert "PEP 668" in done.stdout and ".venv/" in done.stdout
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert all(CJK.search(line) for line in lines), lines


def assert_sample_built(clone: Path) -> None:
    reports = sorted((clone / "output" / "2024").glob("*.docx"))
    assert len(reports) == SAMPLE_AGENCIES
    text = "\n".join(p.text for p in docx.Document(str(reports[0])).paragraphs)
    assert reports[0].stem in text and "政府信息公开工作年度报告" in text


def test_setup_installs_into_a_venv_where_pip_may_not_install(tmp_path: Path,
                                                               wheelhouse: Path) -> None:
    python = managed_python(tmp_path / "python")
    assert_pip_refuses(python, tmp_path)
    clone = fresh_clone(tmp_path / "clone")
    done = run_readme_line(README_BUILD, clone, python.parent, wheelhouse)
    assert_setup_spoke_chinese(done)
    assert (clone / ".venv" / "bin" / "python").exists()
    assert_sample_built(clone)


DEBIAN_PYTHON = Path("/usr/bin/python3")


def debian_is_managed() -> bool:
    if not DEBIAN_PYTHON.exists():
        return False
    probe = subprocess.run(
        [str(DEBIAN_PYTHON), "-c", "import os, sysconfig; print(os.path.isfile(os.path.join("
         "sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"],
        capture_output=True, text=True, timeout=60, check=False)
    return probe.stdout.strip() == "True"


@pytest.mark.skipif(not debian_is_managed(), reason="no system-managed /usr/bin/python3 here")
def test_both_readme_commands_with_debians_own_python(tmp_path: Path, wheelhouse: Path) -> None:
    assert_pip_refuses(DEBIAN_PYTHON, tmp_path)
    clone = fresh_clone(tmp_path / "clone")
    python_dir = tmp_path / "debian-bin"  # /usr/bin first on PATH would bring every other tool too
    python_dir.mkdir()
    (python_dir / "python3").symlink_to(DEBIAN_PYTHON)
    done = run_readme_line(README_BUILD, clone, python_dir, wheelhouse)
    assert_setup_spoke_chinese(done)
    assert_sample_built(clone)
    # The second command; its pytest runs one test file here (the whole suite is CI's own run).
    assert README_TEST.endswith("python3 -m pytest")
    # setup.sh again (now --test) reuses the environment it made
    tested = run_readme_line(f"{README_TEST} -p no:cacheprovider tests/test_sample.py", clone,
                             python_dir, wheelhouse)
    assert " passed" in tested.stdout and " failed" not in tested.stdout, shown(tested)
    assert "PEP 668" not in tested.stdout and "安装完成（在 .venv/ 中）" in tested.stdout
    # started by Debian's pytest (7.x), carried on by the project's own (>=8) in .venv
    header = re.search(r"^platform .* pytest-(\d+)\.", tested.stdout, re.M)
    assert header and int(header.group(1)) >= 8, shown(tested)
