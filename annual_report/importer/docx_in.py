"""Read a DOCX of any layout into blocks: the body in order, paragraphs and tables.

Tables become grids with merged cells expanded (``w:gridSpan``, ``w:vMerge``, ``w:gridBefore``);
a table holding other tables (a layout table) or a single cell is unwrapped and its contents read
as body text; content controls (``w:sdt``) and tracked insertions are read, deletions are not.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from ..errors import InputError
from .blocks import (
    Block,
    Cell,
    Document,
    Para,
    is_heading_row,
    is_layout_cell,
    printed_table,
    raised,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT_TAGS = (f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}sym")


def _text(p: Any) -> str:
    """A paragraph's text: w:t of runs (insertions included), tabs as spaces, breaks as line ends.

    A text box is stored twice (``mc:AlternateContent``: the ``mc:Choice`` that Word shows and
    an ``mc:Fallback`` copy for older readers); only the first is read."""
    # The set holds the elements themselves: lxml then hands out these same objects below.
    fallback = {node for box in p.iter(MC_FALLBACK) for node in box.iter(*_TEXT_TAGS)}
    parts: list[str] = []
    for node in p.iter(*_TEXT_TAGS):
        if fallback and node in fallback:
            continue
        tag = node.tag
        if tag == f"{W}t":
            parts.append(raised(node.text or "", _vertical(node)))
        elif tag == f"{W}tab":
            parts.append(" ")
        elif tag == f"{W}sym":
            continue
        else:
            parts.append("\n")
    return "".join(parts)


def _vertical(t: Any) -> str:
    """"sup" or "sub" for the text of a run printed raised or lowered (``w:vertAlign``)."""
    run = t.getparent()
    props = run.find(f"{W}rPr") if run is not None else None
    align = props.find(f"{W}vertAlign") if props is not None else None
    value = align.get(f"{W}val") if align is not None else None
    return {"superscript": "sup", "subscript": "sub"}.get(value or "", "")


_CHINESE = "一二三四五六七八九十"
_CHINESE_FORMATS = ("chineseCounting", "chineseCountingThousand", "ideographTraditional",
                    "japaneseCounting", "chineseLegalSimplified", "taiwaneseCounting")


class Numbering:
    """Word's automatic list numbers (``w:numPr``), so that a heading numbered by Word reads
    「一、总体情况」 as printed, not 「总体情况」.

    Counters belong to the abstract list (list instances sharing it continue its numbering), a
    ``w:startOverride`` restarts it, a level's counter restarts when a higher level advances.
    Only single-level labels (「%1、」, 「（%2）」) in decimal or Chinese counting are produced; any
    other numbering is left out rather than guessed.
    """

    def __init__(self, document: Any) -> None:
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (abstract, ilvl) -> fmt
        self.lists: dict[str, str] = {}  # numId -> abstractNumId
        self.overrides: dict[tuple[str, int], int] = {}  # (numId, ilvl) -> start
        self.counts: dict[tuple[str, int], int] = {}
        self.started: set[tuple[str, int]] = set()
        self._styles(document)
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for node in root.findall(f"{W}abstractNum"):
            aid = str(node.get(f"{W}abstractNumId"))
            for lvl in node.findall(f"{W}lvl"):
                fmt, text, start = lvl.find(f"{W}numFmt"), lvl.find(f"{W}lvlText"), lvl.find(f"{W}start")
                self.levels[(aid, int(lvl.get(f"{W}ilvl", 0)))] = (
                    fmt.get(f"{W}val", "") if fmt is not None else "",
                    text.get(f"{W}val", "") if text is not None else "",
                    _int_attr(start, "val", 1))
        for num in root.findall(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            if ref is None:
                continue
            nid = str(num.get(f"{W}numId"))
            self.lists[nid] = str(ref.get(f"{W}val"))
            for override in num.findall(f"{W}lvlOverride"):
                start = override.find(f"{W}startOverride")
                if start is not None:
                    self.overrides[(nid, int(override.get(f"{W}ilvl", 0)))] = _int_attr(start, "val", 1)

    def _styles(self, document: Any) -> None:
        """Each paragraph style's numbering (``w:numPr`` in the style or one it is based on)."""
        self.style_numbers: dict[str, tuple[str, int]] = {}
        try:
            root = document.styles.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        own: dict[str, Any] = {}
        based: dict[str, str] = {}
        for style in root.findall(f"{W}style"):
            sid = str(style.get(f"{W}styleId"))
            own[sid] = style.find(f"{W}pPr/{W}numPr")
            parent = style.find(f"{W}basedOn")
            if parent is not None:
                based[sid] = str(parent.get(f"{W}val"))
        for sid in own:
            seen, current = set(), sid
            while current in own and current not in seen and own[current] is None:
                seen.add(current)
                current = based.get(current, "")
            pr = own.get(current)
            if pr is not None:
                num = pr.find(f"{W}numId")
                if num is not None:
                    self.style_numbers[sid] = (str(num.get(f"{W}val")),
                                               _int_attr(pr.find(f"{W}ilvl"), "val", 0))

    def label(self, p: Any) -> str:
        pr = p.find(f"{W}pPr/{W}numPr")
        style = p.find(f"{W}pPr/{W}pStyle")
        if pr is None and style is not None and str(style.get(f"{W}val")) in self.style_numbers:
            nid, ilvl = self.style_numbers[str(style.get(f"{W}val"))]  # numbered by its style
        elif pr is None:
            return ""
        else:
            num, ilvl_node = pr.find(f"{W}numId"), pr.find(f"{W}ilvl")
            nid = str(num.get(f"{W}val")) if num is not None else ""
            ilvl = _int_attr(ilvl_node, "val", 0)
            if num is None and style is not None and str(style.get(f"{W}val")) in self.style_numbers:
                nid = self.style_numbers[str(style.get(f"{W}val"))][0]  # the level alone is set
        aid = self.lists.get(nid)
        if aid is None or (aid, ilvl) not in self.levels:
            return ""
        fmt, text, start = self.levels[(aid, ilvl)]
        key = (aid, ilvl)
        if (nid, ilvl) in self.overrides and (nid, ilvl) not in self.started:
            self.started.add((nid, ilvl))
            self.counts[key] = self.overrides[(nid, ilvl)] - 1
        n = self.counts.get(key, start - 1) + 1
        self.counts[key] = n
        for deeper in [k for k in self.counts if k[0] == aid and k[1] > ilvl]:
            del self.counts[deeper]
        if fmt in _CHINESE_FORMATS and 1 <= n <= 10:
            shown = _CHINESE[n - 1]
        elif fmt == "decimal":
            shown = str(n)
        else:
            return ""
        label = text.replace(f"%{ilvl + 1}", shown)
        return "" if "%" in label or label == text else label


