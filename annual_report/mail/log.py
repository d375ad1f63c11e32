"""The send log ``<out>/send-log.jsonl``: the memory of what was delivered, and of what may have been.

One JSON object a line, each made durable (fsync) before the program goes on. Every message is
recorded in up to three steps, so that a run stopped at any moment leaves a true account:

* ``"type": "attempt"`` — written *before* the message is handed to the server (DATA), with the
  recipients the server accepted and the message's Message-ID;
* ``"type": "data"`` — the server's final answer to that attempt (``delivered``: who has it now);
* the message record (no ``type``, the format of earlier versions) — the outcome for the agency:
  ``delivered``, ``refused``, ``uncertain``, ``answer``, ``attempts``.

An attempt with no answer recorded is *in doubt*: the server may or may not have the message. Such
an address is not sent the file again unless the user asks (``--resend-uncertain``), or confirms
it arrived (``--confirm-uncertain``, a ``"type": "confirmed"`` record). An address that has accepted
a file (by its SHA-256) never gets it again; a different file of the same agency and year marks the
next message as a correction.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, MailError, os_error_words

LOG_NAME = "send-log.jsonl"
REPORT = "report"  # the kind of the messages planned from build's manifest

DELIVERED, IN_DOUBT, FAILED = "delivered", "in_doubt", "failed"


@dataclass(frozen=True)
class AddressState:
    """What the log says about one address and one file."""

    state: str  # DELIVERED, IN_DOUBT or FAILED (tried, and certainly not delivered)
    time: str
    attempt: str | None = None
    message_id: str = ""


def refuse_link(path: Path, folder: Path) -> None:
    """Refuse to write or delete through a link that leads out of ``folder``."""
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except OSError:  # a loop of links
        inside = False
    if path.is_symlink() and not inside:
        raise MailError(
            f"{path} 是一个快捷方式（符号链接），指向输出文件夹以外的 {os.readlink(path)}。"
            "为免改动别处的文件，send 不通过链接写入或删除；请把它换成普通的文件或文件夹后重新运行。")


@dataclass
class SendLog:
    """``<out>/send-log.jsonl``: one JSON object a line (see the module's description)."""

    path: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped_tail: bool = False  # the last line was cut off (the program was stopped mid-write)
    loaded: tuple[int, str] = (0, "")  # size and SHA-256 of the file as it was read

    @classmethod
    def load(cls, path: Path) -> SendLog:
        refuse_link(path, path.parent)
        log = cls(path)
        if not path.exists():
            return log
        try:
            data = path.read_bytes()
            lines = data.decode("utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            words = os_error_words(exc) if isinstance(exc, OSError) else "不是 UTF-8 编码"
            raise InputError(f"无法读取发送记录 {path}：{words}。请检查该文件的权限。") from exc
        log.loaded = (len(data), hashlib.sha256(data).hexdigest())
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                if number == len(lines):
                    log.skipped_tail = True
                    continue
                raise InputError(
                    f"发送记录 {path} 第 {number} 行已损坏。请用记事本打开修正或删除这一行"
                    "（删除后，该行记录的邮件可能会再发一次）。"
                ) from exc
            log.records.append(record)
        return log

    def changed_on_disk(self) -> bool:
        """The file is no longer what :meth:`load` read (ask before appending to it)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return self.loaded != (0, "")
        except OSError:
            return True
        return (len(data), hashlib.sha256(data).hexdigest()) != self.loaded

    # -- reading --

    def _history(self, agency: str, key: str, value: str, kind: str) -> Iterator[dict[str, Any]]:
        for record in self.records:
            if (record.get("agency") == agency and record.get("kind", REPORT) == kind
                    and record.get(key) == value):
                yield record

    def states(self, agency: str, key: str, value: str, kind: str = REPORT
               ) -> dict[str, AddressState]:
        """Address (lower case) -> what happened to the file ``key`` = ``value`` sent there.

        Records are read in order: the latest attempt decides, except that a delivery is final.
        """
        found: dict[str, AddressState] = {}

        def put(address: Any, state: AddressState) -> None:
            name = str(address).lower()
            if name not in found or found[name].state != DELIVERED:
                found[name] = state

        for record in self._history(agency, key, value, kind):
            time = str(record.get("time", ""))
            kind_of = record.get("type")
            if kind_of == "attempt":
                for address in record.get("recipients", []):
                    put(address, AddressState(IN_DOUBT, time, str(record.get("id")),
                                              str(record.get("message_id", ""))))
                continue
            for address in record.get("delivered", []):
                put(address, AddressState(DELIVERED, time))
            if kind_of == "data":  # the attempt's answer: the others certainly did not get it
                for name, state in list(found.items()):
                    if state.state == IN_DOUBT and state.attempt == record.get("attempt"):
                        found[name] = AddressState(FAILED, time)
            for address in record.get("uncertain", []):
                name = str(address).lower()
                if name not in found or found[name].state == FAILED:
                    put(address, AddressState(IN_DOUBT, time))
        return found

    def delivered(self, agency: str, sha256: str, kind: str = REPORT) -> dict[str, str]:
        """Address (lower case) -> time of the first delivery of this very file to the agency."""
        return {a: s.time for a, s in self.states(agency, "sha256", sha256, kind).items()
                if s.state == DELIVERED}

    def delivered_pdf(self, agency: str, pdf_sha256: str) -> set[str]:
        """Addresses (lower case) that already had this very PDF of the agency's report."""
        return {a for a, s in self.states(agency, "pdf_sha256", pdf_sha256).items()
                if s.state == DELIVERED}

    def earlier_version_sent(self, agency: str, year: int | None, sha256: str,
                             kind: str = REPORT) -> bool:
        """A different file of the same agency, kind and year was delivered before (or may have
        been: a message in doubt counts, so that the next version is marked as a correction)."""
        others = {str(r.get("sha256")) for r in self.records
                  if r.get("agency") == agency and r.get("kind", REPORT) == kind
                  and r.get("sha256") not in (sha256, None)
                  and (year is None or r.get("year") in (year, None))}
        return any(s.state in (DELIVERED, IN_DOUBT)
                   for other in sorted(others)
                   for s in self.states(agency, "sha256", other, kind).values())

    # -- writing --

    def append(self, record: Mapping[str, Any]) -> None:
        """Add one line and make it durable before the program goes on."""
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            refuse_link(self.path, self.path.parent)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            if self.skipped_tail:  # drop the cut-off last line, unreadable anyway, before adding
                data = self.path.read_bytes()
                end = data.rstrip(b"\n").rfind(b"\n") + 1
                os.truncate(self.path, end)
                self.skipped_tail = False
            with self.path.open("ab") as handle:
                handle.write(line.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            if new:
                _sync_folder(self.path.parent)
        except OSError as exc:
            raise MailError(
                f"无法写入发送记录 {self.path}：{os_error_words(exc)}。为避免重复发送，已停止；"
                "请检查磁盘空间和文件夹权限后重新运行 send（不会重复发送已送达的邮件，"
                "结果不明的会列为“状态不明”）。"
            ) from exc
        self.records.append(dict(record))


def _sync_folder(folder: Path) -> None:
    """Make a new file's name durable too (POSIX; Windows has no directory handles)."""
    if os.name == "nt":  # pragma: no cover - Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
