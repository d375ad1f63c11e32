"""The copy LibreOffice converts: table styles that say only what a table says itself, inlined.

LibreOffice 7.4 spends a fifth of its time on a report (loading and laying it out) applying the
table style its tables name, though the style — Word's "Table Grid", ``TableGrid``, on every
table of the default template — only sets borders, cell margins and an indent that each table
also states, or that are the defaults anyway. The copy converted instead writes what the style
would give into the table's own properties and names no style, so the table has exactly the
properties it had, and LibreOffice skips the style.

Only where that is sure to change nothing: every style of the chain (``basedOn``) has nothing but
table properties (no paragraph, run, row or cell properties, no conditional formats such as a
first row's), and of those only ones LibreOffice applies from a style as from the table (borders,
cell margins, indent, shading, layout), or ones the table states itself; the table's own borders
and margins each state all the sides the style states or none of them; and the default table
style, which applies to a table that names none, adds nothing the result does not already state.
Any other table keeps its style; the DOCX the user gets is never changed. That the copy prints
exactly as the document, pixel for pixel, is tested for every mix (tests/report/test_pdf_styles.py).
"""

from __future__ import annotations

import copy

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def w_tag(name: str) -> str:
    """The Clark name of a WordprocessingML element or attribute: ``{W}name``."""
    return f"{{{W}}}{name}"


_q = w_tag


STYLE, STYLE_ID, TYPE, DEFAULT, BASED_ON = _q("style"), _q("styleId"), _q("type"), _q("default"), \
    _q("basedOn")
TBL, TBL_PR, TBL_STYLE, VAL = _q("tbl"), _q("tblPr"), _q("tblStyle"), _q("val")

# What a style may hold besides its table properties and still be inlined: its name and how Word
# lists it (ECMA-376 CT_Style), none of which changes how a table looks.
_STYLE_INFO = frozenset(_q(name) for name in (
    "name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority",
    "semiHidden", "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose",
    "personalReply", "rsid", "tblPr"))
# The children of w:tblPr, in their order (CT_TblPr). A style's tracked change is not copied.
_TBL_PR_ORDER = tuple(_q(name) for name in (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
    "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
    "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"))
_TBL_PR_RANK = {tag: rank for rank, tag in enumerate(_TBL_PR_ORDER)}
# What LibreOffice 7.4 takes from a table style as it takes it from the table itself: a style's
# alignment (jc) and width (tblW), for one, it does not apply, so writing them into the table
# would move it (tests/report/test_pdf_styles.py prints every mix both ways). A style that sets
# anything else is inlined only where the table states that itself.
_SAME_FROM_STYLE = frozenset(_q(name) for name in (
    "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblStyleRowBandSize",
    "tblStyleColBandSize"))
# The properties that hold one setting per side; "start" is "left" and "end" is "right".
_SIDED = frozenset((_q("tblBorders"), _q("tblCellMar")))
_SIDE = {"start": "left", "end": "right"}

Properties = dict[str, etree._Element]  # a tblPr's children by tag


def _sides(sided: etree._Element) -> set[str]:
    sides = set()
    for child in sided:
        if isinstance(child.tag, str):
            name = etree.QName(child).localname
            sides.add(_SIDE.get(name, name))
    return sides


def _overlay(top: Properties, below: Properties) -> Properties | None:
    """``below`` with ``top`` over it, element by element; None when a property set per side is
    in both and ``top`` leaves a side of ``below`` unstated (how the sides combine is then left to
    the application)."""
    merged = dict(below)
    for tag, element in top.items():
        if tag in _SIDED and tag in below and not _sides(below[tag]) <= _sides(element):
            return None
        merged[tag] = element
    return merged


def _own_properties(style: etree._Element) -> Properties | None:
    """The table properties that ``style`` itself sets; None if it sets anything else."""
    found: Properties = {}
    for child in style:
        if not isinstance(child.tag, str):
            continue
        if child.tag not in _STYLE_INFO:
            return None
        if child.tag == TBL_PR:
            for item in child:
                if isinstance(item.tag, str) and item.tag in _TBL_PR_RANK \
                        and item.tag != TBL_STYLE:
                    found[item.tag] = item
                elif isinstance(item.tag, str):
                    return None  # a tracked change, or something this does not know
    return found


