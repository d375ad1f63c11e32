#!/usr/bin/env python3
"""The speed targets of issue 14, each measured against a baseline in the same run.

Run from the project folder: ``python3 bench/targets.py SUBCOMMAND`` (``all`` runs every one).
Every figure is a median of ``--runs`` runs, and each run of ours is interleaved with a run of
its baseline, so a machine shared with other work slows both alike; the ratios are what counts.
The workbooks are generated once into bench/out/ (their narratives have about 3,000 characters a
row, as real reports do; 10,000 agencies take a few minutes to write the first time).

- ``build``:  ``build --force`` of 1,000 reports against a plain docxtpl loop (load, render, save
  per report) on the same template and rows, scaled from ``--baseline-count`` reports; and the
  marginal CPU per report (workers included): CPU at 2,000 agencies minus CPU at 1,000, / 1,000.
- ``rerun``:  at 10,000 agencies, a re-run with nothing changed, one with one agency's text
  changed (the shared strings after it renumbered) and one with one figure corrected.
- ``check``:  ``check`` of 1,000 agencies and ``--help``, whole commands, with the interpreter's
  own start-up (``python3 -c pass``) measured alongside as the floor.
- ``memory``: peak resident memory of ``check``, ``build --force``, ``build`` into a new folder and
  its re-run with one text changed, at 1,000 and 10,000 agencies (the largest of the command and
  its workers) and the growth per 1,000 rows.
- ``pdf``:    seconds per report that ``--pdf`` adds to ``build`` (2 cores; ``build --pdf`` minus
  the same build without it, both with the DOCX already there, / reports) against one ``soffice``
  call converting all the same files (LibreOffice's own floor), and one converting the copies
  ``build --pdf`` gives it (merged cells cut where a table may break, see report/pdf_tables.py).
"""

# ruff: noqa: I001
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import common  # first: sets sys.path
from common import (
    OUT,
    ROOT,
    Measured,
    changed_workbook,
    empty_trash,
    peak_mib,
    figure_changed_workbook,
    run,
    set_aside,
    workbook,
)

GENERATE = [sys.executable, "generate.py"]
CACHE = OUT / "cache"  # the builds' records (memos, no-change records), not the user's
os.environ["ANNUAL_REPORT_CACHE"] = str(CACHE)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores"


def docxtpl_seconds(count: int, out: Path) -> float:
    """Seconds per report of the plain docxtpl loop over the first ``count`` rows."""
    from docxtpl import DocxTemplate

    from annual_report.report.build import DEFAULT_TEMPLATE
    from annual_report.report.context import build_context
    from annual_report.workbook.rows import read_workbook

    rows = read_workbook(workbook(1000)).rows[:count]
    contexts = [build_context(r) for r in rows]
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for n, context in enumerate(contexts):
        document = DocxTemplate(DEFAULT_TEMPLATE)
        document.render(context, autoescape=True)
        document.save(str(out / f"{n}.docx"))
    return (time.perf_counter() - start) / len(contexts)


def bench_build(args: argparse.Namespace) -> None:
    one, two = workbook(1000), workbook(2000)
    target = OUT / "build-1000"
    ours: list[Measured] = []
    base: list[float] = []
    cpu: dict[int, list[float]] = {1000: [], 2000: []}
    for _ in range(args.runs):
        base.append(docxtpl_seconds(args.baseline_count, OUT / "docxtpl"))
        set_aside(target)
        ours.append(run([*GENERATE, "build", str(one), "--out", str(target), "--force"]))
        cpu[1000].append(ours[-1].cpu)
        set_aside(OUT / "build-2000")
        cpu[2000].append(run([*GENERATE, "build", str(two), "--out", str(OUT / "build-2000"),
                              "--force"]).cpu)
    wall = _median([m.wall for m in ours])
    per_report = _median(base)
    marginal = (_median(cpu[2000]) - _median(cpu[1000])) / 1000
    print(f"build --force, 1000 reports: {wall:.3f} s wall, {_median(cpu[1000]):.2f} s CPU")
    print(f"docxtpl loop:               {per_report * 1000:.1f} ms/report "
          f"(measured on {args.baseline_count}), x1000 = {per_report * 1000:.1f} s")
    print(f"ratio docxtpl / build:      {per_report * 1000 / wall:.1f}x  (target >= 60x)")
    print(f"marginal CPU per report:    {marginal * 1000:.2f} ms  (2000 vs 1000 agencies, "
          "workers included; target <= 1 ms)")
    print(f"  as a share of docxtpl's:  {marginal / per_report * 100:.2f} %  (the same on a "
          "faster or slower machine; 1 ms where docxtpl takes 74 ms a report is 1.35 %)")


