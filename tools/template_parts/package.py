"""The package around the parts: content types, relationships, core properties, a stable zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from lxml import etree

from .document import document_xml, footer_xml
from .oxml import CT_NS, NS, OFFICE_REL, RELS_NS, WML_CT, Element, el, serialize
from .styles import font_table_xml, settings_xml, styles_xml

# Fixed package metadata (reproducible output). docxtpl renders the core properties too, so the
# report's document title and author become the agency's.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_W3CDTF = "2020-01-01T00:00:00Z"
CORE_TITLE = "{{ title }}"
CORE_CREATOR = "{{ agency }}"
CORE_MODIFIED_BY = "annual_report"


def core_xml() -> Element:
    def stamp(tag: str) -> Element:
        return el(tag, {"xsi:type": "dcterms:W3CDTF"}, text=FIXED_W3CDTF)

    return el(
        "cp:coreProperties",
        None,
        el("dc:title", text=CORE_TITLE),
        el("dc:creator", text=CORE_CREATOR),
        el("cp:lastModifiedBy", text=CORE_MODIFIED_BY),
        el("cp:revision", text="1"),
        stamp("dcterms:created"),
        stamp("dcterms:modified"),
        nsmap={k: NS[k] for k in ("cp", "dc", "dcterms", "xsi")},
    )


def relationships(rels: Sequence[tuple[str, str, str]]) -> Element:
    root = etree.Element(f"{{{RELS_NS}}}Relationships", nsmap={None: RELS_NS})  # type: ignore[dict-item]
    for rel_id, rel_type, target in rels:
        etree.SubElement(
            root, f"{{{RELS_NS}}}Relationship", Id=rel_id, Type=rel_type, Target=target
        )
    return root


def content_types(overrides: Sequence[tuple[str, str]]) -> Element:
    root = etree.Element(f"{{{CT_NS}}}Types", nsmap={None: CT_NS})  # type: ignore[dict-item]
    defaults = (
        ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
        ("xml", "application/xml"),
    )
    for ext, ctype in defaults:
        etree.SubElement(root, f"{{{CT_NS}}}Default", Extension=ext, ContentType=ctype)
    for part, ctype in overrides:
        etree.SubElement(root, f"{{{CT_NS}}}Override", PartName=f"/{part}", ContentType=ctype)
    return root


def build_parts() -> dict[str, bytes]:
    """The package's parts, in the order they are written to the zip."""
    word_parts = (
        # relationship id, part name, relationship type, content type, content
        ("rId1", "styles.xml", "styles", f"{WML_CT}.styles+xml", styles_xml()),
        ("rId2", "settings.xml", "settings", f"{WML_CT}.settings+xml", settings_xml()),
        ("rId3", "fontTable.xml", "fontTable", f"{WML_CT}.fontTable+xml", font_table_xml()),
        ("rId4", "footer1.xml", "footer", f"{WML_CT}.footer+xml", footer_xml()),
    )
    overrides = [
        ("word/document.xml", f"{WML_CT}.document.main+xml"),
        *((f"word/{name}", ctype) for _, name, _, ctype, _ in word_parts),
        ("docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
    ]
    package_rels = (
        ("rId1", f"{OFFICE_REL}/officeDocument", "word/document.xml"),
        (
            "rId2",
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
            "docProps/core.xml",
        ),
    )
    document_rels = [(rid, f"{OFFICE_REL}/{rtype}", name) for rid, name, rtype, _, _ in word_parts]
    parts: dict[str, Element] = {
        "[Content_Types].xml": content_types(overrides),
        "_rels/.rels": relationships(package_rels),
        "docProps/core.xml": core_xml(),
        "word/document.xml": document_xml(footer_rel="rId4"),
        "word/_rels/document.xml.rels": relationships(document_rels),
        **{f"word/{name}": root for _, name, _, _, root in word_parts},
    }
    return {name: serialize(root) for name, root in parts.items()}


def zip_parts(parts: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend on the parts only (fixed time stamps, attributes, order)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 0
            info.external_attr = 0
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()
