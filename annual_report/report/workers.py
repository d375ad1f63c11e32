"""Render reports in worker processes (or in-process for a few) and write each atomically.

Workers get the compiled template and the rows once (inherited under fork, pickled under spawn);
each job names a row by index and the file to write. A worker that dies fails its own reports
instead of hanging the batch.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..outputs import atomic_write_bytes, sha256_bytes, sha256_file
from ..workbook.rows import AgencyRow
from .context import build_context
from .render import CompiledTemplate, CoreProperties

PARALLEL_THRESHOLD = 16  # fewer reports than this are rendered in-process
# fork: workers inherit the compiled template and the rows; spawn (Windows) pickles them once.
START_METHOD = "fork" if os.name == "posix" else "spawn"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Job:
    index: int  # into the rows the workers were started with (inherited, not sent per job)
    target: Path
    adopt_only: bool  # the target exists without a manifest entry: write only if identical


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


def _init_worker(template: CompiledTemplate, rows: list[AgencyRow]) -> None:
    """Give a worker the compiled template and the rows (inherited under fork, not re-sent)."""
    global _TEMPLATE, _ROWS
    _TEMPLATE, _ROWS = template, rows


def _init_process(template: CompiledTemplate, rows: list[AgencyRow]) -> None:
    """A worker process: Ctrl+C is the parent's to handle (it stops the batch, once)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker(template, rows)


def _render_batch(jobs: list[Job]) -> list[tuple[int, str | None, str]]:
    return [_render_one(job) for job in jobs]


def _render_one(job: Job) -> tuple[int, str | None, str]:
    """Render and write one report: returns (row index, sha256 or None, message)."""
    assert _TEMPLATE is not None
    row = _ROWS[job.index]
    try:
        context = build_context(row)
        data = _TEMPLATE.render(context, _core_properties(row, context))
        digest = sha256_bytes(data)
        if job.adopt_only:
            if sha256_file(job.target) == digest:
                return job.index, digest, "adopted"
            return job.index, None, (
                f"{job.target} 已存在，但不是本工具上次生成的文件，未覆盖。"
                "请先把它改名或移走，或加 --force 覆盖。")
        atomic_write_bytes(job.target, data)
        return job.index, digest, ""
    except ReportError as error:
        return job.index, None, str(error)
    except Exception as error:  # one agency's failure must not stop the batch
        return job.index, None, f"生成失败（{type(error).__name__}: {error}）"


def run_jobs(
    template: CompiledTemplate,
    rows: list[AgencyRow],
    jobs: list[Job],
    workers: int,
    progress: Progress | None,
) -> Iterator[tuple[int, str | None, str]]:
    """Render the jobs, yielding each result as it comes (so an interruption loses nothing)."""
    done = 0
    if workers <= 1 or len(jobs) < PARALLEL_THRESHOLD:
        _init_worker(template, rows)
        for job in jobs:
            yield _render_one(job)
            done += 1
            if progress:
                progress(done, len(jobs))
        return
    context = multiprocessing.get_context(START_METHOD)
    size = max(1, min(32, len(jobs) // (workers * 8)))
    batches = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_process,
                               initargs=(template, rows))
    pending = {pool.submit(_render_batch, batch): batch for batch in batches}
    try:
        for future in as_completed(pending):
            batch = pending.pop(future)
            try:
                results = future.result()
            except BrokenProcessPool:  # a worker died (out of memory, killed): do not hang
                results = [(job.index, None, WORKER_DIED) for job in batch]
            for result in results:
                yield result
                done += 1
                if progress:
                    progress(done, len(jobs))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


WORKER_DIED = "生成进程意外退出（可能是内存不足或被结束），这一份没有生成；请重新运行 build。"
