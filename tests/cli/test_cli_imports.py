"""`check` does not load openpyxl (and numpy with it) unless --annotate asks for the copy."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

PROBE = """
import runpy, sys
sys.argv = ["generate.py", *sys.argv[1:]]
try:
    runpy.run_path("generate.py", run_name="__main__")
except SystemExit:
    pass
print("LOADED", "openpyxl" in sys.modules, file=sys.stderr)
"""


def test_check_without_annotate_does_not_import_openpyxl() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, "check", "input/master.xlsx"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert "LOADED False" in done.stderr, done.stderr[-2000:]