def bench_rerun(args: argparse.Namespace) -> None:
    count = args.count
    first, second = workbook(count), changed_workbook(count)
    figure = figure_changed_workbook(count)
    target = OUT / f"rerun-{count}"
    set_aside(target)
    run([*GENERATE, "build", str(first), "--out", str(target)])  # the build being re-run
    command = [*GENERATE, "build", "--out", str(target)]
    floor, same, changed, figures = [], [], [], []
    for _ in range(args.runs):
        floor.append(run([sys.executable, "-c", "pass"]).wall)
        # one agency's text differs from the last (the shared strings renumbered after it)
        changed.append(run([*command, str(second)]).wall)
        same.append(run([*command, str(second)]).wall)
        changed.append(run([*command, str(first)]).wall)
        same.append(run([*command, str(first)]).wall)
        figures.append(run([*command, str(figure)]).wall)  # one figure corrected
        run([*command, str(first)])
    print(f"re-run, {count} agencies, nothing changed:    {_median(same):.3f} s  (target <= 0.5 s)")
    print(f"re-run, {count} agencies, one text changed:   {_median(changed):.3f} s  "
          "(target <= 1.5 s)")
    print(f"re-run, {count} agencies, one figure changed: {_median(figures):.3f} s  "
          "(target <= 1.5 s)")
    print(f"python3 -c pass (floor):                    {_median(floor):.3f} s")


def bench_check(args: argparse.Namespace) -> None:
    path = workbook(1000)
    floor: list[Measured] = []
    check: list[Measured] = []
    helps: list[Measured] = []
    for _ in range(args.runs):
        floor.append(run([sys.executable, "-c", "pass"]))
        check.append(run([*GENERATE, "check", str(path)]))
        helps.append(run([*GENERATE, "--help"]))
    for label, measured, target in (("check, 1000 agencies, whole command", check, "<= 0.5 s"),
                                    ("generate.py --help", helps, "<= 0.15 s"),
                                    ("python3 -c pass (floor)", floor, "")):
        print(f"{label + ':':37}{_median([m.wall for m in measured]):.3f} s wall, "
              f"{_median([m.cpu for m in measured]):.3f} s CPU  {'(target ' + target + ')' if target else ''}")


def bench_memory(args: argparse.Namespace) -> None:
    # made beforehand, in another process: never while a command is measured
    run([sys.executable, "-c", "import sys; sys.path.insert(0, 'bench'); "
         "from common import workbook, changed_workbook; "
         "[(workbook(n), changed_workbook(n)) for n in (1000, 10000)]"])
    peaks: dict[tuple[str, int], float] = {}
    for count in (1000, 10000):
        path = workbook(count)
        peaks["check", count] = peak_mib([*GENERATE, "check", str(path)])
        out = OUT / f"memory-{count}"
        set_aside(out)
        peaks["build --force", count] = peak_mib([*GENERATE, "build", str(path), "--out", str(out),
                                             "--force"])
        set_aside(out)
        set_aside(CACHE)  # no record of an earlier build into that folder: a first build
        # a build into a new folder, which also remembers every row for the next run
        peaks["build", count] = peak_mib([*GENERATE, "build", str(path), "--out", str(out)])
        # and that next run, with one agency's text changed (the strings after it renumbered)
        peaks["re-run", count] = peak_mib([*GENERATE, "build", str(changed_workbook(count)),
                                      "--out", str(out)])
        set_aside(out)
    for command in ("check", "build --force", "build", "re-run"):
        small, large = peaks[command, 1000], peaks[command, 10000]
        print(f"peak memory, {command:13}: 1000 agencies {small:.1f} MiB, 10000 agencies "
              f"{large:.1f} MiB (target <= 150), growth {(large - small) / 9:.1f} MiB per 1000")


