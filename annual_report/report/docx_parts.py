"""The package parts of a DOCX around its document: content types, relationships, core properties.

:func:`main_document` and :func:`templated_parts` find the parts a template may hold tags in (the
main document, headers, footers, footnotes, endnotes) with the names a user knows them by;
:func:`ensure_core_part` makes sure the package has a ``docProps/core.xml`` to write, and
:func:`core_properties_xml` writes it from :class:`CoreProperties`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass

from lxml import etree

from ..workbook.values import XML_ILLEGAL

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = "[Content_Types].xml"
PACKAGE_RELS = "_rels/.rels"

_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT_RELS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
_CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_CORE_CONTENT_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
_DEFAULT_CORE = "docProps/core.xml"
# Parts rendered when they contain tags, by content type suffix, with the name a user knows.
_TEMPLATED_PARTS = {
    ".wordprocessingml.header+xml": "页眉",
    ".wordprocessingml.footer+xml": "页脚",
    ".wordprocessingml.footnotes+xml": "脚注",
    ".wordprocessingml.endnotes+xml": "尾注",
}


@dataclass(frozen=True)
class CoreProperties:
    """What goes into ``docProps/core.xml``; a naive ``created`` is taken as UTC."""

    title: str
    author: str
    created: dt.datetime


def _xml_text(value: str) -> str:
    return html.escape(XML_ILLEGAL.sub("", value), quote=False)


def _w3cdtf(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


def core_properties_xml(core: CoreProperties) -> bytes:
    """The ``docProps/core.xml`` of a report."""
    author = _xml_text(core.author)
    created = _w3cdtf(core.created)
    return XML_DECLARATION + (
        '<cp:coreProperties'
        ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:dcmitype="http://purl.org/dc/dcmitype/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_xml_text(core.title)}</dc:title>"
        f"<dc:creator>{author}</dc:creator>"
        f"<cp:lastModifiedBy>{author}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


_WORD_MAIN_TYPES = (  # document, macro-enabled document, template, macro-enabled template
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)


def main_document(rels: etree._Element, types: etree._Element | None = None) -> str | None:
    """The main document part's name, from the package relationships (``_rels/.rels``); with
    ``types`` ([Content_Types].xml), None unless it is a Word document (not a workbook or a
    presentation, which are zip packages of the same kind)."""
    main = _relationship_target(rels, _OFFICE_DOCUMENT_RELS)
    if main is None or types is None:
        return main
    for override in types.iter(f"{{{_CT_NS}}}Override"):
        if override.get("PartName", "").lstrip("/") == main:
            return main if override.get("ContentType", "") in _WORD_MAIN_TYPES else None
    return None


def templated_parts(types: etree._Element, main: str, members: Container[str]) -> dict[str, str]:
    """The parts that may hold tags, each with how a user knows it: 正文、页眉（word/header1.xml）…"""
    where_by_part = {main: "正文"}
    for override in types.iter(f"{{{_CT_NS}}}Override"):
        part = override.get("PartName", "").lstrip("/")
        content_type = override.get("ContentType", "")
        for suffix, label in _TEMPLATED_PARTS.items():
            if content_type.endswith(suffix) and part in members:
                where_by_part[part] = f"{label}（{part}）"
    return where_by_part


def ensure_core_part(types: etree._Element, rels: etree._Element) -> tuple[str, bool, bool]:
    """The core properties part's name; adds its relationship and content type when missing."""
    rels_changed = types_changed = False
    core = _relationship_target(rels, (_CORE_REL,))
    if core is None:
        core = _DEFAULT_CORE
        taken = {rel.get("Id") for rel in _relationships(rels)}
        rel_id = next(f"rIdCore{n}" for n in range(1, len(taken) + 2) if f"rIdCore{n}" not in taken)
        etree.SubElement(
            rels, f"{{{_REL_NS}}}Relationship", Id=rel_id, Type=_CORE_REL, Target=core
        )
        rels_changed = True
    part_names = {o.get("PartName", "").lstrip("/") for o in types.iter(f"{{{_CT_NS}}}Override")}
    if core not in part_names:
        etree.SubElement(
            types, f"{{{_CT_NS}}}Override", PartName=f"/{core}", ContentType=_CORE_CONTENT_TYPE
        )
        types_changed = True
    return core, types_changed, rels_changed


def _relationship_target(rels: etree._Element, types: Sequence[str]) -> str | None:
    """The first internal relationship target of one of ``types``, without its leading ``/``."""
    for rel in _relationships(rels):
        if rel.get("Type") in types and rel.get("TargetMode") != "External":
            return rel.get("Target", "").lstrip("/") or None
    return None


def _relationships(rels: etree._Element) -> Iterator[etree._Element]:
    return rels.iter(f"{{{_REL_NS}}}Relationship")
