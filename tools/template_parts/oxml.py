"""Namespaces and the small lxml helpers every part of the template is written with."""

from __future__ import annotations

from lxml import etree

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "xml": "http://www.w3.org/XML/1998/namespace",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WML_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"

Element = etree._Element
Attrs = dict[str, str | int]


def qn(name: str) -> str:
    """``w:p`` -> ``{namespace}p``."""
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def el(
    tag: str,
    attrs: Attrs | None = None,
    *children: Element | None,
    text: str | None = None,
    nsmap: dict[str, str] | None = None,
) -> Element:
    """An element with prefixed attribute names, children (``None`` skipped) and text."""
    node = etree.Element(qn(tag), nsmap=nsmap)
    for key, value in (attrs or {}).items():
        node.set(qn(key), str(value))
    node.extend(child for child in children if child is not None)
    if text is not None:
        node.text = text
    return node


def serialize(root: Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
