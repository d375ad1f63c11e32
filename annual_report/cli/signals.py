"""SIGTERM and SIGHUP stop a long command the way Ctrl+C does.

A terminal that is closed sends SIGHUP, ``kill`` and a shutting-down system send SIGTERM. Inside
:func:`signals_as_interrupt` either raises :class:`Stopped` (a ``KeyboardInterrupt``) in the main
thread, so the command winds down exactly as after Ctrl+C: what is finished is recorded, the
workers are stopped, the lock is released. A second such signal ends the process at once (what
was finished is in the journal even then).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

SIGNALS = ("SIGTERM", "SIGHUP")


class Stopped(KeyboardInterrupt):
    """The process was told to stop by ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextlib.contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Stopped` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = False

    def handler(signum: int, _frame: FrameType | None) -> None:
        nonlocal fired
        if fired:  # asked twice: stop now
            os._exit(128 + signum)
        fired = True
        raise Stopped(signum)

    previous = {}
    for name in SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