def bench_pdf(args: argparse.Namespace) -> None:
    from annual_report.report.pdf import require_soffice
    from annual_report.report.pdf_tables import write_libreoffice_copy

    soffice = require_soffice()
    count = args.pdf_count
    source = str(workbook(count))
    out = OUT / "pdf"
    command = [*GENERATE, "build", source, "--out", str(out), "--jobs", "2"]
    ours, plain, base, copies = [], [], [], []

    def one_call(docs: list[str], scratch: str) -> float:
        profile = Path(scratch, "profile").as_uri()
        return run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    "pdf", "--outdir", scratch, *docs]).wall / len(docs)

    for _ in range(args.runs):
        set_aside(out)
        run(command)  # the DOCX, not timed
        plain.append(run(command).wall)  # the same command without --pdf: nothing to do
        ours.append(run([*command, "--pdf"]).wall)
        docs = sorted(str(p) for p in out.glob("*/*.docx"))
        with tempfile.TemporaryDirectory() as scratch:
            base.append(one_call(docs, scratch))
        with tempfile.TemporaryDirectory() as scratch:  # what build --pdf hands to LibreOffice
            cut = [str(Path(scratch, Path(d).name)) for d in docs]
            for doc, copy in zip(docs, cut, strict=True):
                if not write_libreoffice_copy(Path(doc), Path(copy)):
                    shutil.copyfile(doc, copy)
            copies.append(one_call(cut, scratch))
    mine = (_median(ours) - _median(plain)) / count
    floor, floor_cut = _median(base), _median(copies)
    print(f"build --pdf, {count} reports, 2 cores: {_median(ours):.2f} s, of which the PDFs "
          f"{mine:.3f} s/report  (target <= 0.1 s)")
    print(f"one soffice call for all of them:    {floor:.3f} s/report")
    print(f"ratio ours / one soffice call:       {mine / floor:.2f}")
    print(f"one soffice call, merges cut:        {floor_cut:.3f} s/report  (the copies build "
          f"--pdf converts; ours / this: {mine / floor_cut:.2f})")


COMMANDS = {"build": bench_build, "rerun": bench_rerun, "check": bench_check,
            "memory": bench_memory, "pdf": bench_pdf}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=[*COMMANDS, "all"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-count", type=int, default=40,
                        help="docxtpl reports per run (scaled to 1,000)")
    parser.add_argument("--count", type=int, default=10000, help="agencies of the re-run")
    parser.add_argument("--pdf-count", type=int, default=40)
    parser.add_argument("--writer", choices=["excel", "openpyxl"], default="excel",
                        help="workbooks as Excel/WPS store them, or as openpyxl saves them")
    args = parser.parse_args()
    common.WRITER = args.writer
    os.chdir(ROOT)
    # the byte code setup.sh leaves (a machine with PYTHONDONTWRITEBYTECODE=1 never writes it):
    # without it every command measured would compile the program first (~0.3 s)
    run([sys.executable, "-m", "compileall", "-q", "annual_report", "generate.py"])
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}, {_load()}, Python {sys.version.split()[0]}")
    for name, command in COMMANDS.items():
        if args.command in (name, "all"):
            print(f"\n== {name}")
            command(args)
    empty_trash()  # every measurement is done: deleting no longer weighs on one
    print(f"\n{_load()}")


if __name__ == "__main__":
    main()
