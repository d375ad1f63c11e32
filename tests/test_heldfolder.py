"""HeldFolder: many files written atomically into one folder held open, never through a link."""

from __future__ import annotations

import multiprocessing
import os
import signal
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annual_report import heldfolder
from annual_report.heldfolder import HeldFolder
from annual_report.outputs import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    FolderUnwritable,
    atomic_write_bytes,
    remove_leftovers,
)


@pytest.fixture(params=["unnamed", "dir_fd", "by path"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every way of writing: unnamed files linked in (Linux), named temporary files relative to
    the open folder, and the one for systems without dir_fd."""
    if request.param == "by path":
        monkeypatch.setattr(heldfolder, "_RELATIVE", False)
    elif not heldfolder._RELATIVE:
        pytest.skip("open and rename take no dir_fd here")
    elif request.param == "unnamed" and not heldfolder._UNNAMED:
        pytest.skip("no O_TMPFILE here")
    elif request.param == "dir_fd":
        monkeypatch.setattr(heldfolder, "_UNNAMED", False)
    yield request.param


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def test_writes_land_whole_with_an_ordinary_mode(tmp_path: Path, way: str) -> None:
    out = tmp_path / "out"
    held = HeldFolder(out, out / "2024")
    for n in range(5):
        held.write(f"第{n}号.docx", bytes([n]) * (n * 70_000 + 1))
    held.write("第0号.docx", b"replaced")
    held.close()
    assert files(out) == {"2024/第0号.docx": b"replaced",
                          **{f"2024/第{n}号.docx": bytes([n]) * (n * 70_000 + 1) for n in range(1, 5)}}
    atomic_write_bytes(tmp_path / "by-path.docx", b"x")
    expected = stat.S_IMODE((tmp_path / "by-path.docx").stat().st_mode)
    assert stat.S_IMODE((out / "2024" / "第1号.docx").stat().st_mode) == expected


def test_a_folder_linked_out_receives_nothing(tmp_path: Path, way: str) -> None:
    out, foreign = tmp_path / "out", tmp_path / "foreign"
    out.mkdir()
    foreign.mkdir()
    (out / "2024").symlink_to(foreign)
    with pytest.raises(FolderUnwritable, match="链接"):
        HeldFolder(out, out / "2024").write("a.docx", b"x")
    assert list(foreign.iterdir()) == []


def test_a_link_swapped_in_after_opening_redirects_nothing(tmp_path: Path) -> None:
    if not heldfolder._RELATIVE:
        pytest.skip("open and rename take no dir_fd here")
    out, foreign = tmp_path / "out", tmp_path / "foreign"
    foreign.mkdir()
    held = HeldFolder(out, out / "2024")
    held.write("a.docx", b"a")
    (out / "2024").rename(out / "moved")
    (out / "2024").symlink_to(foreign)
    held.write("b.docx", b"b")  # into the folder that was checked and opened
    held.close()
    assert list(foreign.iterdir()) == []
    assert files(out / "moved") == {"a.docx": b"a", "b.docx": b"b"}


def test_a_failing_journal_renames_nothing_and_leaves_nothing(tmp_path: Path, way: str) -> None:
    out = tmp_path / "out"
    held = HeldFolder(out, out / "2024")
    held.write("a.docx", b"old")

    def journal() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(FolderUnwritable, match="磁盘空间不足"):
        held.write("a.docx", b"new", before_replace=journal)
    held.close()
    assert files(out) == {"2024/a.docx": b"old"}


def test_names_a_killed_run_left_are_skipped_then_cleared(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "2024").mkdir(parents=True)
    taken = [out / "2024" / f"{TEMP_PREFIX}{os.getpid()}-{n}{TEMP_SUFFIX}" for n in range(3)]
    for path in taken:
        path.write_bytes(b"half")
    held = HeldFolder(out, out / "2024")
    held.write("a.docx", b"whole")
    held.close()
    assert (out / "2024" / "a.docx").read_bytes() == b"whole"
    assert remove_leftovers(out) == len(taken)
    assert files(out) == {"2024/a.docx": b"whole"}


def _write_in_child(held: HeldFolder, name: str) -> None:
    held.write(name, name.encode())


def test_a_forked_child_writes_through_the_folder_its_parent_opened(tmp_path: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here")
    out = tmp_path / "out"
    held = HeldFolder(out, out / "2024")
    held.write("parent.docx", b"parent.docx")
    children = [multiprocessing.get_context("fork").Process(target=_write_in_child,
                                                            args=(held, f"child{n}.docx"))
                for n in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    held.write("parent2.docx", b"parent2.docx")
    held.close()
    assert files(out) == {f"2024/{n}": n.encode() for n in (
        "child0.docx", "child1.docx", "parent.docx", "parent2.docx")}


def test_a_folder_deleted_meanwhile_is_made_again(tmp_path: Path, way: str) -> None:
    out = tmp_path / "out"
    held = HeldFolder(out, out / "2024")
    held.write("a.docx", b"a")
    (out / "2024" / "a.docx").unlink()
    (out / "2024").rmdir()  # the user deleted the year folder during the build
    held.write("b.docx", b"b")
    held.close()
    assert files(out) == {"2024/b.docx": b"b"}


def _write_and_wait(held: HeldFolder, name: str, ready: Any) -> None:
    def wait() -> None:  # the data is written, the file not yet in place: killed here
        ready.send(True)
        time.sleep(60)

    held.write(name, b"x" * 3_000_000, before_replace=wait)


@pytest.mark.parametrize("way", ["unnamed", "dir_fd"], indirect=True)
def test_a_writer_killed_before_its_file_is_in_place_leaves_no_part_of_it(
        tmp_path: Path, way: str) -> None:
    """Killed (-9) with the data written: the folder has no such file; an unnamed file leaves
    nothing at all, a named temporary file only a leftover the next run removes."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here")
    out = tmp_path / "out"
    held = HeldFolder(out, out / "2024")
    held.write("old.docx", b"old")
    mine, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_write_and_wait, args=(held, "new.docx", theirs))
    child.start()
    try:
        assert mine.poll(30), "the writer did not get as far as writing its data"
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(10)
    finally:
        if child.is_alive():
            child.kill()
    held.close()
    left = sorted(p.name for p in (out / "2024").iterdir())
    if way == "unnamed":
        assert left == ["old.docx"]
    else:
        assert [n for n in left if not n.startswith(TEMP_PREFIX)] == ["old.docx"]
        assert len(left) == 2  # the killed run's temporary file
        remove_leftovers(out)
    assert files(out) == {"2024/old.docx": b"old"}


