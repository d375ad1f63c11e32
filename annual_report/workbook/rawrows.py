"""The rows of an ``.xlsx`` sheet as XML, each with a digest of everything its cells read as.

A row's digest covers the bytes of its ``<row>`` element (its number, every cell, style and
formula) and the bytes of every shared string its cells use, so a row reads the same as last
time exactly when its digest is the same, wherever Excel or WPS moved its strings in
``sharedStrings.xml``. The *frame* digest covers everything else that could change how a cell
reads: every other part of the file (styles, the workbook's date system, the other sheets) and
the sheet's XML outside its rows; only ``docProps/`` (who saved it, when) is left out.

A sheet this module cannot take apart with certainty (a namespace prefix, a row without its
number, a shared-string cell written in an unexpected way) gives None: its reader then reads
the whole workbook, as it always does. :func:`write_subset` writes a copy of the file that holds
only some of the rows (and the shared strings they use), for the reader to parse just those.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .sheets import sheet_part

_DIGEST_SIZE = 20
_ROW_NUMBER = re.compile(rb'[^>]*?\sr="([0-9]+)"')
_SHARED_CELL = re.compile(rb't="s"[^>]*>\s*<v>([0-9]+)</v>')  # t="s" first: searched fast
_ITEM = re.compile(rb"<si\b")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SST_TYPE = "/sharedStrings"
_MAX_ROW_XML = 1 << 26  # a row of over 64 MiB is no master's: read it the usual way


@dataclass
class RawSheet:
    """One sheet's rows as XML: (sheet row number, digest, XML) in file order."""

    path: Path
    part: str  # the sheet's zip member
    strings_part: str | None
    frame: bytes
    numbers: list[int]
    digests: list[bytes]
    spans: list[tuple[int, int]]  # each row's bytes in ``data``
    data: bytes  # the sheet's XML
    strings: bytes  # sharedStrings.xml
    items: list[tuple[int, int]]  # each shared string's bytes in ``strings``

    def row_xml(self, index: int) -> bytes:
        start, end = self.spans[index]
        return self.data[start:end]


def _strings_part(archive: zipfile.ZipFile) -> str | None:
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = [rel.get("Target", "") for rel in rels.iter(f"{_RELS_NS}Relationship")
               if rel.get("Type", "").endswith(_SST_TYPE)]
    if len(targets) != 1:
        return None if not targets else "?"  # several: not a file to take apart
    target = targets[0]
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _items(strings: bytes) -> list[tuple[int, int]] | None:
    """Each ``<si>`` item's span: from its start to the next item's start (the last to the end
    of its ``</si>``)."""
    starts = [m.start() for m in _ITEM.finditer(strings)]
    if not starts:
        return []
    last_end = strings.rfind(b"</si>")
    if last_end < starts[-1]:
        return None
    ends = [*starts[1:], last_end + len(b"</si>")]
    return list(zip(starts, ends, strict=True))


def read_raw_sheet(path: Path, sheet: str) -> RawSheet | None:
    """The rows of ``sheet`` with their digests, or None where the file cannot be taken apart
    with certainty (the caller then reads it whole)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            strings_part = _strings_part(archive)
            if part is None or strings_part == "?":
                return None
            frame = hashlib.blake2b(b"frame\0", digest_size=_DIGEST_SIZE)
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                name = info.filename
                if name in (part, strings_part) or name.startswith("docProps/"):
                    continue
                frame.update(name.encode("utf-8") + b"\0%d\0" % info.file_size)
                frame.update(archive.read(info))
            data = archive.read(part)
            strings = archive.read(strings_part) if strings_part else b""
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, etree.XMLSyntaxError):
        return None
    items = _items(strings)
    body = _body(data)
    if items is None or body is None:
        return None
    start, end = body
    frame.update(b"\0sheet\0" + data[:start] + b"\0" + data[end:])
    rows = _rows(data, start, end, strings, items)
    if rows is None:
        return None
    numbers, digests, spans = rows
    return RawSheet(path, part, strings_part, frame.digest(), numbers, digests, spans, data,
                    strings, items)


def _body(data: bytes) -> tuple[int, int] | None:
    """The span of ``<sheetData>``'s content."""
    open_tag = data.find(b"<sheetData>")
    close_tag = data.rfind(b"</sheetData>")
    if open_tag < 0 or close_tag < open_tag or data.count(b"<sheetData") != 1:
        return None
    return open_tag + len(b"<sheetData>"), close_tag


