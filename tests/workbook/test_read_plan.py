"""The reader's fast paths (a row of plain counts, a non-blank text) give what the cell-by-cell
rules give."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from annual_report.format.model import FIELD_BY_KEY, FIELDS, Kind
from annual_report.workbook.rows import AgencyRow, ReadOptions, _finish_row, _parse_cell
from annual_report.workbook.store import CellPlan, RowValues

COUNTS = [f.key for f in FIELDS if f.kind is Kind.COUNT][:6]
OTHERS = ["agency", "processing_fee.collected", "text.overview"]
CELLS = st.one_of(
    st.floats(min_value=0, max_value=50).map(float.__floor__).map(float),  # plain counts
    st.floats(), st.sampled_from([-0.0, 0.5, 1e12, 1e12 - 1, -1.0, math.inf, math.nan]),
    st.integers(-3, 10), st.booleans(), st.none(), st.sampled_from(["", "3", "３", " "]),
)


def _by_hand(columns: dict[str, int], cells: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    """A count cell read as a whole float in [0, 10^12) is that count; any other cell is kept
    (in column order) to be parsed; a row shorter than the header has "" beyond its end."""
    counts, rest = {}, []
    for key, column in columns.items():
        value = cells[column] if column < len(cells) else ""
        plain = (key in COUNTS and isinstance(value, float) and math.isfinite(value)
                 and 0 <= value < 10**12 and value == math.floor(value))
        if plain:
            counts[key] = int(value)
        else:
            rest.append((key, value))
    return counts, rest


@given(st.permutations(COUNTS + OTHERS), st.lists(CELLS, min_size=5, max_size=12),
       st.booleans())
def test_split_equals_the_rule_for_each_cell(order: list[str], cells: list[Any],
                                             all_plain: bool) -> None:
    columns = {key: i for i, key in enumerate(order)}
    if all_plain:  # the fast path: every count cell plain, the row as wide as the header
        cells = cells + [""] * (len(columns) - len(cells))
        for key in COUNTS:
            cells[columns[key]] = float(len(key) % 7)
    values, rest = CellPlan(columns).split(cells)
    counts, expected_rest = _by_hand(columns, cells)
    assert dict(values.items()) == counts
    assert all(type(v) is int for v in dict(values.items()).values())
    assert list(rest.items()) == expected_rest


TEXT_KEYS = ["agency", "title", "text.overview", "text.other"] + [
    f.key for f in FIELDS if f.kind is Kind.LINE][:3]
_TEXTS = st.one_of(st.lists(st.sampled_from(["a", "局", " ", "\u3000", "\t", "\r", "\n", "\r\n",
                                             "\x00", "\x0b", "=", "１"]), max_size=12).map("".join),
                   st.none(), st.floats(allow_nan=False), st.integers(-2, 3))


@given(st.lists(_TEXTS, min_size=len(TEXT_KEYS), max_size=len(TEXT_KEYS)))
def test_texts_are_cleaned_as_parse_cell_cleans_them(cells: list[Any]) -> None:
    columns = {key: i for i, key in enumerate(TEXT_KEYS)}
    raw = dict(zip(TEXT_KEYS, cells, strict=True))
    row = _finish_row("总表", 7, RowValues(), dict(raw), raw["agency"], {}, columns, ReadOptions())
    reference = AgencyRow("总表", 7, row.agency, RowValues(), dict(raw), {}, columns)
    for key, value in raw.items():
        _parse_cell(reference, FIELD_BY_KEY[key], value, ReadOptions())
    assert dict(row.values.items()) == dict(reference.values.items())
    assert row.findings == reference.findings
