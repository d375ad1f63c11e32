"""The copy of a report that LibreOffice converts: vertical merges cut where the table may break.

LibreOffice 7.4 lays a table out in a loop of 8–10 s of CPU, and often leaves it broken (a squashed
last row, text drawn over the table below), when the table breaks inside a vertically merged cell
while the rows after the break are kept together (``keepNext``) and more than one of them would
fit above the break: its follow-flow line for the cut merge and its keep rule undo each other
until a loop limit stops them. 表三 does exactly that: "三、本年度办理结果" spans 22 rows, and the
table may break after each of its groups （三）–（六）, each kept whole.

The copy converted instead cuts such a merge at every row after which the table may break (a row
whose first cell's first paragraph does not keep with the next, LibreOffice's own rule) into
merges that do not cross a break, with no border between the parts, so that it prints the same:
one cell whose text stands in its first part. Only merges whose text stands at the top are cut
(text centred over the whole merge would move); the DOCX the user gets is not changed. Where the
table does break at a cut, the cut cell has no line along the foot of the page.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from .pdf_styles import inline_table_styles
from .pdf_styles import w_tag as _q

DOCUMENT = "word/document.xml"

# The children of w:tcPr that come after w:tcBorders (ECMA-376 CT_TcPr sequence).
_AFTER_BORDERS = frozenset(_q(name) for name in (
    "shd", "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers",
    "cellIns", "cellDel", "cellMerge", "tcPrChange"))
# The children of w:tcBorders, in their order.
_BORDER_ORDER = ("top", "start", "left", "bottom", "end", "right", "insideH", "insideV",
                 "tl2br", "tr2bl")


TC, TC_PR, GRID_SPAN, V_MERGE = _q("tc"), _q("tcPr"), _q("gridSpan"), _q("vMerge")
TR, TR_PR, GRID_BEFORE, V_ALIGN = _q("tr"), _q("trPr"), _q("gridBefore"), _q("vAlign")
P, P_PR, KEEP_NEXT, VAL = _q("p"), _q("pPr"), _q("keepNext"), _q("val")


# A report's tables have a few hundred cells: these helpers look at each element's children
# directly (lxml's find() goes through ElementPath, several times slower).
def _first(parent: etree._Element | None, tag: str) -> etree._Element | None:
    """The first child of ``parent`` with ``tag``."""
    if parent is not None:
        for child in parent.iterchildren(tag):
            return child
    return None


class _Cell(NamedTuple):
    tc: etree._Element
    merge: etree._Element | None  # its w:vMerge
    top: bool  # its text stands at the top (no w:vAlign, or "top")


def _row(tr: etree._Element) -> tuple[dict[int, _Cell], bool]:
    """The row's cells by the grid column they start at, and whether LibreOffice keeps the row
    with the next (its first cell's first paragraph keeps with the next)."""
    before = _first(_first(tr, TR_PR), GRID_BEFORE)
    column = int(before.get(VAL, "0")) if before is not None else 0
    cells: dict[int, _Cell] = {}
    first: etree._Element | None = None
    for tc in tr.iterchildren(TC):
        first = tc if first is None else first
        span, merge, align = 1, None, None
        props = _first(tc, TC_PR)
        if props is not None:
            for item in props:
                tag = item.tag
                if tag == GRID_SPAN and span == 1:
                    span = int(item.get(VAL, "1"))
                elif tag == V_MERGE and merge is None:
                    merge = item
                elif tag == V_ALIGN and align is None:
                    align = item
        cells[column] = _Cell(tc, merge, align is None or align.get(VAL) == "top")
        column += span
    keeps = _first(_first(_first(first, P), P_PR), KEEP_NEXT) is not None
    return cells, keeps


def _set_border(tc: etree._Element, side: str) -> None:
    """Give ``tc`` no border on ``side`` ("top" or "bottom")."""
    props = tc.find(_q("tcPr"))
    if props is None:
        props = etree.Element(_q("tcPr"))
        tc.insert(0, props)
    borders = props.find(_q("tcBorders"))
    if borders is None:
        borders = etree.Element(_q("tcBorders"))
        after = [i for i, child in enumerate(props) if child.tag in _AFTER_BORDERS]
        props.insert(after[0] if after else len(props), borders)
    old = borders.find(_q(side))
    if old is not None:
        borders.remove(old)
    edge = etree.Element(_q(side))
    edge.set(_q("val"), "nil")
    rank = _BORDER_ORDER.index(side)
    later = [i for i, child in enumerate(borders)
             if etree.QName(child).localname in _BORDER_ORDER
             and _BORDER_ORDER.index(etree.QName(child).localname) > rank]
    borders.insert(later[0] if later else len(borders), edge)


def cut_merges(table: etree._Element) -> int:
    """Cut the top-aligned vertical merges of ``table`` where it may break; returns the cuts.

    One pass over the rows, holding for each grid column the cell that starts its open merge
    (a row with no cell at a column leaves it open; a cell in no merge closes it). A continuing
    cell right after a possible break, whose merge starts with a top-aligned cell and whose row
    above has a cell at its column, starts a merge of its own, with no border between it and the
    part above.
    """
    starts: dict[int, _Cell] = {}
    previous: dict[int, _Cell] = {}
    breakable = False  # whether the table may break between the previous row and this one
    cuts = 0
    for tr in table.iterchildren(TR):
        cells, keeps = _row(tr)
        for column, cell in cells.items():
            if cell.merge is None:
                starts.pop(column, None)
            elif cell.merge.get(VAL) == "restart":
                starts[column] = cell
            elif breakable and column in previous and column in starts and starts[column].top:
                cell.merge.set(VAL, "restart")
                _set_border(previous[column].tc, "bottom")
                _set_border(cell.tc, "top")
                starts[column] = cell
                cuts += 1
        previous, breakable = cells, not keeps
    return cuts


# Hanging punctuation: LibreOffice 7.4 lets a full-width 「，」 that does not fit at the end of a
# justified line hang into the margin, and then does not draw it: the PDF lacks the comma (6 of
# the 35 sample reports lost 8). It reads <w:overflowPunct w:val="1"/> as no hanging (its ODF
# output says style:punctuation-wrap="simple"; "0" gives "hanging"), so the copy says that in
# its defaults and nowhere else; the line then breaks before the last character instead.
STYLES = "word/styles.xml"
OVERFLOW_PUNCT = _q("overflowPunct")
# The children of w:pPr that come after w:overflowPunct (ECMA-376 CT_PPrBase sequence).
_AFTER_OVERFLOW = frozenset(_q(name) for name in (
    "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
    "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
    "rPr", "sectPr", "pPrChange"))


def no_hanging_punctuation(styles: etree._Element) -> None:
    """Make the styles part say, once in its defaults, that punctuation never hangs (see above)."""
    _remove_all(styles, OVERFLOW_PUNCT)
    defaults = _first(styles, _q("docDefaults"))
    if defaults is None:
        defaults = etree.Element(_q("docDefaults"))
        styles.insert(0, defaults)
    ppr_default = _first(defaults, _q("pPrDefault"))
    if ppr_default is None:
        ppr_default = etree.SubElement(defaults, _q("pPrDefault"))
    ppr = _first(ppr_default, P_PR)
    if ppr is None:
        ppr = etree.SubElement(ppr_default, P_PR)
    later = [i for i, child in enumerate(ppr) if child.tag in _AFTER_OVERFLOW]
    flag = etree.Element(OVERFLOW_PUNCT)
    flag.set(VAL, "1")
    ppr.insert(later[0] if later else len(ppr), flag)


def _remove_all(root: etree._Element, tag: str) -> None:
    for old in list(root.iter(tag)):
        parent = old.getparent()
        if parent is not None:
            parent.remove(old)


def write_libreoffice_copy(source: Path, dest: Path) -> bool:
    """Write ``source`` to ``dest`` with its merges cut (:func:`cut_merges`), punctuation that
    never hangs (:func:`no_hanging_punctuation`) and table styles inlined where that changes
    nothing (:mod:`.pdf_styles`); False when ``source`` is no DOCX this can read
    (soffice then converts ``source`` itself and says what is wrong with it)."""
    try:
        return _write_copy(source, dest)
    except (OSError, KeyError, zipfile.BadZipFile, etree.LxmlError):
        return False


def _write_copy(source: Path, dest: Path) -> bool:
    with zipfile.ZipFile(source) as archive:
        parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
        root = etree.fromstring(archive.read(DOCUMENT), parser)
        for table in root.iter(_q("tbl")):
            cut_merges(table)
        _remove_all(root, OVERFLOW_PUNCT)  # a paragraph's own setting would win
        names = archive.namelist()
        styles = etree.fromstring(archive.read(STYLES), parser) if STYLES in names else None
        inline_table_styles(root, styles)  # before the styles change below
        if styles is not None:
            no_hanging_punctuation(styles)
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as copy:  # read once, then deleted
            for info in archive.infolist():
                data = archive.read(info)
                if info.filename == DOCUMENT:
                    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                          standalone=True)
                elif info.filename == STYLES and styles is not None:
                    data = etree.tostring(styles, xml_declaration=True, encoding="UTF-8",
                                          standalone=True)
                copy.writestr(info.filename, data)
    return True