def _paragraphs(p: Any, numbering: Numbering) -> list[Para]:
    """One paragraph, split at manual line breaks (each printed line is a paragraph then)."""
    label = numbering.label(p)
    lines = [line.strip() for line in _text(p).split("\n") if line.strip()]
    if label and lines:
        lines[0] = label + lines[0]
    return [Para(line) for line in lines]


def _cell_text(tc: Any) -> str:
    lines: list[str] = []
    for child in tc:
        if child.tag == f"{W}p":
            lines.append(_text(child).strip())
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                lines.append(_cell_text(content))
    return "\n".join(x for x in lines if x)


def _int_attr(node: Any, name: str, default: int) -> int:
    if node is None:
        return default
    try:
        return int(node.get(f"{W}val", default))
    except ValueError:
        return default


def _heading_rows(tbl: Any) -> list[Any]:
    """The table's first rows that hold one section heading each (the table starts below)."""
    rows = tbl.findall(f"{W}tr")
    heads = []
    for tr in rows[:-1]:
        cells = tr.findall(f"{W}tc")
        if len(cells) != 1 or not is_heading_row(_cell_text(cells[0])):
            break
        heads.append(cells[0])
    return heads


def _is_layout(tbl: Any, skip: int) -> bool:
    cells = [tc for tr in tbl.findall(f"{W}tr")[skip:] for tc in tr.findall(f"{W}tc")]
    return len(cells) <= 1 or tbl.find(f".//{W}tc//{W}tbl") is not None or any(
        is_layout_cell(_cell_text(tc)) for tc in cells)


def _grid(tbl: Any, skip: int) -> list[list[Cell]]:
    """The table's rows as printed (not yet padded to one width), but the first ``skip``."""
    rows: list[list[Cell]] = []
    for tr in tbl.findall(f"{W}tr")[skip:]:
        row: list[Cell] = []
        pr = tr.find(f"{W}trPr")
        before = _int_attr(pr.find(f"{W}gridBefore") if pr is not None else None, "val", 0)
        row.extend(Cell("") for _ in range(before))
        for tc in tr.findall(f"{W}tc"):
            tcpr = tc.find(f"{W}tcPr")
            span = _int_attr(tcpr.find(f"{W}gridSpan") if tcpr is not None else None, "val", 1)
            vmerge = tcpr.find(f"{W}vMerge") if tcpr is not None else None
            column = len(row)
            if vmerge is not None and vmerge.get(f"{W}val", "continue") == "continue" and rows \
                    and column < len(rows[-1]):
                cell = rows[-1][column]  # continues the cell above
            else:
                cell = Cell(_cell_text(tc))
            row.extend(cell for _ in range(max(span, 1)))
        rows.append(row)
    return rows


def _walk(parent: Any, out: list[Block], numbering: Numbering) -> None:
    for child in parent:
        tag = child.tag
        if tag == f"{W}p":
            out.extend(_paragraphs(child, numbering))
        elif tag == f"{W}tbl":
            heads = _heading_rows(child)
            for tc in heads:  # section headings printed as the table's first rows
                _walk(tc, out, numbering)
            if _is_layout(child, len(heads)):
                for tc in child.iter(f"{W}tc"):
                    if tc.getparent() is not None and tc.getparent().getparent() is child \
                            and not any(tc is head for head in heads):
                        _walk(tc, out, numbering)
            else:
                table = printed_table(_grid(child, len(heads)))
                if table is not None:
                    out.append(table)
        elif tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag"):
            _walk(child, out, numbering)


def read_docx(path: Path) -> Document:
    """The blocks of a Word document (``.docx``)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InputError(
            f"{path.name} 不是能打开的 Word 文档（.docx）：{error}。请用 Word 或 WPS 打开后另存为 .docx 再导入。"
        ) from None
    blocks: list[Block] = []
    _walk(document.element.body, blocks, Numbering(document))
    return Document(blocks)