def test_where_unnamed_files_cannot_be_made_named_ones_are_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not heldfolder._UNNAMED:
        pytest.skip("no O_TMPFILE here")
    # O_TMPFILE without O_WRONLY: the kernel's own EINVAL, as from a file system without it
    monkeypatch.setattr(heldfolder, "_UNNAMED_FLAGS", os.O_TMPFILE | os.O_RDONLY)
    out = tmp_path / "out"
    held = HeldFolder(out, out / "2024")
    held.write("a.docx", b"a")
    assert not held._unnamed
    held.write("b.docx", b"b")
    held.close()
    assert files(out) == {"2024/a.docx": b"a", "2024/b.docx": b"b"}


def test_where_an_unnamed_file_cannot_be_linked_in_it_is_written_again_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc closed to the process (a sandbox): the link fails with ENOENT; the file is written
    under a temporary name instead, the journal called once, and later files are named."""
    if not heldfolder._UNNAMED:
        pytest.skip("no O_TMPFILE here")
    monkeypatch.setattr(heldfolder, "_PROC_FD", str(tmp_path / "no-proc"))
    out = tmp_path / "out"
    held = HeldFolder(out, out / "2024")
    calls: list[str] = []
    held.write("a.docx", b"a", before_replace=lambda: calls.append("a"))
    assert not held._unnamed and calls == ["a"]
    held.write("b.docx", b"b", before_replace=lambda: calls.append("b"))
    held.close()
    assert calls == ["a", "b"]
    assert files(out) == {"2024/a.docx": b"a", "2024/b.docx": b"b"}
