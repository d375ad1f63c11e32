"""Writing files so that a half-written file never appears, links that lead out of the output
folder, reading a file that may be anything, locks, and safe file names.

Every writer of the output folder (build, send, and whatever comes next) goes through here:

* :func:`atomic_write_bytes` writes a temporary file beside the target and renames it into place;
  given ``root`` (the output folder) it first refuses a link that leads out of that folder;
* :func:`ensure_inside` is that check alone, for a path about to be written, appended to or deleted;
  :func:`remove_inside` and :func:`rmtree_inside` delete with it;
* :class:`AppendFile` appends records (a journal, a log) one ``write`` each, with ``fsync``;
* :func:`read_file_bytes` / :func:`sha256_file` read a file that may turn out to be a folder, a
  FIFO or unreadable, and say so in Chinese instead of crashing or blocking;
* :func:`exclusive` / :func:`exclusive_folder` hold a lock that forked child processes drop.

Every problem is an :class:`~annual_report.errors.OutputError` whose message names the file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import OutputError, ReportError, os_error_words

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
# Device names Windows reserves with any extension ("CON.docx", "com¹.pdf"), in any case.
_RESERVED = {"con", "prn", "aux", "nul", "conin$", "conout$",
             *(f"{port}{n}" for port in ("com", "lpt") for n in "123456789\u00b9\u00b2\u00b3")}
_EDGES = re.compile(r"^[\s.]+|[\s.]+$")
MAX_STEM = 80
TEMP_PREFIX, TEMP_SUFFIX = ".~", ".tmp"
PDF_STAGING_PREFIX = ".pdf-"  # annual_report.report.pdf stages conversions in such a folder


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; reports are ordinary files (0644 under 022).
FILE_MODE = 0o666 & ~_current_umask()


class FolderUnwritable(OutputError):
    """The folder as a whole takes no more files (disk full, read-only, no permission, a link
    leading out of it): a batch stops at the first one instead of failing every file."""


# errno names after which a batch goes on with its other files (the file is open in Word/WPS)
_ONE_FILE_ONLY = {"EBUSY", "ETXTBSY"} | ({"EACCES", "EPERM"} if os.name == "nt" else set())


def write_error(path: Path, exc: OSError) -> OutputError:
    """The Chinese message for a failed write of ``path``, with what to do about it."""
    name = errno.errorcode.get(exc.errno or 0, "")
    words = os_error_words(exc)
    if name in ("ENOSPC", "EDQUOT"):
        advice = "请清理磁盘空间（或用 --out 换一个输出文件夹）。"
    elif name == "EROFS":
        advice = "请换一个可以写入的输出文件夹（--out）。"
    elif name == "EISDIR":
        advice = "那里有一个同名的文件夹：请把它移走或改名后重试。"
    elif name in ("EACCES", "EPERM"):
        words = "没有权限，或文件正被 Word/WPS/Excel 打开"
        advice = "请关闭该文件、检查文件夹权限后重试。"
    else:
        advice = "请检查磁盘空间和文件夹权限。"
    kind = OutputError if name in _ONE_FILE_ONLY else FolderUnwritable
    return kind(f"无法写入 {path}：{words}。{advice}")


# --- links that lead out of the output folder ----------------------------------------------------


def _is_link(path: str, mode: int) -> bool:
    isjunction = getattr(os.path, "isjunction", None)  # Windows directory junctions (3.12+)
    return stat.S_ISLNK(mode) or bool(isjunction and isjunction(path))


def _within(path: str, base: str) -> bool:
    path, base = os.path.normcase(path), os.path.normcase(base)
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def ensure_inside(root: Path, path: Path) -> Path:
    """Refuse ``path`` when it, or a folder on its way from ``root``, is a link (symbolic link,
    junction) that leads out of ``root``, or when it is not below ``root`` at all.

    ``root`` itself may be a link: the user chose it. A link that stays inside is fine. Raises
    :class:`FolderUnwritable` naming the link; returns ``path`` so a call can wrap an argument.
    """
    base = os.path.abspath(root)
    full = os.path.abspath(path)
    if not _within(full, base):
        raise FolderUnwritable(f"{path} 不在输出文件夹 {root} 之内，拒绝写入或删除。")
    current = base.rstrip(os.sep)
    for part in full[len(base):].split(os.sep):
        if not part:
            continue
        current = f"{current}{os.sep}{part}"
        try:
            mode = os.lstat(current).st_mode
        except (FileNotFoundError, NotADirectoryError):
            break  # the rest does not exist yet: it is made here, as plain folders and files
        except OSError:
            break  # whoever touches it next says what is wrong with it
        if _is_link(current, mode):
            target = os.path.realpath(current)
            if not _within(target, os.path.realpath(base)):
                raise FolderUnwritable(
                    f"{current} 是一个链接（符号链接或快捷方式），指向输出文件夹以外的 {target}。"
                    "为免写入或删除其他文件夹中的文件，已停止（没有通过这个链接写入或删除任何文件）。"
                    "请删除这个链接（换成普通的文件夹或文件），或用 --out 直接指定要写入的文件夹。")
    return path


def remove_inside(root: Path, path: Path) -> bool:
    """Delete a file below ``root`` (never through a link leading out); False if it was not there."""
    ensure_inside(root, path)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OutputError(f"无法删除 {path}：{os_error_words(exc)}。请关闭占用它的程序后重试。") from exc
    return True


def rmtree_inside(root: Path, path: Path) -> None:
    """Delete a folder below ``root`` and what it holds; a link is removed, never followed."""
    ensure_inside(root, path)
    try:
        if path.is_symlink():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
    except OSError as exc:
        raise OutputError(f"无法删除 {path}：{os_error_words(exc)}。请关闭占用它的程序后重试。") from exc


# --- writing ---------------------------------------------------------------------------------------


def atomic_write_bytes(
    path: Path,
    data: bytes,
    root: Path | None = None,
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Write to a temporary file in the same folder, then rename over the target.

    ``root``: the output folder; a link leading out of it is refused (see :func:`ensure_inside`).
    ``before_replace`` runs once the data is written and before the rename (a journal records the
    file there); when it raises, nothing is renamed.
    """
    if root is not None:
        ensure_inside(root, path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            if before_replace is not None:
                before_replace()
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise write_error(path, exc) from exc


class AppendFile:
    """A file that records are appended to: each :meth:`append` is one ``write`` of the whole
    record (so a killed process leaves whole records, the kernel has them), then ``fsync``."""

    def __init__(self, path: Path, root: Path | None = None) -> None:
        if root is not None:
            ensure_inside(root, path)
        self.path = path
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd: int | None = os.open(path, flags, 0o666)
        except OSError as exc:
            raise write_error(path, exc) from exc

    def append(self, record: bytes, sync: bool = True) -> None:
        """Append ``record`` (a line is started first, so a record torn by a full disk before it
        never runs into this one)."""
        if self._fd is None:
            raise ValueError("closed")
        data = b"\n" + record
        try:
            while data:
                data = data[os.write(self._fd, data):]
            if sync:
                os.fsync(self._fd)
        except OSError as exc:
            raise write_error(self.path, exc) from exc

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def remove_leftovers(folder: Path) -> int:
    """Delete temporary files this module left in ``folder`` (and below) when a run was killed.

    Links are never followed and never deleted: only plain files and folders of ours go."""
    count = 0
    if not folder.is_dir():
        return count
    for here, dirs, files in os.walk(folder):  # does not follow links to folders
        base = Path(here)
        for name in files:
            if not (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)):
                continue
            leftover = base / name
            if not leftover.is_symlink():
                leftover.unlink(missing_ok=True)
                count += 1
        if base != folder:  # a year folder: a killed PDF conversion's staging folder
            for name in [d for d in dirs if d.startswith(PDF_STAGING_PREFIX)]:
                staging = base / name
                if not staging.is_symlink():
                    shutil.rmtree(staging, ignore_errors=True)
                    count += 1
                dirs.remove(name)
        else:
            dirs[:] = [d for d in dirs if not (base / d).is_symlink()]
    return count


