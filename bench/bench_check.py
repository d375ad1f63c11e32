#!/usr/bin/env python3
"""Benchmark `generate.py check` on a generated 1,000-agency workbook.

Prints the wall time of the whole command (median of several runs), the same for a baseline
measured in the same run (reading the workbook with openpyxl, as a plain script would), their
ratio, and the peak memory at 1,000 and 2,000 agencies (growth should be the rows themselves).
Target: the whole command in at most 1.5 s for 1,000 agencies on a 2-core machine.
"""

from __future__ import annotations

import statistics
import sys

from common import peak_kib, timed, workbook

RUNS = 5

BASELINE = """
import sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = [list(r) for r in book["总表"].iter_rows(values_only=True)]
"""


def main() -> None:
    path = workbook(1000)
    check = [sys.executable, "generate.py", "check", str(path)]
    baseline = [sys.executable, "-c", BASELINE, str(path)]
    ours = statistics.median(timed(check) for _ in range(RUNS))
    base = statistics.median(timed(baseline) for _ in range(RUNS))
    print(f"check, 1000 agencies, whole command: {ours:.3f} s (target <= 1.5 s)")
    print(f"baseline, openpyxl read only:        {base:.3f} s")
    print(f"ratio baseline / check:              {base / ours:.2f}x")
    small, large = peak_kib("check", str(path)), peak_kib("check", str(workbook(2000)))
    print(f"peak memory: 1000 agencies {small / 1024:.1f} MiB, 2000 agencies {large / 1024:.1f} MiB,"
          f" growth per 1000 agencies {(large - small) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