class TableStyles:
    """The table styles of a styles part, each resolved through its chain once."""

    def __init__(self, styles: etree._Element | None) -> None:
        self._styles: dict[str, etree._Element] = {}
        self._resolved: dict[str, Properties | None] = {}
        self._default: str | None = None
        if styles is None:
            return
        for style in styles.iterchildren(STYLE):
            style_id = style.get(STYLE_ID)
            if style.get(TYPE) == "table" and style_id and style_id not in self._styles:
                self._styles[style_id] = style
                if style.get(DEFAULT) in ("1", "true", "on") and self._default is None:
                    self._default = style_id

    def resolve(self, style_id: str) -> Properties | None:
        """What the style gives a table, its chain included; None if it is not sure to be only
        table properties (unknown, in a loop, or setting anything else)."""
        if style_id not in self._resolved:
            self._resolved[style_id] = None  # a loop in basedOn resolves to None
            self._resolved[style_id] = self._resolve(style_id)
        return self._resolved[style_id]

    def _resolve(self, style_id: str) -> Properties | None:
        style = self._styles.get(style_id)
        own = _own_properties(style) if style is not None else None
        if style is None or own is None:
            return None
        based_on = next(style.iterchildren(BASED_ON), None)
        if based_on is None or not based_on.get(VAL):
            return own
        below = self.resolve(based_on.get(VAL, ""))
        return None if below is None else _overlay(own, below)

    def default(self) -> Properties | None:
        """What a table that names no style gets; None if that is not only table properties."""
        return {} if self._default is None else self.resolve(self._default)


def _covers(result: Properties, default: Properties) -> bool:
    """Whether ``default`` adds nothing under ``result``."""
    for tag, element in default.items():
        if tag not in result:
            return False
        if tag in _SIDED and not _sides(element) <= _sides(result[tag]):
            return False
    return True


def inline_table_style(table: etree._Element, styles: TableStyles) -> bool:
    """Write what the table's style gives it into its own properties and drop the style name,
    if that is sure to change nothing (see the module's docstring); True if it did."""
    props = next(table.iterchildren(TBL_PR), None)
    named = next(props.iterchildren(TBL_STYLE), None) if props is not None else None
    if props is None or named is None:
        return False
    from_style = styles.resolve(named.get(VAL, ""))
    default = styles.default()
    if from_style is None or default is None:
        return False
    own: Properties = {}
    for item in props:
        if isinstance(item.tag, str) and item.tag != TBL_STYLE:
            own[item.tag] = item
    if any(tag not in _SAME_FROM_STYLE and tag not in own for tag in from_style):
        return False
    result = _overlay(own, from_style)
    if result is None or not _covers(result, default):
        return False
    props.remove(named)
    for tag in _TBL_PR_ORDER:
        if tag in from_style and tag not in own:
            _insert_in_order(props, _copy(from_style[tag]))
    return True


def _copy(element: etree._Element) -> etree._Element:
    copied = copy.deepcopy(element)
    copied.tail = None  # deepcopy takes the text after the element too
    return copied


def _insert_in_order(props: etree._Element, element: etree._Element) -> None:
    rank = _TBL_PR_RANK[element.tag]
    for index, child in enumerate(props):
        # before the first property ranked after it, or before a tracked change (which is last)
        if isinstance(child.tag, str) and _TBL_PR_RANK.get(child.tag, len(_TBL_PR_RANK)) > rank:
            props.insert(index, element)
            return
    props.append(element)


def inline_table_styles(document: etree._Element, styles: etree._Element | None) -> int:
    """Inline the style of every table of ``document`` where that changes nothing; returns how
    many were."""
    known = TableStyles(styles)
    return sum(inline_table_style(table, known) for table in document.iter(TBL))
