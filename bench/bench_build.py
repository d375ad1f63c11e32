#!/usr/bin/env python3
"""Benchmark `generate.py build` against a plain docxtpl loop, on the project's template.

Measured in one run on the same machine:
- ours: `generate.py build --force` end to end for 1,000 generated agencies (check included);
- a re-run with nothing changed;
- the baseline: the plain docxtpl loop (load, render, save per agency) over a sample of the
  same agencies' contexts, scaled to 1,000 (pass --baseline-count 1000 to run it in full);
- peak memory for 1,000 and 2,000 agencies (flat in the number of agencies is the target).
Targets: at least 30x faster than the baseline, 1,000 reports in under 2 s, re-run well under 1 s.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import time

from common import OUT, peak_kib, timed, workbook


def baseline_seconds_per_report(count: int) -> float:
    from docxtpl import DocxTemplate

    from annual_report.report.build import DEFAULT_TEMPLATE
    from annual_report.report.context import build_context
    from annual_report.workbook.rows import read_workbook

    rows = read_workbook(workbook(1000)).rows[:count]
    contexts = [build_context(r) for r in rows]
    start = time.perf_counter()
    for context in contexts:
        document = DocxTemplate(DEFAULT_TEMPLATE)
        document.render(context, autoescape=True)
        document.save(io.BytesIO())
    return (time.perf_counter() - start) / len(contexts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-count", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = workbook(1000)
    target = OUT / "build-1000"
    shutil.rmtree(target, ignore_errors=True)
    command = [sys.executable, "generate.py", "build", str(path), "--out", str(target)]
    full = statistics.median(timed([*command, "--force"]) for _ in range(args.runs))
    rerun = statistics.median(timed(command) for _ in range(args.runs))
    per_report = baseline_seconds_per_report(args.baseline_count)
    baseline = per_report * 1000
    print(f"build --force, 1000 agencies, end to end: {full:.3f} s (target < 2 s)")
    print(f"re-run with nothing changed:              {rerun:.3f} s (target well under 1 s)")
    print(f"baseline docxtpl loop: {per_report * 1000:.1f} ms/report, x1000 = {baseline:.1f} s "
          f"(measured on {args.baseline_count} reports)")
    print(f"ratio baseline / build:                   {baseline / full:.1f}x (target >= 30x)")
    mem = {}
    for count in (1000, 2000):
        out = OUT / f"build-mem-{count}"
        shutil.rmtree(out, ignore_errors=True)
        mem[count] = peak_kib("build", str(workbook(count)), "--out", str(out), "--force")
    print(f"peak memory: 1000 agencies {mem[1000] / 1024:.1f} MiB, "
          f"2000 agencies {mem[2000] / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
