#!/usr/bin/env python3
"""Benchmark `generate.py check` on a generated 1,000-agency workbook.

Prints the wall time of the whole command (median of several runs), the same for a baseline
measured in the same run (reading the workbook with openpyxl, as a plain script would), their
ratio, and the peak memory at 1,000 and 2,000 agencies (growth should be the rows themselves).
Target: the whole command in at most 1.5 s for 1,000 agencies on a 2-core machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annual_report.blank import write_workbook  # noqa: E402
from annual_report.synthetic import district_records  # noqa: E402

OUT = ROOT / "bench" / "out"
RUNS = 5

MEASURE = """
import resource, runpy, sys
sys.argv = ["generate.py", "check", sys.argv[1]]
try:
    runpy.run_path("generate.py", run_name="__main__")
except SystemExit:
    pass
print("MAXRSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""

BASELINE = """
import sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = [list(r) for r in book["总表"].iter_rows(values_only=True)]
"""


def workbook(count: int) -> Path:
    path = OUT / f"bench-{count}.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        write_workbook(path, district_records(count, seed=count))
    return path


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=False, capture_output=True)
    return time.perf_counter() - start


def peak_kib(path: Path) -> int:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    line = [x for x in done.stderr.splitlines() if x.startswith("MAXRSS")][-1]
    return int(line.split()[1])


def main() -> None:
    path = workbook(1000)
    check = [sys.executable, "generate.py", "check", str(path)]
    baseline = [sys.executable, "-c", BASELINE, str(path)]
    ours = statistics.median(timed(check) for _ in range(RUNS))
    base = statistics.median(timed(baseline) for _ in range(RUNS))
    print(f"check, 1000 agencies, whole command: {ours:.3f} s (target <= 1.5 s)")
    print(f"baseline, openpyxl read only:        {base:.3f} s")
    print(f"ratio baseline / check:              {base / ours:.2f}x")
    small, large = peak_kib(path), peak_kib(workbook(2000))
    print(f"peak memory: 1000 agencies {small / 1024:.1f} MiB, 2000 agencies {large / 1024:.1f} MiB,"
          f" growth per 1000 agencies {(large - small) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
