"""Narratives kept in a temporary file instead of in memory, once a read has kept enough.

A row's seven narrative sections are most of what it weighs: 3,000 Chinese characters are
~6 KB as Python text, against ~3 KB for everything else the row holds. A read keeps the first
:data:`KEPT_CHARS` characters of narrative in memory (a workbook of up to ~2,500 agencies of
real length, all of it) and writes every later one, UTF-8, to a temporary file, holding only a
:class:`Spilled` handle in its place; :class:`~.store.RowValues` gives the text back whenever
the value is asked for, so no reader of a row sees the difference. Forked workers read the file
they inherit (``os.pread``: no shared file position); a row pickled for a spawned worker takes
its texts along as plain strings. The file is deleted when the last row using it is gone.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
import tempfile
import threading
from typing import IO, Any

KEPT_CHARS = 8_000_000  # narrative characters a read keeps in memory (~16 MiB)
_FLUSH = 1 << 20
_RECENT = 32  # texts: a few rows' sections


class TextSpill:
    """Where the narratives of one read go once it has kept :data:`KEPT_CHARS` characters."""

    __slots__ = ("_budget", "_file", "_buffer", "_flushed", "_lock", "_recent")

    def __init__(self, kept_chars: int | None = None) -> None:
        self._budget = KEPT_CHARS if kept_chars is None else kept_chars
        self._file: IO[bytes] | None = None
        self._buffer = bytearray()
        self._flushed = 0  # bytes in the file
        self._lock = threading.Lock()
        # the handles whose texts were read last hold them: the checks ask for a row's sections
        # many times over, in turn
        self._recent: collections.deque[Spilled] = collections.deque(maxlen=_RECENT)

    def keep(self, text: str) -> str | Spilled:
        """``text`` itself while the budget lasts, else a handle to it in the file."""
        if self._budget > 0:
            self._budget -= len(text)
            return text
        data = text.encode("utf-8", "surrogatepass")
        with self._lock:
            offset = self._flushed + len(self._buffer)
            self._buffer += data
            if len(self._buffer) >= _FLUSH:
                self._flush()
        return Spilled(self, offset << 32 | len(data))

    def _flush(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="annual-report-texts-")
        self._file.seek(self._flushed)
        self._file.write(self._buffer)
        self._file.flush()
        self._flushed += len(self._buffer)
        self._buffer = bytearray()

    def read(self, spilled: Spilled) -> str:
        """The text of ``spilled``, held by it until :data:`_RECENT` other texts were read."""
        where = spilled._where
        text = self._read(where >> 32, where & 0xFFFFFFFF)
        spilled._held = text
        recent = self._recent
        if len(recent) == recent.maxlen:
            recent[0]._held = None
        recent.append(spilled)
        return text

    def _read(self, offset: int, size: int) -> str:
        if offset >= self._flushed:
            with self._lock:
                if offset >= self._flushed:
                    start = offset - self._flushed
                    return bytes(self._buffer[start:start + size]).decode(
                        "utf-8", "surrogatepass")
        assert self._file is not None
        if hasattr(os, "pread"):  # no file position shared with forked workers
            data = os.pread(self._file.fileno(), size, offset)
        else:  # pragma: no cover - Windows (spawned workers get the texts themselves)
            with self._lock:
                self._file.seek(offset)
                data = self._file.read(size)
        return data.decode("utf-8", "surrogatepass")


def give_back_memory() -> None:
    """Return the memory freed since to the system, where the C library keeps it (glibc keeps
    the freed pages of a heap that many short-lived buffers went through, such as a sheet read
    in slices; a forked worker would count them again)."""
    global _TRIM
    if _TRIM is None:
        _TRIM = False
        if sys.platform.startswith("linux"):
            import ctypes  # only here: a read that asks for it has taken ~100 ms already

            with contextlib.suppress(OSError, AttributeError):
                _TRIM = ctypes.CDLL(None).malloc_trim
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None


class Spilled:
    """A narrative in a :class:`TextSpill`'s file (where: offset << 32 | size in bytes)."""

    __slots__ = ("_spill", "_where", "_held")

    def __init__(self, spill: TextSpill, where: int) -> None:
        self._spill, self._where = spill, where
        self._held: str | None = None

    def text(self) -> str:
        text = self._held
        return self._spill.read(self) if text is None else text

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return str, (self.text(),)  # unpickled (by a spawned worker) as the text itself

    def __repr__(self) -> str:
        return repr(self.text())
