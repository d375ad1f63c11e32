"""A folder held open to write many files into it atomically, each as :func:`.outputs.atomic_write_bytes`
writes one, at a third of the cost.

:class:`HeldFolder` checks the folder once (:func:`.outputs.ensure_inside`: no link on the way
leads out of the output folder), opens it, and then creates, writes and renames every file relative
to that open folder (``dir_fd``). Nothing is looked up by path again, so a link put in the folder's
place later cannot redirect a write either: every file lands in the folder that was checked.
Temporary names carry the process id and a counter (no random names to draw); they start with
:data:`.outputs.TEMP_PREFIX`, so :func:`.outputs.remove_leftovers` removes those a killed run left.

Where ``open`` and ``rename`` take no ``dir_fd`` (Windows), each write is ``atomic_write_bytes``.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
from collections.abc import Callable
from pathlib import Path

from .outputs import (
    FILE_MODE,
    TEMP_PREFIX,
    TEMP_SUFFIX,
    atomic_write_bytes,
    ensure_inside,
    write_error,
)

_RELATIVE = os.open in os.supports_dir_fd and os.rename in os.supports_dir_fd
_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
          | getattr(os, "O_CLOEXEC", 0))
_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_ATTEMPTS = 100  # names already taken (a killed run's leftovers under a reused pid) are skipped


class HeldFolder:
    """One folder below ``root``, held open; :meth:`write` puts one file in it atomically.

    Usable in a forked child as in its parent (the open folder is inherited; temporary names take
    the writing process's id)."""

    def __init__(self, root: Path, folder: Path) -> None:
        self.root, self.folder = root, folder
        self._fd: int | None = None
        self._counter = itertools.count()

    def write(self, name: str, data: bytes, before_replace: Callable[[], None] | None = None) -> None:
        """Write ``data`` as ``name`` in the folder: a temporary file, then renamed over ``name``.

        ``before_replace`` runs once the data is written, before the rename; when it raises,
        nothing is renamed and the temporary file is removed."""
        target = self.folder / name
        if not _RELATIVE:
            atomic_write_bytes(target, data, root=self.root, before_replace=before_replace)
            return
        try:
            folder = self._open()
            try:
                tmp, fd = self._create(folder)
            except FileNotFoundError:  # the folder was deleted meanwhile: made again, as by path
                self.close()
                folder = self._open()
                tmp, fd = self._create(folder)
            try:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                finally:
                    os.close(fd)
                if before_replace is not None:
                    before_replace()
                os.rename(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=folder)
                raise
        except OSError as exc:
            raise write_error(target, exc) from exc

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _open(self) -> int:
        if self._fd is None:
            ensure_inside(self.root, self.folder)  # a link on the way out: FolderUnwritable
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder, _DIRECTORY)
            try:  # what was opened is what was checked: no link was swapped in meanwhile
                ensure_inside(self.root, self.folder)
                if not os.path.samestat(os.fstat(fd), os.stat(os.path.realpath(self.folder))):
                    raise FileNotFoundError(errno.ENOENT, "changed while opened", str(self.folder))
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
        return self._fd

    def _create(self, folder: int) -> tuple[str, int]:
        pid = os.getpid()
        for _ in range(_ATTEMPTS):
            tmp = f"{TEMP_PREFIX}{pid}-{next(self._counter)}{TEMP_SUFFIX}"
            try:
                return tmp, os.open(tmp, _FLAGS, FILE_MODE, dir_fd=folder)
            except FileExistsError:
                continue
        raise FileExistsError(f"{TEMP_PREFIX}{pid}-*{TEMP_SUFFIX}")