# --- reading ---------------------------------------------------------------------------------------


def read_file_bytes(path: Path) -> bytes | None:
    """The bytes of a file, or None when there is none; :class:`OutputError` in Chinese when it is
    a folder, a device or a pipe (which would block a plain read forever) or cannot be read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if os.path.isdir(path):
            raise OutputError(f"{path} 是一个文件夹，这里应当是一个文件：请把它移走或改名后重试。") from exc
        raise OutputError(f"无法读取 {path}：{os_error_words(exc)}。请检查文件权限，"
                          "或关闭正在使用它的程序后重试。") from exc
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise OutputError(f"{path} 是一个文件夹，这里应当是一个文件：请把它移走或改名后重试。")
        if not stat.S_ISREG(mode):
            raise OutputError(f"{path} 不是普通文件（是设备、管道或套接字），无法读取：请把它移走后重试。")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise OutputError(f"无法读取 {path}：{os_error_words(exc)}。请检查文件和磁盘后重试。") from exc
    finally:
        os.close(fd)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sources_sha256(root: Path, paths: Iterable[Path]) -> str:
    """The identity of some source files of ``root``: each one's relative name and bytes."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def sha256_file(path: Path) -> str | None:
    """The SHA-256 of a file, None when there is none (see :func:`read_file_bytes` for errors)."""
    data = read_file_bytes(path)
    return None if data is None else hashlib.sha256(data).hexdigest()


