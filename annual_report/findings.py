"""Validation findings: plain data, never exceptions."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "错误" if self is Severity.ERROR else "提醒"


@dataclass(frozen=True)
class Finding:
    """One problem found in one agency's row.

    ``row`` is the 1-based sheet row (header rows counted), ``cell`` a reference such as
    ``总表!BC7`` that a user can type into Excel's name box, ``field`` the field key.
    """

    agency: str
    row: int
    cell: str
    field: str
    rule: str
    severity: Severity
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def _column_number(cell: str) -> int:
    """``总表!CW6`` -> 101 (the column's position, so G sorts before CW)."""
    number = 0
    for char in cell.rsplit("!", 1)[-1]:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number


def sort_key(finding: Finding) -> tuple[int, int, int]:
    """Sheet row, errors before warnings, then left to right."""
    return (finding.row, 0 if finding.is_error else 1, _column_number(finding.cell))
