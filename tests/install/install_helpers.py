"""What the install tests share: a copy of the repository as a fresh clone has it, a clean
environment for the commands, and bounded subprocesses."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240  # seconds for one step (a pip install from PyPI included)
CJK = re.compile(r"[\u4e00-\u9fff]")


def fresh_clone(dest: Path) -> Path:
    """The files a clone of this checkout has (tracked, or new and not ignored), copied to ``dest``:
    no .venv, no output, no installed state."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def requirements() -> list[str]:
    """Everything pip installs for the project: dependencies, the [test] extra, the build backend
    and what the backend needs for an editable install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [*project["project"]["dependencies"], *project["project"]["optional-dependencies"]["test"],
            *project["build-system"]["requires"], "editables"]


@functools.cache
def _wheelhouse(base: Path) -> Path:
    folder = base / "wheelhouse"
    done = subprocess.run([sys.executable, "-m", "pip", "download", "-qq", "-d", str(folder),
                           *requirements()], capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)
    assert done.returncode == 0, shown(done)
    return folder


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's packages fetched from PyPI once per test run: every pip install of these
    tests takes them from this folder, so a fresh environment costs seconds, not minutes."""
    return _wheelhouse(tmp_path_factory.getbasetemp())


def clean_env(path_first: Path | None = None, wheelhouse: Path | None = None) -> dict[str, str]:
    """The environment of a user's shell: nothing from this test run or its interpreter; pip
    takes packages from ``wheelhouse`` (and skips compiling them, which only saves time)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV", "ANNUAL_REPORT", "COV_", "PIP_"))}
    if wheelhouse is not None:
        env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse), PIP_NO_COMPILE="1",
                   PIP_DISABLE_PIP_VERSION_CHECK="1")
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(command: list[str], cwd: Path, env: dict[str, str],
        timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def shown(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
