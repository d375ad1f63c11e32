"""Read a saved web page (``.html``/``.htm``) into blocks.

The encoding is found in this order: a byte-order mark, a ``<meta charset>`` (or the
``http-equiv`` form), then strict UTF-8, then GB18030 (a superset of GBK and GB2312, which pages
without a meta charset use). The page is parsed with lxml; scripts, styles and forms are dropped;
block elements and ``<br>`` end paragraphs; ``<table>`` becomes a grid with ``rowspan`` and
``colspan`` expanded. A table that holds other tables, or a single cell, is a layout table: its
contents are read as body text.

pandas.read_html is not used: it copies a merged cell's text into every position it covers and
guesses header rows, so a label spanning columns cannot be told from repeated text, nor a split
cell from its neighbour, and a printed "/" or blank is turned into NaN.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

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
    tidy,
)

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_BLOCK = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol section article header footer blockquote pre "
    "dd dt dl center form address nav aside main figure figcaption hr caption".split()
)
_SKIP = frozenset("script style noscript template head select option button iframe object".split())


def decode(data: bytes) -> tuple[str, str, str]:
    """The page's text, the encoding used and how it was chosen (Chinese).

    A byte order mark decides; then text that is valid UTF-8 is UTF-8, whatever the page
    declares (Chinese text in GBK is practically never valid UTF-8, while GB18030 decodes
    nearly any bytes, UTF-8 ones into nonsense: a page saved as UTF-8 that still declares
    gb2312 is common); then the declared charset; then GB18030."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name), name, "按文件开头的字节顺序标记"
    match = _META.search(data[:4096])
    declared = match.group(1).decode("ascii").lower() if match else None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared in (None, "utf-8", "utf8"):
            return text, "utf-8", ("按网页中的 meta charset" if declared else "网页没有声明编码，按内容识别")
        return text, "utf-8", f"网页声明的是 {declared}，但内容是 UTF-8，按内容识别"
    if declared:
        name = "gb18030" if declared in ("gb2312", "gbk", "gb18030", "x-gbk", "cp936") else declared
        try:
            return data.decode(name), name, "按网页中的 meta charset"
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong meta charset: fall back to detection
    how = f"网页声明的是 {declared}，与内容不符，按内容识别" if declared else "网页没有声明编码，按内容识别"
    try:
        return data.decode("gb18030"), "gb18030", how
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace"), "gb18030（有无法识别的字节）", how


def _span(node: Any, name: str) -> int:
    try:
        return max(1, min(int(str(node.get(name, "1")).strip() or 1), 100))
    except ValueError:
        return 1


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.line: list[str] = []

    def flush(self) -> None:
        text = tidy("".join(self.line))
        self.line = []
        if text:
            self.blocks.append(Para(text))

    def walk(self, node: Any) -> None:
        if not isinstance(node.tag, str):  # a comment or processing instruction: not printed
            self.line.append(node.tail or "")  # (Word's <![if !supportLists]> becomes one)
            return
        tag = node.tag.lower()
        if tag in _SKIP:
            self.line.append(node.tail or "")
            return
        if tag == "table":
            self.flush()
            self.table(node)
            self.line.append(node.tail or "")
            return
        if tag == "br":
            self.flush()
            self.line.append(node.tail or "")
            return
        if tag in ("sup", "sub"):  # a footnote mark is no part of the figure before it
            inner = _Reader()
            inner.walk_children(node)
            self.line.append(raised(" ".join(b.text for b in inner.blocks
                                             if isinstance(b, Para)), tag))
            self.line.append(node.tail or "")
            return
        block = tag in _BLOCK or tag in ("td", "th", "tr")
        if block:
            self.flush()
        self.line.append(node.text or "")
        for child in node:
            self.walk(child)
        if block:
            self.flush()
        self.line.append(node.tail or "")

    def table(self, node: Any) -> None:
        rows = [tr for tr in node.iter("tr") if _owner(tr) is node]
        while len(rows) > 1:  # a section heading printed as the table's first row
            first = [td for td in rows[0] if isinstance(td.tag, str) and td.tag in ("td", "th")]
            if len(first) != 1 or not is_heading_row(text := tidy(_cell_text(first[0]))):
                break
            self.blocks.append(Para(text))
            rows = rows[1:]
        cells = [td for tr in rows for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]
        if len(cells) <= 1 or any(t is not node for t in node.iter("table")) or any(
                is_layout_cell(_cell_text(td)) for td in cells):
            for td in cells:  # a layout table: its cells are body text
                self.walk_children(td)
            return
        grid: list[list[Cell | None]] = []
        for r, tr in enumerate(rows):
            while len(grid) <= r:
                grid.append([])
            c = 0
            for td in tr:
                if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                    continue
                while c < len(grid[r]) and grid[r][c] is not None:
                    c += 1
                cell = Cell(_cell_text(td))
                for dr in range(_span(td, "rowspan")):
                    while len(grid) <= r + dr:
                        grid.append([])
                    target = grid[r + dr]
                    for dc in range(_span(td, "colspan")):
                        while len(target) <= c + dc:
                            target.append(None)
                        target[c + dc] = cell
                c += _span(td, "colspan")
        # a rowspan reaching past the last row adds rows of its own: the table (a piece of one
        # split in two) ends at its last <tr>
        table = printed_table([[x or Cell("") for x in row] for row in grid[:len(rows)]])
        if table is not None:
            self.blocks.append(table)

    def walk_children(self, node: Any) -> None:
        self.flush()
        self.line.append(node.text or "")
        for child in node:
            self.walk(child)
        self.flush()


def _owner(node: Any) -> Any:
    """The nearest enclosing <table> of a <tr>/<table>."""
    parent = node.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _cell_text(td: Any) -> str:
    reader = _Reader()
    reader.walk_children(td)
    return "\n".join(b.text for b in reader.blocks if isinstance(b, Para))


def read_html(path: Path) -> Document:
    """The blocks of a saved web page."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"无法读取 {path}：{error.strerror}。") from None
    text, encoding, how = decode(data)
    try:
        root = lxml_html.document_fromstring(text.encode("utf-8"),
                                              parser=lxml_html.HTMLParser(encoding="utf-8"))
    except Exception as error:  # lxml raises several types for unusable input
        raise InputError(f"{path.name} 不是能读取的网页：{error}。") from None
    title_node = root.find(".//title")
    title = tidy("".join(str(t) for t in title_node.itertext())) if title_node is not None else ""
    body = root.find("body")
    reader = _Reader()
    reader.walk(body if body is not None else root)
    reader.flush()
    notes = [f"网页编码：{encoding}（{how}）。"]
    return Document(reader.blocks, notes, title)
