"""Hashes of unchanged output files are reused (report/seen.py), never for a file that changed:
same size and modification time restored by hand, or changed too soon after it was hashed."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from annual_report.report.build import BuildOptions, build_reports
from annual_report.report.rerun import RACY_NS
from annual_report.report.seen import SeenFiles

SAMPLE = Path(__file__).resolve().parents[2] / "input" / "master.xlsx"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNUAL_REPORT_CACHE", str(tmp_path / "cache"))


def _age(path: Path, seconds: float) -> None:
    """Make a file look older (its change time stays now: only its modification time moves)."""
    then = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(then, then))


def test_a_file_hashed_long_after_its_change_is_not_read_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = out / "a.docx"
    path.write_bytes(b"first version")
    digest = hashlib.sha256(b"first version").hexdigest()
    seen = SeenFiles(out)
    assert seen.sha256("a.docx", path) == digest
    seen.save()
    again = SeenFiles(out)
    assert again.sha256("a.docx", path) == digest
    # recorded within the racy window of its last change (ctime is now): hashed each time
    assert again.changed
    # a record made long after the change is trusted
    record = again.entries["a.docx"]
    record[2] = max(record[0][1], record[0][2]) + RACY_NS + 1
    again.changed = False
    assert again.sha256("a.docx", path) == digest and not again.changed


def test_same_size_and_time_restored_by_hand_is_still_noticed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = out / "a.docx"
    path.write_bytes(b"AAAA")
    _age(path, 60)
    seen = SeenFiles(out)
    seen.sha256("a.docx", path)
    seen.entries["a.docx"][2] = time.time_ns() + RACY_NS  # as if hashed long after
    status = os.stat(path)
    path.write_bytes(b"BBBB")  # same size
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # same modification time
    assert seen.sha256("a.docx", path) == hashlib.sha256(b"BBBB").hexdigest()


def test_a_report_edited_by_hand_keeping_size_and_time_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build_reports(SAMPLE, BuildOptions(out=out, jobs=1))
    target = first.built[0].file
    assert target is not None
    for outcome in first.built:  # reports written a minute ago, hashed now: trusted later
        assert outcome.file is not None
        _age(outcome.file, 60)
    build_reports(SAMPLE, BuildOptions(out=out, jobs=1, force=False))
    status = os.stat(target)
    data = bytearray(target.read_bytes())
    data[-30] ^= 1  # a byte changed inside the zip's directory: same size
    target.write_bytes(bytes(data))
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    again = build_reports(SAMPLE, BuildOptions(out=out, jobs=1))
    assert [o.agency for o in again.kept] == [first.built[0].agency]
    assert target.read_bytes() == bytes(data)  # the hand edit is not overwritten
