"""Table styles inlined in the copy LibreOffice converts (``annual_report/report/pdf_styles.py``).

LibreOffice spends a fifth of a report's conversion applying the "Table Grid" style its tables
name, though the tables state what it sets. The copy writes what the style gives into each table
and drops the name, only where that changes nothing. The documents here are made with
python-docx and raw XML, not by the project, and the PDF of the copy must be the PDF of the
document itself, pixel for pixel, for every mix of what the style and the table state.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from lxml import etree

from annual_report.report.pdf_styles import TableStyles, inline_table_style
from annual_report.report.pdf_tables import DOCUMENT, STYLES, write_libreoffice_copy
from factories import needs_libreoffice

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = f'xmlns:w="{W}"'
TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "annual_report.docx"
ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
         "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
         "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"]


def q(name: str) -> str:
    return f"{{{W}}}{name}"


def part(path: Path, name: str) -> etree._Element:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(name))


def borders(sides: str, size: int = 4, color: str = "000000", tag: str = "tblBorders") -> str:
    names = {"t": "top", "l": "left", "b": "bottom", "r": "right", "h": "insideH",
             "v": "insideV", "s": "start", "e": "end"}
    return (f"<w:{tag}>" + "".join(
        f'<w:{names[s]} w:val="single" w:sz="{size}" w:space="0" w:color="{color}"/>'
        for s in sides) + f"</w:{tag}>")


def margins(sides: str, width: int) -> str:
    names = {"t": "top", "l": "left", "b": "bottom", "r": "right", "s": "start", "e": "end"}
    return ("<w:tblCellMar>" + "".join(f'<w:{names[s]} w:w="{width}" w:type="dxa"/>'
                                       for s in sides) + "</w:tblCellMar>")


def style(style_id: str, inner: str, based_on: str | None = None, default: bool = False) -> str:
    base = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    flag = ' w:default="1"' if default else ""
    return (f'<w:style {NS} w:type="table" w:styleId="{style_id}"{flag}>'
            f'<w:name w:val="{style_id}"/>{base}<w:uiPriority w:val="59"/>{inner}</w:style>')


def make_document(path: Path, styles: list[str], table_props: str, style_id: str | None,
                  replace_default: bool = False) -> Path:
    """A document with a 3×3 table of short text whose tblPr is ``table_props`` (and names
    ``style_id``), the table styles ``styles`` added (the default one replaced if asked)."""
    document = docx.Document()
    document.add_paragraph("表格样式")
    table = document.add_table(rows=3, cols=3)
    for i, cell in enumerate(c for row in table.rows for c in row.cells):
        cell.text = f"第{i}格"
    root = document.styles.element
    if replace_default:
        for old in root.findall(q("style")):
            if old.get(q("type")) == "table" and old.get(q("default")) == "1":
                root.remove(old)
    for text in styles:
        root.append(parse_xml(text))
    tbl = table._tbl
    old_props = tbl.find(q("tblPr"))
    named = f'<w:tblStyle w:val="{style_id}"/>' if style_id else ""
    tbl.replace(old_props, parse_xml(f"<w:tblPr {NS}>{named}{table_props}</w:tblPr>"))
    document.add_paragraph("表格之后")
    document.save(str(path))
    return path


def names_a_style(path: Path) -> bool:
    return part(path, DOCUMENT).find(f".//{q('tblStyle')}") is not None


def test_the_default_templates_tables_name_no_style_in_the_copy(tmp_path: Path) -> None:
    copy = tmp_path / "copy.docx"
    assert write_libreoffice_copy(TEMPLATE, copy)
    source, copied = part(TEMPLATE, DOCUMENT), part(copy, DOCUMENT)
    before, after = source.findall(f".//{q('tbl')}"), copied.findall(f".//{q('tbl')}")
    assert len(before) == len(after) >= 3  # tables 二, 三 and 四
    assert all(t.find(f"{q('tblPr')}/{q('tblStyle')}") is not None for t in before)
    for old, new in zip(before, after, strict=True):
        props = new.find(q("tblPr"))
        tags = [etree.QName(c).localname for c in props]
        assert "tblStyle" not in tags
        assert tags == sorted(tags, key=ORDER.index), tags  # the schema's order
        # Table Grid's indent is now the table's own; its borders and margins were already
        assert props.find(q("tblInd")).get(q("w")) == "0"
        old_props = old.find(q("tblPr"))
        for tag in ("tblBorders", "tblCellMar", "tblW", "jc", "tblLayout"):
            assert etree.tostring(props.find(q(tag))) == etree.tostring(old_props.find(q(tag)))
    # the styles part still has the style (nothing else may name it), the DOCX is untouched
    assert part(copy, STYLES).find(f"{q('style')}[@{q('styleId')}='TableGrid']") is not None
    assert all(t.find(f"{q('tblPr')}/{q('tblStyle')}") is not None
               for t in part(TEMPLATE, DOCUMENT).iter(q("tbl")))


GRID = borders("tlbrhv")
KEPT = {  # a style, or a table, that must keep its style: the reason -> (styles, tblPr, id)
    "the style sets run properties": (
        [style("Probe", f"<w:rPr><w:b/></w:rPr><w:tblPr>{GRID}</w:tblPr>")], "", "Probe"),
    "the style sets paragraph properties": (
        [style("Probe", f'<w:pPr><w:jc w:val="center"/></w:pPr><w:tblPr>{GRID}</w:tblPr>')],
        "", "Probe"),
    "the style formats its first row": (
        [style("Probe", f'<w:tblPr>{GRID}</w:tblPr><w:tblStylePr w:type="firstRow">'
                        '<w:rPr><w:b/></w:rPr></w:tblStylePr>')], "", "Probe"),
    "the style shades its cells": (
        [style("Probe", f'<w:tblPr>{GRID}</w:tblPr><w:tcPr><w:shd w:val="clear" '
                        'w:color="auto" w:fill="DDDDDD"/></w:tcPr>')], "", "Probe"),
    "a style it is based on sets run properties": (
        [style("Base", "<w:rPr><w:i/></w:rPr>"),
         style("Probe", f"<w:tblPr>{GRID}</w:tblPr>", based_on="Base")], "", "Probe"),
    "the table states only some of the style's borders": (
        [style("Probe", f"<w:tblPr>{GRID}</w:tblPr>")], borders("tb", 12), "Probe"),
    "the table states only some of the style's margins": (
        [style("Probe", f"<w:tblPr>{margins('lr', 200)}</w:tblPr>")], margins("l", 50),
        "Probe"),
    "the styles are based on each other in a loop": (
        [style("Probe", f"<w:tblPr>{GRID}</w:tblPr>", based_on="Other"),
         style("Other", "<w:tblPr/>", based_on="Probe")], "", "Probe"),
    "the style is not in the styles part": ([], "", "Missing"),
    "the style centres the table (LibreOffice does not take that from a style)": (
        [style("Probe", f'<w:tblPr><w:jc w:val="center"/>{GRID}{margins("tlbr", 50)}'
                        "</w:tblPr>")], "", "Probe"),
    "the style sets the table's width (LibreOffice does not take that from a style)": (
        [style("Probe", f'<w:tblPr><w:tblW w:w="4000" w:type="dxa"/>{margins("tlbr", 50)}'
                        "</w:tblPr>")], "", "Probe"),
    "the default style sets margins the result would lack": (
        [style("Dflt", f"<w:tblPr>{margins('tlbr', 300)}</w:tblPr>", default=True),
         style("Probe", f"<w:tblPr>{GRID}</w:tblPr>")], "", "Probe"),
}


@pytest.mark.parametrize("reason", KEPT)
def test_a_table_keeps_its_style_where_inlining_could_change_it(reason: str,
                                                                tmp_path: Path) -> None:
    styles, props, style_id = KEPT[reason]
    source = make_document(tmp_path / "in.docx", styles, props, style_id,
                           replace_default=any('w:default="1"' in s for s in styles))
    copy = tmp_path / "copy.docx"
    assert write_libreoffice_copy(source, copy)
    assert names_a_style(copy), reason


def test_what_the_chain_gives_and_what_the_table_states_are_combined() -> None:
    styles = etree.fromstring(
        f"<w:styles {NS}>"
        + style("Normal", f'<w:tblPr><w:tblInd w:w="0" w:type="dxa"/>{margins("tlbr", 108)}'
                          "</w:tblPr>", default=True)
        + style("Mid", f'<w:tblPr><w:jc w:val="center"/>{GRID}</w:tblPr>', based_on="Normal")
        + style("Top", f"<w:tblPr>{margins('tsbe', 57)}</w:tblPr>", based_on="Mid")
        + "</w:styles>")
    table = etree.fromstring(
        f'<w:tbl {NS}><w:tblPr><w:tblStyle w:val="Top"/><w:tblW w:w="5000" w:type="dxa"/>'
        f'<w:jc w:val="left"/>{borders("tlbrhv", 8, "FF0000")}<w:tblLook w:val="04A0"/>'
        "</w:tblPr><w:tr/></w:tbl>")
    assert inline_table_style(table, TableStyles(styles))
    props = table.find(q("tblPr"))
    assert [etree.QName(c).localname for c in props] == [
        "tblW", "jc", "tblInd", "tblBorders", "tblCellMar", "tblLook"]
    assert props.find(f"{q('tblBorders')}/{q('top')}").get(q("color")) == "FF0000"  # its own
    assert props.find(q("jc")).get(q("val")) == "left"  # its own, over Mid's
    assert props.find(f"{q('tblCellMar')}/{q('start')}").get(q("w")) == "57"  # Top over Normal
    # copies: the styles part is not changed
    assert styles.find(f".//{q('tblCellMar')}/{q('start')}").getparent() is not None
    assert len(styles.findall(f".//{q('tblInd')}")) == 1


# -- the PDF of the copy is the PDF of the document, for every mix -------------------------------

PROPERTIES = {  # what a style or a table may state, each unlike LibreOffice's defaults
    "borders": borders("tlbrhv", 12, "C00000"),
    "thin borders": borders("tlbrhv", 4, "0000C0"),
    "outer borders": borders("tlbr", 18),
    "logical borders": borders("tsbehv", 8, "008000"),
    "margins": margins("tlbr", 240),
    "logical margins": margins("tsbe", 30),
    "indent": '<w:tblInd w:w="720" w:type="dxa"/>',
    "centred": '<w:jc w:val="center"/>',
    "right": '<w:jc w:val="right"/>',
    "width": '<w:tblW w:w="4000" w:type="dxa"/>',
    "fixed": '<w:tblLayout w:type="fixed"/>',
    "shaded": '<w:shd w:val="clear" w:color="auto" w:fill="E0E0E0"/>',
}
CASES = 36


def props_of(names: tuple[str, ...]) -> str:
    return "".join(PROPERTIES[n] for n in sorted(names, key=lambda n: ORDER.index(
        etree.QName(parse_xml(f"<x {NS}>{PROPERTIES[n]}</x>")[0]).localname)))


def pick(rng: random.Random, odds: float = 0.6) -> tuple[str, ...]:
    """Some of PROPERTIES, at most one of each group; alignment and width (which a style may
    set but LibreOffice does not take from one) more rarely."""
    groups = [(["borders", "thin borders", "outer borders", "logical borders"], odds),
              (["margins", "logical margins"], odds), (["indent"], odds),
              (["centred", "right"], odds / 3), (["width"], odds / 3), (["fixed"], odds),
              (["shaded"], odds)]
    return tuple(rng.choice(names) for names, chance in groups if rng.random() < chance)


def png_digests(pdf: Path, folder: Path) -> list[str]:
    prefix = folder / pdf.stem
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(prefix)], check=True,
                   timeout=60)
    pages = sorted(folder.glob(f"{pdf.stem}-*.png"))
    assert pages
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in pages]


@needs_libreoffice
def test_the_copy_prints_exactly_as_the_document(tmp_path: Path) -> None:
    from annual_report.report.pdf import require_soffice

    rng = random.Random(20261204)
    sources, inlined = [], 0
    for n in range(CASES):
        based = n % 3  # 0: on the default style, 1: on nothing, 2: on a style of its own
        mine, below = pick(rng), pick(rng)
        chain = [style("Probe", f"<w:tblPr>{props_of(mine)}</w:tblPr>",
                       based_on={0: "TableNormal", 1: None, 2: "Below"}[based])]
        if based == 2:
            chain.append(style("Below", f"<w:tblPr>{props_of(below)}</w:tblPr>"))
        own = pick(rng, 0.3)
        sources.append(make_document(tmp_path / f"case{n:02}.docx", chain, props_of(own),
                                     "Probe"))
    copies = tmp_path / "copies"
    copies.mkdir()
    for source in sources:
        assert write_libreoffice_copy(source, copies / source.name)
        inlined += not names_a_style(copies / source.name)
    assert inlined >= CASES // 3  # many are inlined: the comparison is of something

    soffice = require_soffice()
    for folder, files in (("pdf-source", sources),
                          ("pdf-copy", [copies / s.name for s in sources])):
        subprocess.run([soffice, "--headless", "--norestore",
                        f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                        "--convert-to", "pdf", "--outdir", str(tmp_path / folder),
                        *map(str, files)], check=True, capture_output=True, timeout=300)
    images = tmp_path / "images"
    different = []
    for source in sources:
        one, two = images / "source", images / "copy"
        one.mkdir(parents=True, exist_ok=True)
        two.mkdir(parents=True, exist_ok=True)
        if png_digests(tmp_path / "pdf-source" / f"{source.stem}.pdf", one) != png_digests(
                tmp_path / "pdf-copy" / f"{source.stem}.pdf", two):
            different.append(source.name)
    assert not different, different