def _rows(data: bytes, start: int, end: int, strings: bytes, items: list[tuple[int, int]]
          ) -> tuple[list[int], list[bytes], list[tuple[int, int]]] | None:
    numbers: list[int] = []
    digests: list[bytes] = []
    spans: list[tuple[int, int]] = []
    if not data[start:end].strip():
        return numbers, digests, spans
    # Every shared-string cell's index, in order: each match holds exactly one t="s", so when
    # the counts agree, a row's own are the next as many as it has t="s" (C speed, no copies).
    # Where each index sits, and which string it names: the digest hashes the string in its
    # place, so the same texts stored in another order give the same digests.
    refs = [(m.start(1), m.end(1), int(m.group(1)))
            for m in _SHARED_CELL.finditer(data, start, end)]
    if len(refs) != data.count(b't="s"', start, end) or data.find(b"t='s'", start, end) >= 0:
        return None  # a shared-string cell written another way
    if refs and max(ref for _a, _b, ref in refs) >= len(items):
        return None
    view, texts = memoryview(data), memoryview(strings)
    position, taken, last = start, 0, 0
    blake2b, find, count = hashlib.blake2b, data.find, data.count
    while position < end:
        opening = find(b"<row ", position, end)
        if opening < 0 or data[position:opening].strip():
            return None  # something else between the rows (or a prefixed tag)
        head_end = find(b">", opening, end)
        if head_end < 0:
            return None
        if data[head_end - 1] == 0x2F:  # <row r="5" .../>: a row without cells
            close = head_end + 1
        else:
            close = find(b"</row>", head_end, end)
            if close < 0:
                return None
            close += 6
        number = _ROW_NUMBER.match(data, opening + 4, head_end + 1)
        if number is None or int(number.group(1)) <= last or close - opening > _MAX_ROW_XML:
            return None  # rows without numbers, or out of order: not for us
        last = int(number.group(1))
        digest = blake2b(digest_size=_DIGEST_SIZE)
        shared = count(b't="s"', opening, close)
        cursor = opening
        for a, b, ref in refs[taken:taken + shared]:  # an item starts with "<si": unambiguous
            digest.update(view[cursor:a])
            first, last_byte = items[ref]
            digest.update(texts[first:last_byte])
            cursor = b
        digest.update(view[cursor:close])
        taken += shared
        numbers.append(last)
        digests.append(digest.digest())
        spans.append((opening, close))
        position = close
    return numbers, digests, spans


def write_subset(raw: RawSheet, keep: list[int], target: Path) -> None:
    """Write to ``target`` a copy of the workbook whose sheet holds only the rows at the
    positions ``keep`` (in order), and whose other shared strings are blank (positions kept)."""
    used: set[int] = set()
    parts = []
    for index in keep:
        row = raw.row_xml(index)
        parts.append(row)
        used.update(int(ref) for ref in _SHARED_CELL.findall(row))
    first, last = raw.spans[0][0] if raw.spans else 0, raw.spans[-1][1] if raw.spans else 0
    head = _DIMENSION.sub(b"", raw.data[:first], count=1)  # the old extent is not this one's
    sheet = b"".join([head, *parts, raw.data[last:]])
    with zipfile.ZipFile(raw.path) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            if info.filename == raw.part:
                copy.writestr(info.filename, sheet)
            elif info.filename == raw.strings_part:
                copy.writestr(info.filename, _blanked(raw, used))
            else:
                copy.writestr(info.filename, source.read(info))


def _blanked(raw: RawSheet, used: set[int]) -> bytes:
    items = raw.items
    if not items:
        return raw.strings
    blank = b"<si><t></t></si>"
    out = [raw.strings[:items[0][0]]]
    out.extend(raw.strings[a:b] if i in used else blank for i, (a, b) in enumerate(items))
    out.append(raw.strings[items[-1][1]:])
    return b"".join(out)
