"""Checking many rows on two cores: a forked child checks the second half of them.

The rules are pure Python, so threads would take turns; checking 1,000 agencies with real
narratives spends ~0.2 s in them. Where forking is safe and cheap — Linux, at least two CPUs
this process may use, no other thread running, at least :data:`MIN_ROWS` rows — a child forked
after the rows are read checks the second half while the parent checks the first, and sends its
findings back through a pipe (pickled: findings are plain data). The child shares the parent's
rows as they are (copy on write): nothing is sent to it, and the rules never change a row.

The outcome never depends on the child: the findings are those one process finds, in the same
order, and if the child fails in any way (killed, out of memory, an exception) the parent checks
the second half itself, so a real error in the rules is raised in the parent as before; a child
still at work long after the parent finished its own half (four times as long, at least ten
seconds) is taken for stuck, killed, and its half checked by the parent. The child
dies with the parent (``PR_SET_PDEATHSIG``), and a parent stopped by an exception or a signal
kills and reaps it before the exception goes on.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeVar

from ..findings import Finding

__all__ = ["MIN_ROWS", "check_rows", "may_fork"]

MIN_ROWS = 200  # fewer rows are checked in ~40 ms: a child would save less than it costs
_PATIENCE = 10.0  # seconds at least that the parent waits for the child after its own half
_PR_SET_PDEATHSIG = 1

Row = TypeVar("Row")


def may_fork(count: int) -> bool:
    """Whether ``count`` rows are checked by two processes (see the module's docstring)."""
    if count < MIN_ROWS or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if threading.active_count() != 1 or _os_threads() != 1:
        return False  # another thread may hold a lock (malloc's, a file's) the child would need
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except OSError:  # pragma: no cover - a kernel that does not say
        return False


def _os_threads() -> int:
    """Threads of this process, those a C library started included (Linux)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # no /proc: the threads Python knows of
        return threading.active_count()


def check_rows(check: Callable[[Row], list[Finding]], rows: Sequence[Row]) -> list[Finding]:
    """``check(row)`` of every row, concatenated in row order (a child checks the second half
    where :func:`may_fork` allows)."""
    if not may_fork(len(rows)):
        return [f for row in rows for f in check(row)]
    half = len(rows) // 2
    theirs = rows[half:]
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(check, theirs, write_end, parent)
    os.close(write_end)
    reaped = False
    try:
        started = time.monotonic()
        found = [f for row in rows[:half] for f in check(row)]
        # the child's half takes about as long: one far slower is stuck, and checked again here
        patience = max(_PATIENCE, 4 * (time.monotonic() - started))
        sent, reaped = _receive(read_end, pid, time.monotonic() + patience)
    finally:
        os.close(read_end)
        if not reaped:  # stopped meanwhile, or the child is stuck: it must not outlive this
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
    return found + (sent if sent is not None else [f for row in theirs for f in check(row)])


def _child(check: Callable[[Row], list[Finding]], rows: Sequence[Row], pipe: int,
           parent: int) -> NoReturn:
    code = 1
    try:
        gc.disable()  # short-lived: walking the parent's objects would only copy their pages
        _die_with(parent)
        data = pickle.dumps([f for row in rows for f in check(row)], pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(pipe, view):]
        code = 0
    except BaseException:  # noqa: BLE001 - whatever it is, the parent checks these rows itself
        pass
    finally:
        os._exit(code)  # no clean-up of the parent's: its buffers, atexit, temporary files


def _die_with(parent: int) -> None:
    with contextlib.suppress(OSError, AttributeError, ImportError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent ended before the kernel was told
        os._exit(1)


def _receive(pipe: int, pid: int, deadline: float) -> tuple[list[Finding] | None, bool]:
    """The child's findings (None if it did not send them all), and whether it has ended and
    been reaped; a child still running at ``deadline`` is left to the caller to kill."""
    chunks = []
    waiting = select.poll()
    waiting.register(pipe, select.POLLIN | select.POLLHUP)
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not waiting.poll(left * 1000):
            return None, False
        chunk = os.read(pipe, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None, True
    try:
        sent = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - cut short: checked again here
        return None, True
    return (sent if isinstance(sent, list) else None), True
