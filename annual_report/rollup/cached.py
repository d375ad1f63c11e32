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

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    book = etree.fromstring(archive.read("xl/workbook.xml"))
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for node in book.iter(f"{{{_NS}}}sheet"):
        if node.get("name") == sheet:
            rid = node.get(f"{{{_REL_NS}}}id")
            for rel in rels:
                if rel.get("Id") == rid:
                    target = rel.get("Target", "")
                    return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError(sheet)


def _text(value: Decimal | float | str) -> tuple[str | None, str]:
    """(the cell's t attribute, the text of its <v>)."""
    if isinstance(value, str):
        return "str", value
    if isinstance(value, Decimal):
        text = format(value, "f")
        return None, text.rstrip("0").rstrip(".") if "." in text else text
    return None, repr(value)


def with_cached_values(data: bytes, sheet: str, values: Mapping[str, Decimal | float | str]) -> bytes:
    """The workbook ``data`` with ``values`` (coordinate -> value) cached in ``sheet``'s formula
    cells; every other part is copied unchanged."""
    source = zipfile.ZipFile(io.BytesIO(data))
    part = _sheet_part(source, sheet)
    tree = etree.fromstring(source.read(part))
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
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == part:
                payload = etree.tostring(tree, xml_declaration=True, encoding="UTF-8",
                                         standalone=True)
            target.writestr(info, payload)
    return buffer.getvalue()
