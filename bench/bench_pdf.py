#!/usr/bin/env python3
"""Benchmark `build --pdf`: batched LibreOffice conversion against one soffice call per report.

Measured in one run: the project's conversion of N reports (batches, one soffice per core, each
with its own profile) and the baseline of one `soffice --convert-to pdf` call per report on a
sample; prints seconds per report and the ratio. Needs LibreOffice.
"""

# ruff: noqa: I001
from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from common import OUT, workbook  # first: it puts the repository on sys.path

from annual_report.report.build import BuildOptions, build_reports
from annual_report.report.pdf import require_soffice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--baseline-count", type=int, default=8)
    args = parser.parse_args()
    soffice = require_soffice()
    out = OUT / "pdf"
    shutil.rmtree(out, ignore_errors=True)
    names = tuple(f"示例区第{n + 1:04d}号机关" for n in range(args.count))
    source = workbook(1000)
    build_reports(source, BuildOptions(out=out, only=names))
    start = time.perf_counter()
    result = build_reports(source, BuildOptions(out=out, only=names, pdf=True))
    ours = (time.perf_counter() - start) / max(1, len(result.pdf_built))
    docs = sorted(out.glob("*/*.docx"))[: args.baseline_count]
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        for doc in docs:
            subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", scratch,
                            str(doc)], capture_output=True, check=False, timeout=120)
        base = (time.perf_counter() - start) / len(docs)
    print(f"build --pdf, {len(result.pdf_built)} reports: {ours:.3f} s/report "
          f"({len(result.pdf_failed)} failed)")
    print(f"baseline, one soffice call per report ({len(docs)} reports): {base:.3f} s/report")
    print(f"ratio baseline / ours: {base / ours:.1f}x")


if __name__ == "__main__":
    main()
