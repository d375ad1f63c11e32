"""Formulas of an ``.ods`` (OpenDocument) form that carry no value: calamine reads such a cell as
empty, so the reader asks here whether it is a formula (a total the form computes, or an error to
name) rather than a blank."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from .layout import ref

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
_VALUES = ("value", "date-value", "time-value", "boolean-value", "string-value")


def _has_value(cell: object) -> bool:
    get = cell.get  # type: ignore[attr-defined]
    if any(get(f"{_OFFICE}{name}") is not None for name in _VALUES):
        return True
    return any("".join(p.itertext()).strip() for p in cell)  # type: ignore[attr-defined]


def formulas_without_value(path: Path, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(sheet, ``D7``) -> formula, for the wanted cells that hold a formula but no value."""
    from lxml import etree

    wanted = set(wanted)
    sheets = {sheet for sheet, _ref in wanted}
    try:
        with zipfile.ZipFile(path) as archive:
            root = etree.fromstring(archive.read("content.xml"))
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError):
        return {}
    found: dict[tuple[str, str], str] = {}
    for table in root.iter(f"{_TABLE}table"):
        name = table.get(f"{_TABLE}name")
        if name not in sheets:
            continue
        row = 0
        for tr in table.iter(f"{_TABLE}table-row"):
            rows = int(tr.get(f"{_TABLE}number-rows-repeated", "1"))
            col = 0
            for cell in tr:
                if cell.tag not in _CELLS:
                    continue
                cols = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
                formula = cell.get(f"{_TABLE}formula")
                if formula and not _has_value(cell) and rows * cols <= 1000:
                    for r in range(row, row + rows):
                        for c in range(col, col + cols):
                            key = (name, ref(r + 1, c + 1))
                            if key in wanted:
                                found[key] = formula
                col += cols
            row += rows
    return found
