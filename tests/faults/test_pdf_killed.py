"""`build --pdf` stopped for real while LibreOffice converts: no soffice.bin may outlive it.

``soffice`` starts ``oosplash``, which starts ``soffice.bin``; killing our process (SIGKILL: no
clean-up runs) or stopping it (Ctrl+C, SIGTERM) must end that whole tree within seconds, and the
same command run again must complete every PDF. Every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from factories import needs_libreoffice

pytestmark = [pytest.mark.pdf, needs_libreoffice,
              pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find soffice.bin")]

SAMPLE = ROOT / "input" / "master.xlsx"


def command_line(pid: int) -> str:
    """``pid``'s command line, or "" once it has ended (it may end while it is being looked at)."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(
            "utf-8", "replace")
    except OSError:
        return ""


def converters(out: Path) -> list[int]:
    """LibreOffice processes working for ``out`` (their profile lies inside it)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        text = command_line(int(proc.name))
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if "soffice" in text and str(out) in text and state != "Z":
            found.append(int(proc.name))
    return found


def wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT],
                         ids=lambda s: signal.Signals(s).name)
def test_libreoffice_ends_with_a_stopped_build(tmp_path: Path, signum: int) -> None:
    out = tmp_path / "out"
    run = [sys.executable, "generate.py", "build", str(SAMPLE), "--out", str(out), "--jobs", "2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    subprocess.run(run, cwd=ROOT, env=env, capture_output=True, timeout=300, check=True)
    # the with block closes the pipes and reaps the process however the test ends
    with subprocess.Popen([*run, "--pdf"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as process:
        try:
            wait_for(lambda: any("soffice.bin" in command_line(p) for p in converters(out))
                     or process.poll() is not None, 120, "LibreOffice converting")
            assert process.poll() is None, process.communicate()
            process.send_signal(signum)
            # a batch has 18 reports to go (each 0.15-0.35 s): what outlives us would be seen
            wait_for(lambda: not converters(out), 1.0, "LibreOffice ends with the build")
            process.communicate(timeout=30)
        finally:
            process.kill()
    assert not list((out / "2024").glob("*.pdf.tmp"))
    again = subprocess.run([*run, "--pdf"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    docx = sorted(p.stem for p in (out / "2024").glob("*.docx"))
    assert sorted(p.stem for p in (out / "2024").glob("*.pdf")) == docx
    assert not [p for p in (out / "2024").iterdir() if p.name.startswith(".pdf-")]
    shutil.rmtree(out)
