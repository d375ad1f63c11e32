"""The figures of every row after the roll-up: an aggregate's blank cells become its children's sums.

Sums are taken from the lowest level up, so an aggregate whose children include a blank aggregate
gets the sums of its grandchildren. A figure the aggregate holds is kept as it is (a difference is
the A1 error, never silently replaced); a cell holding something that is not a figure ("/") is
not filled either. Counts stay ``int`` and money ``Decimal``, so the sums are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..checks.aggregate import Hierarchy, Number
from ..workbook.rows import AgencyRow
from ..workbook.values import is_blank


@dataclass(frozen=True)
class Fill:
    """One blank cell of an aggregate that the roll-up fills."""

    row: AgencyRow
    key: str
    value: Number


@dataclass
class Rolled:
    """The figures of every row after the roll-up (sheet row -> key -> figure) and the fills."""

    figures: dict[int, dict[str, Number]]
    fills: list[Fill]

    def value(self, row: AgencyRow, key: str) -> Number | None:
        return self.figures.get(row.row, {}).get(key)


def _own(row: AgencyRow, keys: tuple[str, ...]) -> dict[str, Number]:
    found: dict[str, Number] = {}
    for key in keys:
        value = row.figure(key)
        if value is not None:
            found[key] = value
    return found


def roll_up(rows: list[AgencyRow], hierarchy: Hierarchy, keys: tuple[str, ...]) -> Rolled:
    """Fill every blank figure of every aggregate whose children all have that figure."""
    figures = {row.row: _own(row, keys) for row in rows}
    fills: list[Fill] = []
    for aggregate in hierarchy.aggregates_bottom_up():
        children = hierarchy.kids(aggregate)
        mine = figures[aggregate.row]
        for key in keys:
            if key in mine or key not in aggregate.columns:
                continue
            if not is_blank(aggregate.raw.get(key, "")):
                continue  # something that is not a figure: R5 reports it, the roll-up leaves it
            parts = [figures[c.row].get(key) for c in children]
            if any(p is None for p in parts):
                continue
            total: Number = 0
            for part in parts:
                assert part is not None
                total += part
            mine[key] = total
            fills.append(Fill(aggregate, key, total))
    return Rolled(figures, fills)
