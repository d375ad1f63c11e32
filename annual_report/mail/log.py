"""The send log ``<out>/send-log.jsonl``: the memory of what was delivered.

One JSON object a line, one line a message (or failed attempt), each made durable before the next
message goes out. An address that has accepted a report file (by its SHA-256) never gets that file
again; a different file of the same agency and year marks the next message as a correction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, MailError, os_error_words

LOG_NAME = "send-log.jsonl"


@dataclass
class SendLog:
    """``<out>/send-log.jsonl``: one JSON object a line, one line a message (or failed attempt)."""

    path: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped_tail: bool = False  # the last line was cut off (the program was stopped mid-write)

    @classmethod
    def load(cls, path: Path) -> SendLog:
        log = cls(path)
        if not path.exists():
            return log
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"无法读取发送记录 {path}：{exc}。请检查该文件。") from exc
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

    def _successes(self, agency: str) -> Iterator[dict[str, Any]]:
        for record in self.records:
            if record.get("agency") == agency and record.get("delivered"):
                yield record

    def delivered(self, agency: str, sha256: str) -> dict[str, str]:
        """Address (lower case) -> time of each delivery of this very file to the agency."""
        found: dict[str, str] = {}
        for record in self._successes(agency):
            if record.get("sha256") == sha256:
                for address in record.get("delivered", []):
                    found.setdefault(str(address).lower(), str(record.get("time", "")))
        return found

    def delivered_pdf(self, agency: str, pdf_sha256: str) -> set[str]:
        """Addresses (lower case) that already had this very PDF of the agency's report."""
        return {str(address).lower() for record in self._successes(agency)
                if record.get("pdf_sha256") == pdf_sha256
                for address in record.get("delivered", [])}

    def earlier_version_sent(self, agency: str, year: int | None, sha256: str) -> bool:
        """A different report file of the same agency and year was delivered before."""
        return any(
            r.get("sha256") != sha256 and (year is None or r.get("year") in (year, None))
            for r in self._successes(agency)
        )

    def append(self, record: Mapping[str, Any]) -> None:
        """Add one line and make it durable before the next message goes out."""
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.skipped_tail:  # drop the cut-off last line, unreadable anyway, before adding
                data = self.path.read_bytes()
                end = data.rstrip(b"\n").rfind(b"\n") + 1
                os.truncate(self.path, end)
                self.skipped_tail = False
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise MailError(
                f"无法写入发送记录 {self.path}：{os_error_words(exc)}。为避免重复发送，已停止；"
                "请检查磁盘空间和文件夹权限后重新运行 send。"
            ) from exc
        self.records.append(dict(record))
