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

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = "word/document.xml"

# The children of w:tcPr that come after w:tcBorders (ECMA-376 CT_TcPr sequence).
_AFTER_BORDERS = frozenset(f"{{{W}}}{name}" for name in (
    "shd", "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers",
    "cellIns", "cellDel", "cellMerge", "tcPrChange"))
# The children of w:tcBorders, in their order.
_BORDER_ORDER = ("top", "start", "left", "bottom", "end", "right", "insideH", "insideV",
                 "tl2br", "tr2bl")


def _q(name: str) -> str:
    return f"{{{W}}}{name}"


TC, TC_PR, GRID_SPAN, V_MERGE = _q("tc"), _q("tcPr"), _q("gridSpan"), _q("vMerge")
VAL = _q("val")


def _keeps_with_next(tr: etree._Element) -> bool:
    """LibreOffice keeps a row with the next when its first cell's first paragraph keeps."""
    tc = tr.find(_q("tc"))
    paragraph = tc.find(_q("p")) if tc is not None else None
    return paragraph is not None and paragraph.find(f"{_q('pPr')}/{_q('keepNext')}") is not None


def _grid_cells(tr: etree._Element) -> dict[int, etree._Element]:
    """The row's cells by the grid column they start at."""
    before = tr.find(f"{_q('trPr')}/{_q('gridBefore')}")
    column = int(before.get(_q("val"), "0")) if before is not None else 0
    cells: dict[int, etree._Element] = {}
    for tc in tr.iterchildren(TC):
        cells[column] = tc
        props = tc.find(TC_PR)
        span = props.find(GRID_SPAN) if props is not None else None
        column += int(span.get(VAL, "1")) if span is not None else 1
    return cells


def _merge_state(tc: etree._Element) -> str | None:
    """"restart", "continue" or None (not part of a vertical merge)."""
    props = tc.find(TC_PR)
    merge = props.find(V_MERGE) if props is not None else None
    if merge is None:
        return None
    return "restart" if merge.get(VAL) == "restart" else "continue"


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


def _top_aligned(tc: etree._Element) -> bool:
    align = tc.find(f"{_q('tcPr')}/{_q('vAlign')}")
    return align is None or align.get(_q("val")) == "top"


def cut_merges(table: etree._Element) -> int:
    """Cut the top-aligned vertical merges of ``table`` where it may break; returns the cuts."""
    rows = table.findall(_q("tr"))
    grids: dict[int, dict[int, etree._Element]] = {}

    def grid(r: int) -> dict[int, etree._Element]:
        if r not in grids:
            grids[r] = _grid_cells(rows[r])
        return grids[r]

    cuts = 0
    for r in range(1, len(rows)):
        if _keeps_with_next(rows[r - 1]):
            continue  # the table does not break between r - 1 and r
        for column, tc in grid(r).items():
            if _merge_state(tc) != "continue":
                continue
            above = r - 1
            while above > 0 and _merge_state(grid(above).get(column, tc)) == "continue":
                above -= 1
            start = grid(above).get(column)
            if start is None or _merge_state(start) != "restart" or not _top_aligned(start):
                continue
            merge = tc.find(f"{_q('tcPr')}/{_q('vMerge')}")
            assert merge is not None
            merge.set(_q("val"), "restart")
            _set_border(grid(r - 1)[column], "bottom")
            _set_border(tc, "top")
            cuts += 1
    return cuts


def write_libreoffice_copy(source: Path, dest: Path) -> bool:
    """Write ``source`` to ``dest`` with its merges cut (:func:`cut_merges`); False when no merge
    crosses a place where a table may break, or ``source`` is no DOCX this can read (soffice
    then converts ``source`` itself and says what is wrong with it)."""
    try:
        return _write_copy(source, dest)
    except (OSError, KeyError, zipfile.BadZipFile, etree.LxmlError):
        return False


def _write_copy(source: Path, dest: Path) -> bool:
    with zipfile.ZipFile(source) as archive:
        parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
        root = etree.fromstring(archive.read(DOCUMENT), parser)
        cuts = sum(cut_merges(table) for table in root.iter(_q("tbl")))
        if not cuts:
            return False
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as copy:  # read once, then deleted
            for info in archive.infolist():
                data = archive.read(info)
                if info.filename == DOCUMENT:
                    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                          standalone=True)
                copy.writestr(info.filename, data)
    return True
