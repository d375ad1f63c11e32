"""A folder held open to write many files into it atomically, each as :func:`.outputs.atomic_write_bytes`
writes one, at a third of the cost.

:class:`HeldFolder` checks the folder once (:func:`.outputs.ensure_inside`: no link on the way
leads out of the output folder), opens it, and then creates, writes and renames every file relative
to that open folder (``dir_fd``). Nothing is looked up by path again, so a link put in the folder's
place later cannot redirect a write either: every file lands in the folder that was checked.
Temporary names carry the process id and a counter (no random names to draw); they start with
:data:`.outputs.TEMP_PREFIX`, so :func:`.outputs.remove_leftovers` removes those a killed run left.

On Linux a new file is written without a name at all (``O_TMPFILE``) and linked into the folder
under its own name once whole: a killed run leaves nothing, and the folder is changed once per file
instead of twice (creating a name, then renaming it), with the new inode made outside the folder's
lock. Two workers writing into one folder spent a tenth of a build's CPU waiting for that lock. A
file that already exists is replaced as before, through a temporary name and a rename.

Where ``open`` and ``rename`` take no ``dir_fd`` (Windows), each write is ``atomic_write_bytes``.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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
_T = TypeVar("_T")
_ATTEMPTS = 100  # names already taken (a killed run's leftovers under a reused pid) are skipped
_PROC_FD = "/proc/self/fd"
# A file with no name yet, linked in once whole (open(2), O_TMPFILE): Linux only.
_UNNAMED_FLAGS = getattr(os, "O_TMPFILE", 0) | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
_UNNAMED = (_RELATIVE and bool(getattr(os, "O_TMPFILE", 0)) and os.link in os.supports_dir_fd
            and os.path.isdir(_PROC_FD))
# What open(O_TMPFILE) fails with where the kernel or the file system cannot make such files.
_NO_UNNAMED = frozenset((errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOTSUP))
# What linking it in through /proc fails with where that is not allowed or not there.
_CANNOT_LINK = frozenset((errno.EPERM, errno.EACCES, errno.ENOENT, errno.EXDEV, errno.EOPNOTSUPP,
                          errno.ENOTSUP, errno.EINVAL))


class HeldFolder:
    """One folder below ``root``, held open; :meth:`write` puts one file in it atomically.

    Usable in a forked child as in its parent (the open folder is inherited; temporary names take
    the writing process's id)."""

    def __init__(self, root: Path, folder: Path) -> None:
        self.root, self.folder = root, folder
        self._fd: int | None = None
        self._counter = itertools.count()
        self._unnamed = _UNNAMED

    def write(self, name: str, data: bytes, before_replace: Callable[[], None] | None = None) -> None:
        """Write ``data`` as ``name`` in the folder: an unnamed file linked in, or a temporary
        file renamed over ``name`` (see the module's docstring).

        ``before_replace`` runs once the data is written, before the file gets its name; when it
        raises, nothing is renamed and no temporary file is left."""
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
            if tmp is None:  # no name yet: it gets its own once whole, and nothing if killed
                try:
                    _write_all(fd, data)
                    if before_replace is not None:
                        before_replace()
                    linked = self._link(fd, folder, name)
                finally:
                    os.close(fd)
                if linked:
                    return
                self._unnamed = False  # it cannot be linked here: named from now on
                before_replace = None  # it has run
                tmp, fd = self._create_named(folder)
            try:
                try:
                    _write_all(fd, data)
                finally:
                    os.close(fd)
                if before_replace is not None:
                    before_replace()
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=folder)
                raise
            _rename_into_place(folder, tmp, name)
        except OSError as exc:
            raise write_error(target, exc) from exc

    def _link(self, fd: int, folder: int, name: str) -> bool:
        """Give the unnamed file ``fd`` the name ``name``: at once where the name is free, else
        under a temporary name renamed over the file there. False when no unnamed file can be
        linked here (``/proc`` closed to this process, say): nothing was changed."""
        source = f"{_PROC_FD}/{fd}"
        try:
            os.link(source, name, dst_dir_fd=folder)  # follows the fd's link to the file
            return True
        except FileExistsError:
            pass
        except OSError as exc:
            if exc.errno in _CANNOT_LINK and os.fstat(folder).st_nlink > 0:
                return False
            raise
        tmp, _ = self._temporary_name(lambda tmp: os.link(source, tmp, dst_dir_fd=folder))
        _rename_into_place(folder, tmp, name)
        return True

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

    def _create(self, folder: int) -> tuple[str | None, int]:
        """A file to write: unnamed where it can be (None, fd), else (its temporary name, fd)."""
        if self._unnamed:
            try:
                return None, os.open(".", _UNNAMED_FLAGS, FILE_MODE, dir_fd=folder)
            except OSError as exc:
                if os.fstat(folder).st_nlink == 0:  # (EPERM) the folder was deleted meanwhile
                    raise FileNotFoundError(errno.ENOENT, "folder deleted", ".") from exc
                if exc.errno not in _NO_UNNAMED:
                    raise
                self._unnamed = False  # this file system cannot: named from now on
        return self._create_named(folder)

    def _create_named(self, folder: int) -> tuple[str, int]:
        return self._temporary_name(lambda tmp: os.open(tmp, _FLAGS, FILE_MODE, dir_fd=folder))

    def _temporary_name(self, make: Callable[[str], _T]) -> tuple[str, _T]:
        """The first temporary name that ``make`` can create (skipping names already taken),
        and what ``make`` returned."""
        pid = os.getpid()
        for _ in range(_ATTEMPTS):
            tmp = f"{TEMP_PREFIX}{pid}-{next(self._counter)}{TEMP_SUFFIX}"
            try:
                return tmp, make(tmp)
            except FileExistsError:
                continue
        raise FileExistsError(f"{TEMP_PREFIX}{pid}-*{TEMP_SUFFIX}")


def _rename_into_place(folder: int, tmp: str, name: str) -> None:
    """Rename the temporary file ``tmp`` over ``name``; removed if that fails."""
    try:
        os.rename(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]

