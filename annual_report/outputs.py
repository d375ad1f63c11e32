"""Writing files so that a half-written file never appears, and safe file names."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import OutputError, ReportError, os_error_words

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
# Device names Windows reserves with any extension ("CON.docx", "com¹.pdf"), in any case.
_RESERVED = {"con", "prn", "aux", "nul", "conin$", "conout$",
             *(f"{port}{n}" for port in ("com", "lpt") for n in "123456789\u00b9\u00b2\u00b3")}
_EDGES = re.compile(r"^[\s.]+|[\s.]+$")
MAX_STEM = 80


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; reports are ordinary files (0644 under 022).
_FILE_MODE = 0o666 & ~_current_umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over the target."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, _FILE_MODE)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except PermissionError as exc:
        raise OutputError(
            f"无法写入 {path}：没有权限，或文件正被 Word/WPS/Excel 打开。请关闭该文件后重试。"
        ) from exc
    except OSError as exc:
        raise OutputError(f"无法写入 {path}：{os_error_words(exc)}。请检查磁盘空间和文件夹权限。") from exc


TEMP_PREFIX, TEMP_SUFFIX = ".~", ".tmp"
PDF_STAGING_PREFIX = ".pdf-"  # annual_report.report.pdf stages conversions in such a folder


def remove_leftovers(folder: Path) -> int:
    """Delete temporary files this module left in ``folder`` (and below) when a run was killed."""
    count = 0
    if folder.is_dir():
        for leftover in folder.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)
            count += 1
        for staging in folder.glob(f"*/{PDF_STAGING_PREFIX}*"):  # a killed PDF conversion's
            if staging.is_dir():
                shutil.rmtree(staging, ignore_errors=True)
                count += 1
    return count


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


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
    for name, stem in sorted((existing or {}).items()):
        if name in names and stem.lower() not in taken and stem == _UNSAFE.sub("_", stem):
            result[name] = stem
            taken.add(stem.lower())
    for name in sorted(set(names) - set(result)):
        stem = safe_stem(name)
        candidate, n = stem, 2
        while candidate.lower() in taken:
            candidate = f"{stem}（{n}）"
            n += 1
        taken.add(candidate.lower())
        result[name] = candidate
    return result


@contextlib.contextmanager
def exclusive(path: Path, busy: ReportError) -> Iterator[None]:
    """Hold a lock file so two runs on the same output folder cannot overlap; raise ``busy``
    when another run holds it. The lock goes with the process, so a killed run leaves none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = path.open("a+", encoding="utf-8")
    try:
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise busy from exc
        yield
    finally:
        handle.close()


@contextlib.contextmanager
def exclusive_folder(folder: Path, busy: ReportError) -> Iterator[None]:
    """Like :func:`exclusive` for a whole folder; on POSIX the folder itself is locked, so no
    lock file is left among the user's files."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.name == "nt":  # pragma: no cover - Windows cannot lock a directory handle
        with exclusive(folder / ".lock", busy):
            yield
        return
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise busy from exc
        yield
    finally:
        os.close(fd)
