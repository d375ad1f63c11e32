"""What a build did, agency by agency: :class:`BuildResult` and its :class:`Outcome` items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..checks.verdict import CheckReport


@dataclass
class Outcome:
    agency: str
    file: Path | None
    message: str = ""


@dataclass
class BuildResult:
    source: CheckReport | Callable[[], CheckReport]  # a replayed result reads it when asked
    built: list[Outcome] = field(default_factory=list)
    skipped: list[Outcome] = field(default_factory=list)
    invalid: list[Outcome] = field(default_factory=list)  # rows with errors, not built
    conflicts: list[Outcome] = field(default_factory=list)  # files we refuse to overwrite
    failed: list[Outcome] = field(default_factory=list)  # rendering or writing failed
    stale: list[Outcome] = field(default_factory=list)  # agency no longer in the workbook
    kept: list[Outcome] = field(default_factory=list)  # edited by hand, nothing to rebuild
    built_invalid: list[Outcome] = field(default_factory=list)  # built with errors (allowed)
    pdf_built: list[Outcome] = field(default_factory=list)
    pdf_failed: list[Outcome] = field(default_factory=list)
    pdf_outdated: list[Outcome] = field(default_factory=list)  # left from before a rebuild
    notes: list[str] = field(default_factory=list)  # things the user should know, in Chinese
    check_notes: list[str] = field(default_factory=list)  # the check's, about the workbook
    replayed: bool = False  # nothing changed: the outcome is the last build's (.rerun)

    def __post_init__(self) -> None:
        if isinstance(self.source, CheckReport):
            self.check_notes = list(self.source.notes)

    @property
    def report(self) -> CheckReport:
        if not isinstance(self.source, CheckReport):
            self.source = self.source()
        return self.source

    @property
    def exit_code(self) -> int:
        return 1 if (self.invalid or self.conflicts or self.failed or self.pdf_failed) else 0
