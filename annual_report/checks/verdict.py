"""The verdict of a check as data (:class:`CheckReport`), and the identity of the code that
gives it (:func:`checker_sha256`): light, so a build with nothing to do needs no rules loaded.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Finding
from ..outputs import atomic_write_bytes, sources_sha256
from ..workbook.rows import AgencyRow, Workbook


@dataclass
class CheckReport:
    """The findings of one workbook, sorted by sheet row, errors before warnings."""

    workbook: Workbook
    findings: list[Finding]
    previous: Workbook | None = None
    notes: list[str] = field(default_factory=list)  # about the workbook as a whole, in Chinese
    _by_row: dict[int, list[Finding]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        grouped: dict[int, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            grouped[finding.row].append(finding)
        self._by_row = dict(grouped)

    @property
    def rows(self) -> list[AgencyRow]:
        return self.workbook.rows

    def findings_for(self, row: AgencyRow) -> list[Finding]:
        return self._by_row.get(row.row, [])

    def is_valid(self, row: AgencyRow) -> bool:
        return not any(f.is_error for f in self.findings_for(row))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> str:
        return json.dumps([f.to_dict() for f in self.findings], ensure_ascii=False, indent=1) + "\n"

    def write_json(self, path: Path) -> None:
        atomic_write_bytes(path, self.to_json().encode("utf-8"))


# The code that decides whether a row is valid (see checker_sha256): every module of these
# stages, plus the finding type they produce.
PACKAGE = Path(__file__).resolve().parent.parent
CHECKER_STAGES = ("format", "workbook", "checks")


def checker_sources() -> list[Path]:
    """The source files whose change makes an earlier verdict on a row stale."""
    files = [PACKAGE / "findings.py"]
    for stage in CHECKER_STAGES:
        files.extend(sorted((PACKAGE / stage).glob("*.py")))
    return files


@functools.cache
def checker_sha256() -> str:
    """The identity of the checking code: a verdict recorded for a row is reused only when the
    row and this code are both unchanged."""
    return sources_sha256(PACKAGE, checker_sources())


