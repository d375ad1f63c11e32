"""Shared by the benchmark scripts: generated workbooks and process measurements."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MEASURE = """
import resource, runpy, sys
sys.argv = ["generate.py", *sys.argv[1:]]
try:
    runpy.run_path("generate.py", run_name="__main__")
except SystemExit:
    pass
print("MAXRSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
"""


def workbook(count: int) -> Path:
    """A consistent workbook of ``count`` agencies (made once, kept in bench/out/)."""
    from annual_report.format.synthetic import district_records
    from annual_report.workbook.blank import write_workbook

    path = OUT / f"bench-{count}.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        write_workbook(path, district_records(count, seed=count))
    return path


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, check=False, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command} failed: {done.stderr.decode()[-2000:]}")
    return elapsed


def peak_kib(*args: str) -> int:
    """Peak resident memory (KiB) of `generate.py ARGS`, the largest of itself and its workers."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    line = [x for x in done.stderr.splitlines() if x.startswith("MAXRSS")][-1]
    return max(int(v) for v in line.split()[1:])
