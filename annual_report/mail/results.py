"""What ``send`` did, or will not do, for each agency: :class:`Status`, :class:`AgencyResult`,
and :class:`SendResult` for a whole run (in workbook order, with its exit code and JSON form).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class Status(enum.StrEnum):
    """What happened to one agency."""

    SENT = "sent"
    PARTIAL = "partial"  # some addresses accepted it, others refused it
    FAILED = "failed"
    DRY_RUN = "dry_run"
    ALREADY_SENT = "already_sent"
    NO_EMAIL = "no_email"
    BAD_EMAIL = "bad_email"
    NOT_BUILT = "not_built"
    NOT_CURRENT = "not_current"
    INVALID = "invalid"
    INTERRUPTED = "interrupted"  # the run was stopped before this agency's turn
    UNCERTAIN = "uncertain"  # handed to the server, but its final answer never came
    UNREADABLE = "unreadable"  # the report file cannot be read (permissions)

    @property
    def label(self) -> str:
        return {
            Status.SENT: "已发送",
            Status.PARTIAL: "部分失败",
            Status.FAILED: "发送失败",
            Status.DRY_RUN: "已生成邮件文件",
            Status.ALREADY_SENT: "此前已发送",
            Status.NO_EMAIL: "无邮箱",
            Status.BAD_EMAIL: "邮箱有误",
            Status.NOT_BUILT: "未生成报告",
            Status.NOT_CURRENT: "报告未更新",
            Status.INVALID: "数据有错误",
            Status.INTERRUPTED: "已中断未发送",
            Status.UNCERTAIN: "状态不明",
            Status.UNREADABLE: "报告无法读取",
        }[self]

    @property
    def is_failure(self) -> bool:
        return self in (Status.FAILED, Status.PARTIAL)

    @property
    def is_problem(self) -> bool:
        """Nothing was sent because of something the office has to fix first."""
        return self in (Status.NO_EMAIL, Status.BAD_EMAIL, Status.NOT_BUILT, Status.NOT_CURRENT,
                        Status.INVALID, Status.UNREADABLE)


@dataclass
class AgencyResult:
    agency: str
    status: Status
    addresses: tuple[str, ...] = ()
    detail: str = ""
    corrected: bool = False
    file: str | None = None
    eml: Path | None = None
    answer: str = ""
    attempts: int = 0


@dataclass
class SendResult:
    """What a run did for each agency, in workbook order."""

    results: list[AgencyResult]
    dry_run: bool
    log_path: Path
    eml_dir: Path | None = None
    aborted: str | None = None  # why sending stopped early (the rest are marked failed)

    @property
    def failures(self) -> list[AgencyResult]:
        return [r for r in self.results if r.status.is_failure]

    @property
    def problems(self) -> list[AgencyResult]:
        return [r for r in self.results if r.status.is_problem]

    @property
    def uncertain(self) -> list[AgencyResult]:
        """Messages that may or may not have arrived: the user has to find out (never hidden)."""
        return [r for r in self.results if r.status is Status.UNCERTAIN]

    @property
    def exit_code(self) -> int:
        return 1 if self.failures or self.uncertain else 0

    def counts(self) -> dict[Status, int]:
        counts: dict[Status, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "log": str(self.log_path),
            "eml_dir": str(self.eml_dir) if self.eml_dir else None,
            "aborted": self.aborted,
            "agencies": [
                {"agency": r.agency, "status": r.status.value, "addresses": list(r.addresses),
                 "detail": r.detail, "corrected": r.corrected, "file": r.file,
                 "eml": str(r.eml) if r.eml else None, "answer": r.answer,
                 "attempts": r.attempts}
                for r in self.results
            ],
        }