# --- names ---------------------------------------------------------------------------------------


def safe_stem(name: str) -> str:
    """A file name stem that every file system and mail client accepts, close to ``name``."""
    stem = unicodedata.normalize("NFC", name)
    stem = _EDGES.sub("", _UNSAFE.sub("_", stem))  # Windows drops trailing dots and spaces
    stem = re.sub(r"\s+", " ", stem)
    if len(stem) > MAX_STEM:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        stem = f"{stem[:MAX_STEM - 9]}_{digest}"
    if not stem or stem.split(".")[0].rstrip(" ").lower() in _RESERVED:  # "CON .x" is CON too
        stem = f"_{stem}"
    return stem


def unique_stems(names: list[str], existing: dict[str, str] | None = None) -> dict[str, str]:
    """Map each name to a safe stem, unique case-insensitively.

    ``existing`` holds stems handed out before (from the build manifest): a name keeps its stem,
    so adding an agency never renames another one's file. New names are assigned in sorted order.
    """
    result: dict[str, str] = {}
    taken: set[str] = set()
    wanted = set(names)
    for name, stem in sorted((existing or {}).items()):
        if name in wanted and stem.lower() not in taken and stem == _UNSAFE.sub("_", stem):
            result[name] = stem
            taken.add(stem.lower())
    for name in sorted(wanted - set(result)):
        stem = safe_stem(name)
        candidate, n = stem, 2
        while candidate.lower() in taken:
            candidate = f"{stem}（{n}）"
            n += 1
        taken.add(candidate.lower())
        result[name] = candidate
    return result


# --- locks ---------------------------------------------------------------------------------------

# Descriptors that hold a lock in this process. A forked child (a build worker) inherits them, and
# with them the lock: a worker outliving a killed parent would keep the folder locked. The child
# drops them at once (replaced by /dev/null, so a later close of the number is harmless).
_HELD_LOCKS: set[int] = set()


def _drop_inherited_locks() -> None:
    if not _HELD_LOCKS:
        return
    null = os.open(os.devnull, os.O_RDONLY)
    for fd in _HELD_LOCKS:
        with contextlib.suppress(OSError):
            os.dup2(null, fd, inheritable=False)
    os.close(null)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


def _lock(fd: int, busy: ReportError) -> None:
    try:
        if os.name == "nt":  # pragma: no cover - Windows
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        raise busy from exc


@contextlib.contextmanager
def _holding(fd: int, busy: ReportError) -> Iterator[None]:
    try:
        _lock(fd, busy)
        _HELD_LOCKS.add(fd)
        yield
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)


@contextlib.contextmanager
def exclusive(path: Path, busy: ReportError) -> Iterator[None]:
    """Hold a lock file so two runs on the same output folder cannot overlap; raise ``busy``
    when another run holds it. The lock goes with the process, so a killed run leaves none, and
    forked children do not hold it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise write_error(path, exc) from exc
    with _holding(fd, busy):
        yield


@contextlib.contextmanager
def exclusive_folder(folder: Path, busy: ReportError) -> Iterator[None]:
    """Like :func:`exclusive` for a whole folder; on POSIX the folder itself is locked, so no
    lock file is left among the user's files."""
    if os.name == "nt":  # pragma: no cover - Windows cannot lock a directory handle
        with exclusive(folder / ".lock", busy):
            yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise write_error(folder, exc) from exc
    with _holding(fd, busy):
        yield
