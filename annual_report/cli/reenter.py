"""Run in the project's own environment: a command started by an interpreter that lacks the
project's packages continues in ``.venv`` beside the package, or says in Chinese how to set up.

``setup.sh`` installs into ``.venv`` where pip may not install into the system Python (PEP 668,
e.g. Debian's ``python3``), so that ``python3 generate.py …`` and ``python3 -m pytest`` still work
as written. Only the standard library is used here: nothing else is known to be importable yet.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# The import names of the [project] dependencies and of the [test] extra in pyproject.toml
# (tests/install/test_environment.py keeps them in step).
RUNTIME_MODULES = ("openpyxl", "python_calamine", "docx", "docxtpl", "jinja2", "lxml", "pdfplumber",
                   "typer", "rich")  # not isal: without it zlib does its work (fastzlib.py)
TEST_MODULES = ("pytest", "hypothesis", "aiosmtpd")
VENV = Path(__file__).resolve().parents[2] / ".venv"
REENTERED = "ANNUAL_REPORT_REENTERED"  # set for the re-entered process: never loop


def collect_less_often() -> None:
    """Run the cycle collector a hundred times less often than Python's default.

    A command keeps many objects alive at once (rows, findings, manifest entries: ~100,000 at
    10,000 agencies). At the default threshold (700 new objects) the collector walks them again
    and again, ~0.4 s of a re-run at 10,000 agencies. Reference counting frees nearly everything
    anyway; cycles are still collected. Called first thing (imports included) and by
    :func:`~.app.main` for the other entry points.
    """
    import gc

    gc.set_threshold(100_000, 20, 20)


def missing_modules(names: Sequence[str]) -> list[str]:
    """The modules of ``names`` that this interpreter cannot import."""
    return [name for name in names if importlib.util.find_spec(name) is None]


def venv_python(venv: Path = VENV) -> Path:
    return venv / "Scripts" / "python.exe" if os.name == "nt" else venv / "bin" / "python"


def reenter(
    arguments: Sequence[str],
    needed: Sequence[str],
    setup: str,
    venv: Path = VENV,
    before: Callable[[], None] | None = None,
) -> str | None:
    """Continue as ``<.venv's python> <arguments>`` when this interpreter lacks ``needed``.

    Returns None when everything is importable here, otherwise (when there is no usable .venv)
    the Chinese message that says what is missing and to run ``setup``. ``before`` runs just
    before the switch (pytest uses it to give the terminal back)."""
    missing = missing_modules(needed)
    if not missing:
        return None
    python = venv_python(venv)
    inside = Path(sys.prefix).resolve() == venv.resolve()
    if python.exists() and not inside and not os.environ.get(REENTERED):
        if before is not None:
            before()
        os.environ[REENTERED] = "1"
        command = [str(python), *arguments]
        sys.stdout.flush()
        sys.stderr.flush()
        if os.name == "nt":  # pragma: no cover - exec on Windows would detach from the console
            import subprocess

            raise SystemExit(subprocess.call(command))
        os.execv(python, command)
    where = f"项目的虚拟环境 {venv}" if python.exists() else f"当前的 Python（{sys.executable}）"
    return (f"{where} 中缺少运行所需的 Python 包：{'、'.join(missing)}。"
            f"请先在项目文件夹中运行 {setup}（Windows 上：py -m pip install .），再重新运行本命令。")


def require(arguments: Sequence[str], needed: Sequence[str] = RUNTIME_MODULES,
            setup: str = "bash setup.sh") -> None:
    """:func:`reenter`, or stop with the message (exit code 2: the command cannot run here)."""
    problem = reenter(arguments, needed, setup)
    if problem:
        sys.stderr.write(f"错误：{problem}\n")
        raise SystemExit(2)
