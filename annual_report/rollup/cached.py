"""Write the value of each formula beside it in a saved ``.xlsx`` (openpyxl writes none).

A spreadsheet program recomputes the formulas (the workbook asks for it on load); a reader without
a calculation engine — python-calamine, pandas, ``openpyxl`` with ``data_only=True``, a mail or
file preview — shows the cached value. The values come from the same exact arithmetic as the
formulas (:mod:`.summary`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from decimal import Decimal

from lxml import etree

from ..workbook.parts import sheet_part

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    part = sheet_part(archive, sheet)
    if part is None:
        raise KeyError(sheet)
    return part


Cached = Decimal | float | int | bool | str
# Error values a cell can hold; kept as errors (t="e"), not as text.
ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


def _text(value: Cached) -> tuple[str | None, str]:
    """(the cell's t attribute, the text of its <v>)."""
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, str):
        return ("e" if value in ERRORS else "str"), value
    if isinstance(value, Decimal):
        text = format(value, "f")
        return None, text.rstrip("0").rstrip(".") if "." in text else text
    return None, repr(value) if isinstance(value, float) else str(value)


def _patch(xml: bytes, values: Mapping[str, Cached]) -> bytes:
    tree = etree.fromstring(xml)
    for cell in tree.iter(f"{{{_NS}}}c"):
        if cell.find(f"{{{_NS}}}f") is None:
            continue
        value = values.get(cell.get("r", ""))
        if value is None:
            continue
        kind, text = _text(value)
        if kind:
            cell.set("t", kind)
        elif "t" in cell.attrib:
            del cell.attrib["t"]
        v = cell.find(f"{{{_NS}}}v")
        if v is None:
            v = etree.SubElement(cell, f"{{{_NS}}}v")
        v.text = text
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)


def with_cached_values(data: bytes, values: Mapping[str, Mapping[str, Cached]]) -> bytes:
    """The workbook ``data`` with ``values`` (sheet -> coordinate -> value) cached in those
    sheets' formula cells; every other part is copied unchanged."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {_sheet_part(source, sheet): cells for sheet, cells in values.items() if cells}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename in parts:
                payload = _patch(payload, parts[info.filename])
            target.writestr(info, payload)
    return buffer.getvalue()
