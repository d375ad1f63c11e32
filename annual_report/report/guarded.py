"""Run a program so that its whole process tree ends with this one, however this one ends.

``soffice`` is a script that starts ``oosplash``, which starts ``soffice.bin``: killing the
child we started leaves ``soffice.bin`` converting on, and a process killed with SIGKILL runs
no clean-up at all. So on POSIX the program gets a session (process group) of its own, and a
small watchdog process waits on a pipe from us: at end of file without our "done" (we have
ended, in whatever way) it kills the group. A time limit, Ctrl+C or any error here kills the
group as well. Elsewhere (Windows) the program is run plainly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping

DONE = b"done"
_WATCHDOG = (
    "import os, signal, sys\n"
    "said = sys.stdin.buffer.read()\n"
    f"if said != {DONE!r}:\n"
    "    try:\n"
    "        os.killpg(int(sys.argv[1]), signal.SIGKILL)\n"
    "    except OSError:\n"
    "        pass\n"
)


class Running:
    """The guarded programs running now, for a thread that must stop them all (Ctrl+C in the
    main thread while worker threads wait on them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processes: set[subprocess.Popen[bytes]] = set()
        self._stopped = False

    def add(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._processes.add(process)
            stopped = self._stopped
        if stopped:  # started just as everything was being stopped
            _signal_group(process)

    def discard(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._processes.discard(process)

    def kill_all(self) -> None:
        """Kill every running program's group (their threads then return or raise)."""
        with self._lock:
            self._stopped = True
            processes = list(self._processes)
        for process in processes:
            _signal_group(process)


class Guarded:
    """A program started guarded (see the module's docstring); :meth:`wait` for its end."""

    def __init__(self, command: list[str], env: Mapping[str, str] | None = None,
                 running: Running | None = None) -> None:
        self.command, self.running = command, running
        self.watchdog: subprocess.Popen[bytes] | None = None
        posix = os.name == "posix"
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        stdin=subprocess.DEVNULL, env=env, start_new_session=posix)
        if not posix:
            return
        if running is not None:
            running.add(self.process)
        try:
            self.watchdog = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _WATCHDOG, str(self.process.pid)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
        except BaseException:
            self._end(finished=False)
            raise

    def wait(self, timeout: float) -> subprocess.CompletedProcess[bytes]:
        """Its output once it ends; on timeout (or anything else raised here) the whole
        group is killed first."""
        finished = False
        try:
            out, err = self.process.communicate(timeout=timeout)
            finished = True
            return subprocess.CompletedProcess(self.command, self.process.returncode, out, err)
        finally:
            self._end(finished)

    def stop(self) -> None:
        """Kill the whole group now (the caller gave up on it)."""
        self._end(finished=False)

    def _end(self, finished: bool) -> None:
        if self.running is not None:
            self.running.discard(self.process)
        if not finished:
            if os.name == "posix":
                _signal_group(self.process)
            else:
                self.process.kill()
            self.process.communicate()
        watchdog, self.watchdog = self.watchdog, None
        if watchdog is not None:
            assert watchdog.stdin is not None
            try:
                watchdog.stdin.write(DONE)
                watchdog.stdin.close()
            except OSError:
                pass
            watchdog.wait()


def run_guarded(command: list[str], timeout: float, env: Mapping[str, str] | None = None,
                running: Running | None = None) -> subprocess.CompletedProcess[bytes]:
    """Like ``subprocess.run(command, capture_output=True, timeout=timeout)``; on timeout the
    whole group is killed before :class:`subprocess.TimeoutExpired` is raised. While it runs,
    the program is in ``running``."""
    return Guarded(command, env, running).wait(timeout)


def _signal_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:  # ended already (its group with it)
        pass
