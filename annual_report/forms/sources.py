"""Find returned forms: files and folders (recursively), saved e-mails (``.eml``) with the
form attached, and ``.zip`` archives of forms. Each return gets its SHA-256 and a received time
(the e-mail's date, else the file's modification time)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import tempfile
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

from ..errors import InputError
from ..outputs import TEMP_PREFIX, sha256_bytes
from .read import FORM_SUFFIXES, FileKind, FormReturn, read_form

MAIL_SUFFIXES = (".eml",)
ARCHIVE_SUFFIXES = (".zip",)
# Folders that hold what this program wrote, not what came back: the issued forms (with their
# record) and the .eml files of a dry run.
SKIP_MARKERS = ("forms.json", ".send-dry-run")


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()


def _files(paths: list[Path], skipped: list[str]) -> Iterator[Path]:
    for path in paths:
        if not path.exists():
            raise InputError(f"找不到 {path}。请检查路径（可以给出文件或文件夹）。")
        if path.is_file():
            yield path
            continue
        for folder in sorted([path, *(p for p in path.rglob("*") if p.is_dir())]):
            if any((folder / marker).exists() for marker in SKIP_MARKERS):
                skipped.append(str(folder))
                continue
            for item in sorted(folder.iterdir()):
                if item.is_file() and not item.name.startswith((TEMP_PREFIX, "~$", ".")):
                    yield item


def _received(message: EmailMessage, path: Path) -> dt.datetime:
    try:
        date = email.utils.parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError, IndexError):
        return _mtime(path)
    return date if date.tzinfo else date.astimezone()


def _mail_returns(path: Path, work: Path) -> Iterator[FormReturn]:
    data = path.read_bytes()
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage):  # pragma: no cover - the policy gives these
        return
    received = _received(message, path)
    found = 0
    for n, part in enumerate(message.walk()):
        name = part.get_filename()
        if not name or Path(name).suffix.lower() not in FORM_SUFFIXES:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        found += 1
        target = work / f"{n}{Path(name).suffix.lower()}"
        target.write_bytes(payload)
        yield read_form(target, f"{path} › {name}", sha256_bytes(payload), received)
    if not found:
        yield FormReturn(str(path), sha256_bytes(data), received, FileKind.NOT_FORM,
                         note="邮件中没有电子表格附件")


def _zip_name(info: zipfile.ZipInfo) -> str:
    """A member's name as Windows wrote it (GBK unless the UTF-8 flag is set)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _archive_returns(path: Path, work: Path) -> Iterator[FormReturn]:
    received = _mtime(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if not i.is_dir()
                       and Path(_zip_name(i)).suffix.lower() in FORM_SUFFIXES]
            for n, info in enumerate(members):
                data = archive.read(info)
                target = work / f"{n}{Path(_zip_name(info)).suffix.lower()}"
                target.write_bytes(data)
                yield read_form(target, f"{path} › {_zip_name(info)}", sha256_bytes(data),
                                received)
    except (zipfile.BadZipFile, OSError, RuntimeError):  # RuntimeError: an encrypted member
        yield FormReturn(str(path), "", received, FileKind.UNREADABLE,
                         note="压缩包无法打开（已损坏或设置了密码）：请让该单位直接发送表格文件")
        return
    if not members:
        yield FormReturn(str(path), "", received, FileKind.NOT_FORM, note="压缩包中没有电子表格")


def gather(paths: list[Path]) -> tuple[list[FormReturn], list[str]]:
    """Every file under ``paths`` read as a possible return, and the folders skipped."""
    skipped: list[str] = []
    returns: list[FormReturn] = []
    with tempfile.TemporaryDirectory(prefix="collect-") as tmp:
        work = Path(tmp)
        for n, path in enumerate(_files(paths, skipped)):
            suffix = path.suffix.lower()
            if suffix in MAIL_SUFFIXES or suffix in ARCHIVE_SUFFIXES:
                inner = work / str(n)
                inner.mkdir()
                reader = _mail_returns if suffix in MAIL_SUFFIXES else _archive_returns
                returns.extend(reader(path, inner))
                continue
            try:
                data = path.read_bytes()
            except OSError:
                returns.append(FormReturn(str(path), "", _mtime(path), FileKind.UNREADABLE,
                                          note="文件无法读取（没有权限或正被其他程序使用）"))
                continue
            returns.append(read_form(path, str(path), sha256_bytes(data), _mtime(path)))
    return returns, skipped
