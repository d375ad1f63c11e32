"""`build` killed for real: by Ctrl+C, SIGTERM, SIGHUP and kill -9, in the middle of a re-build.

Each test runs ``generate.py build`` as a process with two workers on 200 agencies, with a
template made slow on purpose (a loop in the template), stops it mid-batch and then runs the same
command again, which must complete, refuse nothing it wrote itself, resume rather than start
over, and exit 0. No worker may outlive its parent. Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from annual_report.format.synthetic import district_records
from annual_report.outputs import sha256_file
from annual_report.report.build import DEFAULT_TEMPLATE, BuildOptions, build_reports
from annual_report.report.manifest import JOURNAL_DIR
from annual_report.workbook.blank import write_workbook
from conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find workers")

AGENCIES = 200
# About 15 ms a report here: the batch lasts long enough to be stopped in the middle.
SLOW = "{% for i in range(100) %}{% for j in range(1000) %}{% endfor %}{% endfor %}"


def slow_template(target: Path, mark: str) -> Path:
    with zipfile.ZipFile(DEFAULT_TEMPLATE) as zin, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"{{ agency }}", f"{SLOW}{{{{ agency }}}}{mark}".encode(), 1)
            zout.writestr(info, data)
    return target


def command(workbook: Path, out: Path, template: Path) -> list[str]:
    return [sys.executable, "generate.py", "build", str(workbook), "--out", str(out),
            "--jobs", "2", "--template", str(template)]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.02)


def journaled(out: Path) -> int:
    folder = out / JOURNAL_DIR
    if not folder.is_dir():
        return 0
    return sum(p.read_bytes().count(b"\n") for p in folder.glob("*.jsonl"))


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie (an orphan's zombie waits for whoever adopted it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """200 reports built once (copied for each test): the workbook and the output folder."""
    folder = tmp_path_factory.mktemp("built")
    workbook = write_workbook(folder / "总表.xlsx", district_records(AGENCIES))
    out = folder / "out"
    assert len(build_reports(workbook, BuildOptions(out=out, jobs=2)).built) == AGENCIES
    return workbook, out


@pytest.fixture
def rebuilt(built_once: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    workbook, out = built_once
    return workbook, Path(shutil.copytree(out, tmp_path / "out"))


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=lambda s: signal.Signals(s).name)
def test_a_stopped_rebuild_resumes_and_refuses_nothing_it_wrote(
    rebuilt: tuple[Path, Path], tmp_path: Path, signum: int
) -> None:
    workbook, out = rebuilt
    template = slow_template(tmp_path / "新模板.docx", "（新模板）")  # every report is rebuilt
    run = command(workbook, out, template)
    with subprocess.Popen(run, cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        try:
            wait_for(lambda: journaled(out) >= 20 or process.poll() is not None, 60, "20 reports")
            assert process.poll() is None, process.communicate()
            workers = children(process.pid)
            assert len(workers) == 2
            process.send_signal(signum)
            _stdout, stderr = process.communicate(timeout=30)
        finally:
            process.kill()
    if signum == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:
        assert process.returncode == (130 if signum == signal.SIGINT else 128 + signum), stderr
        assert "重新运行同一命令会接着生成其余的" in stderr and "Traceback" not in stderr
    wait_for(lambda: not any(alive(pid) for pid in workers), 5, "the workers end with the parent")
    done_before = journaled(out) if signum == signal.SIGKILL else None
    again = subprocess.run(run, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=120)
    output = again.stdout + again.stderr
    assert again.returncode == 0, output
    assert "未覆盖" not in output and "手工修改" not in output
    skipped = int(output.split("未变化跳过")[1].split("份")[0])
    # resumed: what was done is not done again (a worker killed between its record and its
    # rename leaves a record that does not count)
    assert skipped >= 18 and (done_before is None or skipped >= done_before - 2)
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
    assert len(data) == AGENCIES
    for entry in data.values():
        assert sha256_file(out / entry["file"]) == entry["sha256"]
    assert not (out / JOURNAL_DIR).exists()
    assert not list(out.rglob(".~*.tmp"))


def test_workers_end_with_the_parent_without_prctl(tmp_path: Path) -> None:
    """Where the kernel cannot be asked (macOS), the watchdog thread ends an orphaned worker."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import multiprocessing, os, sys, time\n"
        "from annual_report.report import workers\n"
        "def child(parent):\n"
        "    sys.platform = 'darwin'  # no PR_SET_PDEATHSIG: only the watchdog\n"
        "    workers._die_with_parent(parent)\n"
        "    time.sleep(60)\n"
        "if __name__ == '__main__':\n"
        "    process = multiprocessing.get_context('fork').Process(target=child, args=(os.getpid(),))\n"
        "    process.start()\n"
        "    print(process.pid, flush=True)\n"
        "    time.sleep(60)\n", encoding="utf-8")
    with subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=env(),
                          stdout=subprocess.PIPE, text=True) as parent:
        try:
            assert parent.stdout is not None
            child = int(parent.stdout.readline())
            time.sleep(0.3)
            assert alive(child)
            parent.kill()
            parent.wait(timeout=10)
            wait_for(lambda: not alive(child), 5, "the orphaned worker ends")
        finally:
            parent.kill()


def test_a_forked_child_does_not_hold_the_folder_lock(tmp_path: Path) -> None:
    from annual_report.errors import OutputError
    from annual_report.outputs import exclusive, exclusive_folder

    out = tmp_path / "out"
    ready, started = os.pipe()
    with exclusive_folder(out, OutputError("busy")), exclusive(out / "x.lock", OutputError("busy")):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, once os.fork() has returned in it
            os.write(started, b"1")
            time.sleep(3)
            os._exit(0)
    assert os.read(ready, 1) == b"1"
    os.close(ready)
    os.close(started)
    try:
        with exclusive_folder(out, OutputError("busy")), exclusive(out / "x.lock", OutputError("b")):
            pass  # the child is still alive, and holds neither lock
        assert alive(pid)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
