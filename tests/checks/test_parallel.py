"""A check of many rows on two cores (checks/parallel.py): a forked child checks the second half.

Each case runs in a fresh Python (no other thread there, so the child is really forked; the
script says so) on a workbook of 300 agencies with errors and warnings of every kind, and
compares every finding and note with a check in one process. The child is also killed for real,
made to fail, made to end without a word and made to hang: the findings stay the same. A parent stopped while
the child works, or killed outright, leaves no child behind.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from annual_report.format.model import FIGURE_FIELDS
from annual_report.format.synthetic import district_records
from annual_report.workbook.blank import write_workbook
from conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or len(
    os.sched_getaffinity(0)) < 2, reason="the child is forked on Linux with two CPUs")

COUNT = 300

# argv: workbook, previous workbook, mode; prints the findings and notes as JSON
SCRIPT = """
import json, os, signal, sys, time
from pathlib import Path
from annual_report.checks import parallel, run
workbook, previous, mode, marks = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
parent = os.getpid()
real = run.check_row
seen = []

def in_child():
    return os.getpid() != parent

def check_row(row, last=None):
    if in_child() and not seen:
        seen.append(1)
        (marks / "child").write_text(str(os.getpid()))
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "raise":
            raise RuntimeError("a bug in the child only")
        if mode == "silent":
            os._exit(0)
        if mode in ("stopped", "parent-killed", "stuck"):
            time.sleep(60)
    if not in_child() and mode == "stopped" and row.row == 60:
        for _ in range(200):  # until the child has begun
            if (marks / "child").exists():
                break
            time.sleep(0.05)
        raise KeyboardInterrupt
    if not in_child() and mode == "parent-killed" and row.row == 60:
        (marks / "parent").write_text(str(os.getpid()))
        time.sleep(60)
    return real(row, last)

run.check_row = check_row
parallel._PATIENCE = 1.0  # a child stuck for a second is stuck: the parent goes on alone
if mode == "serial":
    parallel.may_fork = lambda count: False
else:
    assert parallel.may_fork(__COUNT__), "the child would not be forked here"
try:
    report = run.check_workbook(workbook, previous_path=previous)
except KeyboardInterrupt:
    print(json.dumps({"stopped": True}))
    sys.exit(0)
print(json.dumps({"findings": [f.to_dict() for f in report.findings], "notes": report.notes,
                  "forked": (marks / "child").exists()}, ensure_ascii=False))
""".replace("__COUNT__", str(COUNT))


def _spoil(record: dict[str, Any], rng: random.Random, names: list[str]) -> None:
    """Errors and warnings of every kind, at random."""
    figures = [f.key for f in FIGURE_FIELDS]
    if rng.random() < 0.25:
        key = rng.choice(figures)
        record[key] = record[key] + rng.choice([-1, 1, 7])  # a sum that does not add up (R1-R4)
    if rng.random() < 0.1:
        record[rng.choice(figures)] = None  # blank (R5)
    if rng.random() < 0.08:
        record[rng.choice(figures)] = rng.choice(["十二", "-3", "2.5", "约10", "#N/A"])
    if rng.random() < 0.1:  # the narrative states another count than table 三 (R7)
        record["text.proactive"] += f"\n全年共收到政府信息公开申请{rng.randint(0, 99)}件。"
    if rng.random() < 0.05:
        record["email"] = rng.choice(["abc", "", "office@", "x@y"])
    if rng.random() < 0.05 and names:
        record["agency"] = rng.choice(names)  # DUPLICATE
    if rng.random() < 0.05:
        record["report_date"] = rng.choice(["2023-12-01", "", "2026-02-30", "明年"])
    if rng.random() < 0.03:
        record["year"] = 2023  # YEAR
    if rng.random() < 0.05:
        record["text.problems"] = ""  # W3


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("parallel")
    rng = random.Random(14)
    records = district_records(COUNT, seed=3)
    names: list[str] = []
    for record in records:
        _spoil(record, rng, names)
        names.append(record["agency"])
    last_year = district_records(COUNT, seed=4, year=2023)
    for this, last in zip(records, last_year, strict=True):
        last["agency"] = this["agency"]
        if rng.random() < 0.2:
            last["text.problems"] = this["text.problems"]  # repeated from last year (W3)
    return (write_workbook(folder / "总表.xlsx", records),
            write_workbook(folder / "上年总表.xlsx", last_year))


def _check(workbooks: tuple[Path, Path], mode: str, marks: Path,
           wait: bool = True) -> dict[str, Any] | subprocess.Popen[str]:
    marks.mkdir(exist_ok=True)
    command = [sys.executable, "-c", SCRIPT, *map(str, workbooks), mode, str(marks)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def serial(workbooks: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = _check(workbooks, "serial", tmp_path_factory.mktemp("serial"))
    assert isinstance(result, dict) and not result["forked"]
    rules = {f["rule"] for f in result["findings"]}
    assert {"R1", "R5", "R7", "EMAIL", "DUPLICATE", "DATE", "YEAR", "W3"} <= rules, rules
    assert len({f["row"] for f in result["findings"]}) > COUNT // 3
    return result


@pytest.mark.parametrize("mode", ["parallel", "kill", "raise", "silent", "stuck"])
def test_the_findings_are_those_of_one_process(workbooks: tuple[Path, Path],
                                               serial: dict[str, Any], tmp_path: Path,
                                               mode: str) -> None:
    result = _check(workbooks, mode, tmp_path)
    assert isinstance(result, dict)
    assert result["forked"]  # the child ran (and, but for "parallel", failed)
    assert result["findings"] == serial["findings"]
    assert result["notes"] == serial["notes"]
    if mode == "stuck":  # killed and reaped, not left behind
        assert not Path(f"/proc/{(tmp_path / 'child').read_text()}").exists()


def _wait_for(path: Path, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path.name} never started"
        time.sleep(0.02)
    return int(path.read_text())


def test_a_stopped_parent_kills_and_reaps_the_child(workbooks: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    process = _check(workbooks, "stopped", tmp_path, wait=False)
    assert isinstance(process, subprocess.Popen)
    with process:
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0 and json.loads(stdout) == {"stopped": True}, stderr
    child = int((tmp_path / "child").read_text())
    assert not Path(f"/proc/{child}").exists()  # killed and reaped, not left a zombie


def test_a_killed_parent_takes_the_child_with_it(workbooks: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    process = _check(workbooks, "parent-killed", tmp_path, wait=False)
    assert isinstance(process, subprocess.Popen)
    with process:
        try:
            child = _wait_for(tmp_path / "child", 120)
            _wait_for(tmp_path / "parent", 120)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            deadline = time.monotonic() + 5
            while Path(f"/proc/{child}").exists() and not _orphan_ended(child):
                assert time.monotonic() < deadline, "the child outlived its parent"
                time.sleep(0.02)
        finally:
            process.kill()


def _orphan_ended(pid: int) -> bool:
    """An orphan that ended is reaped by init, or waits as a zombie for a subreaper."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_no_child_while_another_thread_runs() -> None:
    """A thread Python's threading module does not know of (as a C library starts) counts too:
    it could hold a lock the child would wait for forever."""
    script = ("import _thread, sys, threading, time\n"
              "from annual_report.checks.parallel import may_fork\n"
              "alone = may_fork(1000)\n"
              "_thread.start_new_thread(time.sleep, (5,))\n"
              "time.sleep(0.1)\n"
              "print(alone, threading.active_count(), may_fork(1000), may_fork(10))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          check=True)
    assert done.stdout.split() == ["True", "1", "False", "False"]
