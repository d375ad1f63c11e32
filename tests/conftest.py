"""Shared fixtures."""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The fault tests press Ctrl+C on the programs they start (SIGINT). A suite started in the
# background of a shell (`nohup … &`, some CI runners) inherits SIGINT ignored, and so would every
# program it starts, which then rightly keeps ignoring it: give them the disposition a terminal
# gives (a Python handler here is reset to the default in each program started).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Builds under test keep their no-change records and row memos in a folder of the test
    run (subprocesses inherit it), never in the user's own cache folder."""
    before = os.environ.get("ANNUAL_REPORT_CACHE")
    os.environ["ANNUAL_REPORT_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("ANNUAL_REPORT_CACHE", None)
    else:
        os.environ["ANNUAL_REPORT_CACHE"] = before


def load_tool(name: str) -> ModuleType:
    """Import one of the scripts in tools/ (they are not a package) as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def invoke_squashed(*args: str) -> tuple[int, str]:
    """Run the CLI in-process; (exit code, output with all white space removed), so Chinese
    messages compare whatever width the console wrapped them at. A crash fails the test."""
    from typer.testing import CliRunner

    from generate import app

    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    return result.exit_code, "".join(result.output.split())
