"""Check a whole master workbook: reading problems (R5), figure rules and narrative rules.

The result is a :class:`CheckReport`: data, not exceptions. Only an unusable file raises.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .findings import Finding, sort_key
from .narrative import check_narrative
from .outputs import atomic_write_bytes
from .rules import check_figures
from .workbook import AgencyRow, ReadOptions, Workbook, read_workbook


@dataclass
class CheckReport:
    """The findings of one workbook, sorted by sheet row, errors before warnings."""

    workbook: Workbook
    findings: list[Finding]
    previous: Workbook | None = None
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


def check_row(row: AgencyRow, previous: AgencyRow | None = None) -> list[Finding]:
    """Every finding of one agency: reading problems first, then the rules."""
    findings = list(row.findings)
    findings.extend(check_figures(row, previous))
    findings.extend(check_narrative(row, previous))
    return findings


def check_workbook(
    path: Path | str,
    options: ReadOptions | None = None,
    previous_path: Path | str | None = None,
) -> CheckReport:
    """Read and check a workbook (and compare with last year's, when given)."""
    options = options or ReadOptions()
    workbook = read_workbook(path, options)
    previous = read_workbook(previous_path, ReadOptions()) if previous_path else None
    last_year = previous.by_agency() if previous else {}
    findings: list[Finding] = []
    for row in workbook.rows:
        findings.extend(check_row(row, last_year.get(row.agency)))
    findings.sort(key=sort_key)
    return CheckReport(workbook, findings, previous)
