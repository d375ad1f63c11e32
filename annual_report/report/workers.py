"""Render reports in worker processes (or in-process for a few) and write each atomically.

Workers get the compiled template and the rows once (inherited under fork, pickled under spawn);
each job names a row by index and the file to write. A worker that dies fails its own reports
instead of hanging the batch. Each written report is recorded in the journal (see
:mod:`.manifest`) before it is renamed into place, so a run killed at any moment leaves nothing
that the next run would take for a hand edit.

Workers die with the main process: on Linux the kernel kills them (``PR_SET_PDEATHSIG``); on
every system a thread in each worker waits on the parent's sentinel and ends the worker when the
parent is gone. A lock the parent holds is dropped in a forked worker (see
:mod:`annual_report.outputs`), so a worker can never keep the output folder locked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from ..errors import OutputError, ReportError
from ..heldfolder import HeldFolder
from ..outputs import FolderUnwritable, sha256_bytes, sha256_file
from ..workbook.rows import AgencyRow
from .context import build_context
from .manifest import Entry, Journal
from .render import CompiledTemplate, CoreProperties

PARALLEL_THRESHOLD = 16  # fewer reports than this are rendered in-process
# fork: workers inherit the compiled template and the rows; spawn (Windows) pickles them once.
START_METHOD = "fork" if os.name == "posix" else "spawn"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

Progress = Callable[[int, int], None]

# What became of a job (Done.kind)
BUILT, ADOPTED, REFUSED, FAILED, STOP = "built", "adopted", "refused", "failed", "stop"


@dataclass(frozen=True)
class Job:
    index: int  # into the rows the workers were started with (inherited, not sent per job)
    target: Path
    entry: Entry  # what the manifest says once the file is written (sha256 filled in then)
    refuse: str = ""  # the target is not ours: adopt it only if identical, else say this


@dataclass(frozen=True)
class Done:
    index: int
    digest: str | None
    message: str
    kind: str  # BUILT, ADOPTED, REFUSED (not ours, kept), FAILED (this one), STOP (the folder)
    row_sha256: str = ""  # the row's fingerprint, as the entry the journal holds records it


def _core_properties(row: AgencyRow, context: dict[str, Any]) -> CoreProperties:
    date = row.values.get("report_date")
    year = row.year
    if isinstance(date, dt.date):
        created = dt.datetime(date.year, date.month, date.day)
    else:
        created = dt.datetime((year or 1999) + 1, 1, 1)
    return CoreProperties(title=str(context["title"]), author=row.agency, created=created)




_TEMPLATE: CompiledTemplate | None = None
_ROWS: list[AgencyRow] = []
_OUT = Path()
_JOURNAL: Journal | None = None
_FOLDERS: dict[Path, HeldFolder] = {}  # the year folders this process writes into, held open


def _init_worker(template: CompiledTemplate, rows: list[AgencyRow], out: Path) -> None:
    """Give a worker the compiled template and the rows (inherited under fork, not re-sent)."""
    global _TEMPLATE, _ROWS, _OUT, _JOURNAL, _FOLDERS
    _TEMPLATE, _ROWS, _OUT, _JOURNAL, _FOLDERS = template, rows, out, Journal(out), {}


def _close_worker() -> None:
    if _JOURNAL is not None:
        _JOURNAL.close()
    for folder in _FOLDERS.values():
        folder.close()
    _FOLDERS.clear()


def _folder(path: Path) -> HeldFolder:
    held = _FOLDERS.get(path)
    if held is None:
        held = _FOLDERS[path] = HeldFolder(_OUT, path)
    return held


def _init_process(template: CompiledTemplate, rows: list[AgencyRow], out: Path, parent: int) -> None:
    """A worker process: it dies with ``parent``; Ctrl+C and a closed terminal (SIGHUP) are the
    parent's to handle (it stops the batch, once). SIGTERM keeps its default: the pool ends
    workers with it."""
    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    _die_with_parent(parent)
    _init_worker(template, rows, out)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the kernel was told
        os._exit(1)
    watched = multiprocessing.parent_process()
    if watched is not None:
        threading.Thread(target=_exit_when_gone, args=(watched,), daemon=True).start()


def _exit_when_gone(parent: BaseProcess) -> None:
    parent.join()  # returns when the parent's sentinel closes: the parent has ended
    os._exit(1)


def _render_batch(jobs: list[Job]) -> list[Done]:
    return [_render_one(job) for job in jobs]


def _render_one(job: Job) -> Done:
    """Render and write one report (recorded in the journal before it lands)."""
    assert _TEMPLATE is not None and _JOURNAL is not None
    journal = _JOURNAL
    row = _ROWS[job.index]
    try:
        context = build_context(row)
        data = _TEMPLATE.render(context, _core_properties(row, context))
        digest = sha256_bytes(data)
        # a row the batch did not compare with an earlier build: fingerprinted here, in parallel
        row_sha256 = job.entry.row_sha256 or row.fingerprint()
        entry = dataclasses.replace(job.entry, sha256=digest, row_sha256=row_sha256)
        if job.refuse:
            try:
                identical = sha256_file(job.target) == digest
            except OutputError as error:  # a folder or a pipe where the report should be
                return Done(job.index, None, str(error), STOP)
            if not identical:
                return Done(job.index, None, job.refuse, REFUSED)
            journal.record(entry)
            return Done(job.index, digest, "adopted", ADOPTED, row_sha256)
        _folder(job.target.parent).write(job.target.name, data,
                                         before_replace=lambda: journal.record(entry))
        return Done(job.index, digest, "", BUILT, row_sha256)
    except FolderUnwritable as error:  # disk full, read-only, a link leading out: stop the batch
        return Done(job.index, None, str(error), STOP)
    except ReportError as error:
        return Done(job.index, None, str(error), FAILED)
    except Exception as error:  # one agency's failure must not stop the batch
        return Done(job.index, None, f"生成失败（{type(error).__name__}: {error}）", FAILED)


def run_jobs(
    template: CompiledTemplate | None,
    rows: list[AgencyRow],
    jobs: list[Job],
    workers: int,
    progress: Progress | None,
    out: Path,
) -> Generator[Done, None, None]:
    """Render the jobs, yielding each result as it comes (so an interruption loses nothing).
    Closing the iterator early stops the batch: jobs not started are cancelled."""
    done = 0
    if not jobs or template is None:
        return
    if workers <= 1 or len(jobs) < PARALLEL_THRESHOLD:
        _init_worker(template, rows, out)
        try:
            for job in jobs:
                yield _render_one(job)
                done += 1
                if progress:
                    progress(done, len(jobs))
        finally:
            _close_worker()
        return
    context = multiprocessing.get_context(START_METHOD)
    size = max(1, min(32, len(jobs) // (workers * 8)))
    batches = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_process,
                               initargs=(template, rows, out, os.getpid()))
    pending = {pool.submit(_render_batch, batch): batch for batch in batches}
    try:
        for future in as_completed(pending):
            batch = pending.pop(future)
            try:
                results = future.result()
            except BrokenProcessPool:  # a worker died (out of memory, killed): do not hang
                results = [Done(job.index, None, WORKER_DIED, FAILED) for job in batch]
            for result in results:
                yield result
                done += 1
                if progress:
                    progress(done, len(jobs))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


WORKER_DIED = "生成进程意外退出（可能是内存不足或被结束），这一份没有生成；请重新运行 build。"
