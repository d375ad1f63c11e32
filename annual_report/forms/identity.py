"""The hidden identity of a form: which agency, year and format it is for, and when it was issued.

It is written three times, so that it survives renaming and re-saving by Excel, WPS or
LibreOffice (as ``.xlsx``, ``.xls`` or ``.ods``): a *very hidden* sheet (not listed under
"unhide"), custom document properties, and defined names. A returned form is recognised by it,
never by its file name. A checksum over the fields tells a damaged identity from a real one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from openpyxl.packaging.custom import StringProperty
from openpyxl.workbook import Workbook
from openpyxl.workbook.defined_name import DefinedName

# The national format (国办公开办函〔2021〕30号) and this layout of the form; a form of another
# format is listed by collect, never merged.
FORM_FORMAT = "gov-annual-report/2021-30/form-1"
MAGIC = "annual-report-form"
ID_SHEET = "表单标识"
PROPERTY = "annual_report.form"
NAME_PREFIX = "AR_FORM_"
FIELDS = ("agency", "year", "format", "issued_at", "form_id", "content")


@dataclass(frozen=True)
class FormIdentity:
    """Who a form is for and which issue of it this is."""

    agency: str
    year: int
    format: str
    issued_at: str  # ISO 8601 with the offset, e.g. 2025-01-05T10:30:00+08:00
    form_id: str  # random, one per issued form
    content: str  # digest of the figures and texts the form was issued with

    def checksum(self) -> str:
        text = "|".join(str(getattr(self, name)) for name in FIELDS)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def issued(self) -> dt.datetime:
        return parse_time(self.issued_at)

    def as_strings(self) -> dict[str, str]:
        data = {k: str(v) for k, v in asdict(self).items()}
        data["checksum"] = self.checksum()
        return data


def parse_time(text: str) -> dt.datetime:
    """An ISO time; one without an offset is taken as local time."""
    moment = dt.datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.astimezone()


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class IdentityProblem(Exception):
    """A file carries a form identity that is damaged or contradicts itself (Chinese message)."""


def from_mapping(data: Mapping[str, Any], carrier: str) -> FormIdentity:
    """An identity from its fields as strings; :class:`IdentityProblem` when damaged."""
    try:
        year_text = str(data["year"]).strip()
        year = int(float(year_text)) if year_text else 0
        identity = FormIdentity(
            agency=str(data["agency"]).strip(), year=year, format=str(data["format"]).strip(),
            issued_at=str(data["issued_at"]).strip(), form_id=str(data["form_id"]).strip(),
            content=str(data.get("content", "")).strip())
        parse_time(identity.issued_at)
    except (KeyError, ValueError) as exc:
        raise IdentityProblem(f"表单标识（{carrier}）不完整或已损坏") from exc
    if str(data.get("checksum", "")).strip() != identity.checksum():
        raise IdentityProblem(f"表单标识（{carrier}）与校验码不符，可能被改动过")
    return identity


# --- writing --------------------------------------------------------------------------------------


def write_identity(book: Workbook, identity: FormIdentity) -> None:
    """Put the identity into the very hidden sheet, the custom properties and defined names."""
    fields = identity.as_strings()
    ws = book.create_sheet(ID_SHEET)
    ws.sheet_state = "veryHidden"
    rows = [("magic", MAGIC), *fields.items(),
            ("note", "本工作表由年度报告程序使用，用来识别这份填报表，请勿修改。")]
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=key)
        cell = ws.cell(row=r, column=2, value=value)
        cell.data_type = "s"  # a text, even when it looks like a number
    ws.protection.sheet = True
    props: Any = book.custom_doc_props  # type: ignore[attr-defined]  # not in the stubs
    props.append(StringProperty(
        name=PROPERTY, value=json.dumps({"magic": MAGIC, **fields}, ensure_ascii=False)))
    for key, value in fields.items():
        quoted = '"' + value.replace('"', '""') + '"'
        book.defined_names[NAME_PREFIX + key.upper()] = DefinedName(
            NAME_PREFIX + key.upper(), attr_text=quoted)


# --- reading --------------------------------------------------------------------------------------


def from_grid(grid: Sequence[Sequence[Any]]) -> FormIdentity | None:
    """The identity held by the hidden sheet's cells (None when the sheet is not ours)."""
    data: dict[str, Any] = {}
    for row in grid:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
            data[row[0].strip()] = row[1]
    if str(data.get("magic", "")).strip() != MAGIC:
        return None
    return from_mapping(data, "隐藏工作表")


def from_property(text: str) -> FormIdentity | None:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise IdentityProblem("表单标识（文档属性）已损坏") from exc
    if not isinstance(data, dict) or data.get("magic") != MAGIC:
        return None
    return from_mapping(data, "文档属性")


def from_openpyxl(book: Workbook) -> list[FormIdentity]:
    """Identities in an ``.xlsx``'s custom properties and defined names."""
    found: list[FormIdentity] = []
    props: Any = book.custom_doc_props  # type: ignore[attr-defined]  # not in the stubs
    for prop in props.props:
        if prop.name == PROPERTY and isinstance(prop.value, str):
            identity = from_property(prop.value)
            if identity is not None:
                found.append(identity)
    names: dict[str, str] = {}
    for key in (*FIELDS, "checksum"):
        name = book.defined_names.get(NAME_PREFIX + key.upper())
        if name is not None and name.attr_text:
            text = name.attr_text.strip()
            if text.startswith('"') and text.endswith('"'):
                text = text[1:-1].replace('""', '"')
            names[key] = text
    if names:
        found.append(from_mapping(names, "名称定义"))
    return found


def from_ods_meta(path: Path) -> list[FormIdentity]:
    """The identity in an ``.ods``'s user-defined properties (meta.xml)."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            meta = etree.fromstring(archive.read("meta.xml"))
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError):
        return []
    ns = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
    found: list[FormIdentity] = []
    for prop in meta.iter(f"{ns}user-defined"):
        if prop.get(f"{ns}name") == PROPERTY and prop.text:
            identity = from_property(prop.text)
            if identity is not None:
                found.append(identity)
    return found


def agree(found: Sequence[FormIdentity]) -> FormIdentity | None:
    """The one identity all carriers agree on; :class:`IdentityProblem` when they differ."""
    if not found:
        return None
    first = found[0]
    if any(other != first for other in found[1:]):
        raise IdentityProblem("文件中的几处表单标识互相矛盾（可能把两份表单的内容拼在了一起）")
    return first
