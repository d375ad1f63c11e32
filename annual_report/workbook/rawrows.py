"""The rows of an ``.xlsx`` sheet as XML, each with a digest of everything its cells read as.

A row's digest covers the bytes of its ``<row>`` element (its number, every cell, style and
formula) and, in place of each shared-string index, the digest of the string it names, so a row
reads the same as last time exactly when its digest is the same, wherever Excel or WPS moved
its strings in ``sharedStrings.xml``. The *frame* digest covers everything else that could change how a cell
reads: every other part of the file (styles, the workbook's date system, the other sheets) and
the sheet's XML outside its rows; only ``docProps/`` (who saved it, when) is left out.

A sheet this module cannot take apart with certainty (a namespace prefix, a row without its
number, a shared-string cell written in an unexpected way) gives None: its reader then reads
the whole workbook, as it always does. :func:`write_subset` writes a copy of the file that holds
only some of the rows (and the shared strings they use), for the reader to parse just those.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .sheets import related_parts, sheet_part
from .zipread import read_member, stored_digest

_DIGEST_SIZE = 20
_ITEM_DIGEST = 16  # bytes of a shared string's SHA-256 that stand for it in a row's digest
_ROW_NUMBER = re.compile(rb'[^>]*?\sr="([0-9]+)"')
_SHARED_CELL = re.compile(rb't="s"[^>]*>\s*<v>([0-9]+)</v>')  # t="s" first: searched fast
_ITEM = re.compile(rb"<si\b")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_SST_TYPE = "/sharedStrings"
_MAX_ROW_XML = 1 << 26  # a row of over 64 MiB is no master's: read it the usual way


@dataclass
class RawSheet:
    """One sheet's rows as XML, in file order: sheet row numbers, spans and digests.

    ``plain`` digests hash a row's bytes alone: two rows with equal ones read the same when the
    shared strings are byte for byte the same too (``strings_digest``). :meth:`resolved` digests
    hash the strings each row uses in place of their indices, for when they are not.
    """

    path: Path
    part: str  # the sheet's zip member
    strings_part: str | None
    frame: bytes
    strings_digest: bytes
    numbers: list[int]
    plain: list[bytes]
    spans: list[tuple[int, int]]  # each row's bytes in ``data``
    data: bytes  # the sheet's XML
    strings: bytes  # sharedStrings.xml
    body: tuple[int, int]  # the span of <sheetData>'s content
    others: list[tuple[str, bytes]]  # every other part of the file, as read with these
    _items: list[tuple[int, int]] | None = None
    _refs: list[tuple[int, int, int]] | None = None
    item_digests: list[bytes] | None = None  # each shared string's (see :meth:`digests_of_items`)
    row_refs: dict[int, tuple[int, ...]] | None = None  # row position -> its string indices

    def row_xml(self, index: int) -> bytes:
        start, end = self.spans[index]
        return self.data[start:end]

    def items(self) -> list[tuple[int, int]] | None:
        """Each shared string's span in ``strings`` (None: not a file to take apart)."""
        if self._items is None:
            self._items = _items(self.strings)
        return self._items

    def digests_of_items(self) -> list[bytes] | None:
        """Each shared string's digest (16 bytes of its SHA-256), computed once; None when the
        strings cannot be taken apart."""
        if self.item_digests is None:
            items = self.items()
            if items is None:
                return None
            texts, sha256 = memoryview(self.strings), hashlib.sha256
            self.item_digests = [sha256(texts[a:b]).digest()[:_ITEM_DIGEST] for a, b in items]
        return self.item_digests

    def resolved(self, indices: Iterable[int] | None = None) -> dict[int, bytes] | None:
        """Row position -> its digest with the digests of the shared strings it uses in place
        of their indices, for ``indices`` (every row when None); None when a shared-string cell
        cannot be read here. Each row's string indices are kept in :attr:`row_refs`."""
        items = self.digests_of_items()
        wanted = sorted(set(range(len(self.spans)) if indices is None else indices))
        refs = self.shared_refs(wanted)
        if items is None or refs is None:
            return None
        view = memoryview(self.data)
        starts = [a for a, _b, _ref in refs]
        found: dict[int, bytes] = {}
        row_refs = self.row_refs if self.row_refs is not None else {}
        for index in wanted:
            opening, close = self.spans[index]
            first = bisect.bisect_left(starts, opening)
            last = bisect.bisect_left(starts, close, first)
            digest = hashlib.sha256()  # as a plain digest: a row without strings has the same
            cursor = opening
            used = refs[first:last]
            for a, b, ref in used:  # each index's digits give way to 16 bytes: unambiguous
                digest.update(view[cursor:a])
                digest.update(items[ref])
                cursor = b
            digest.update(view[cursor:close])
            found[index] = digest.digest()
            row_refs[index] = tuple(ref for _a, _b, ref in used)
        self.row_refs = row_refs
        return found

    def shared_refs(self, rows: list[int] | None = None) -> list[tuple[int, int, int]] | None:
        """(start, end, index) of every shared-string index in the rows at ``rows`` (every row
        when None), in file order. Each match holds exactly one t="s": when the counts agree,
        every such cell was understood. A few rows are searched each on its own, many in one
        stretch from the first to the last of them."""
        if rows is None and self._refs is not None:
            return self._refs
        if rows is None:
            spans = [self.body]
        else:
            chosen = sorted(set(rows))
            spans = [self.spans[i] for i in chosen]
            if len(chosen) > 64:
                spans = [(spans[0][0], spans[-1][1])]
        data, items = self.data, self.items() or []
        refs: list[tuple[int, int, int]] = []
        for start, end in spans:
            found = [(m.start(1), m.end(1), int(m.group(1)))
                     for m in _SHARED_CELL.finditer(data, start, end)]
            if (len(found) != data.count(b't="s"', start, end)
                    or data.find(b"t='s'", start, end) >= 0
                    or (found and max(ref for _a, _b, ref in found) >= len(items))):
                return None  # a shared-string cell written another way
            refs.extend(found)
        if rows is None:
            self._refs = refs
        return refs


def _strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared-strings part (None: none; ``"?"``: several, not a file to take apart)."""
    parts = related_parts(archive, _SST_TYPE)
    if len(parts) != 1:
        return None if not parts else "?"
    return parts[0]


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
    """The rows of ``sheet`` with their plain digests, or None where the file cannot be taken
    apart with certainty (the caller then reads it whole)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            strings_part = _strings_part(archive)
            if part is None or strings_part == "?":
                return None
            frame = hashlib.blake2b(b"frame\0", digest_size=_DIGEST_SIZE)
            others: list[tuple[str, bytes]] = []  # kept: a copy is made of these very bytes
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                name = info.filename
                if name in (part, strings_part):
                    continue
                content = archive.read(info)
                others.append((name, content))
                if not name.startswith("docProps/"):
                    frame.update(name.encode("utf-8") + b"\0%d\0" % info.file_size)
                    frame.update(content)
            data, _stored = read_member(archive, archive.getinfo(part))
            stored: bytes | None = None
            if strings_part:
                info = archive.getinfo(strings_part)
                strings, as_stored = read_member(archive, info)
                stored = stored_digest(info, as_stored) if as_stored is not None else None
            else:
                strings = b""
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, etree.XMLSyntaxError):
        return None
    body = _body(data)
    if body is None:
        return None
    start, end = body
    frame.update(b"\0sheet\0" + data[:start] + b"\0" + data[end:])
    rows = _rows(data, start, end)
    if rows is None:
        return None
    numbers, plain, spans = rows
    strings_digest = stored or hashlib.sha256(b"content\0" + strings).digest()
    return RawSheet(path, part, strings_part, frame.digest(), strings_digest, numbers, plain,
                    spans, data, strings, body, others)


def _body(data: bytes) -> tuple[int, int] | None:
    """The span of ``<sheetData>``'s content. A second ``<sheetData`` tag before it or after its
    end is refused here; one inside it is not whitespace between rows, which :func:`_rows`
    refuses (so the sheet is not searched for it twice)."""
    open_tag = data.find(b"<sheetData")
    close_tag = data.rfind(b"</sheetData>")
    if (open_tag < 0 or data[open_tag:open_tag + 11] != b"<sheetData>" or close_tag < open_tag
            or data.find(b"<sheetData", close_tag) >= 0):
        return None
    return open_tag + len(b"<sheetData>"), close_tag


_ROW_START = re.compile(rb"<row ")


def _rows(data: bytes, start: int, end: int
          ) -> tuple[list[int], list[bytes], list[tuple[int, int]]] | None:
    """Each row's number, plain digest and span; None for rows not laid out one after another
    with their numbers."""
    numbers: list[int] = []
    digests: list[bytes] = []
    spans: list[tuple[int, int]] = []
    if not data[start:end].strip():
        return numbers, digests, spans
    starts = [m.start() for m in _ROW_START.finditer(data, start, end)]
    if not starts or data[start:starts[0]].strip():
        return None  # something else before the rows (or a prefixed tag)
    view, sha256, last = memoryview(data), hashlib.sha256, 0
    for opening, following in zip(starts, [*starts[1:], end], strict=True):
        head_end = data.find(b">", opening, following)
        if head_end < 0:
            return None
        if data[head_end - 1] == 0x2F:  # <row r="5" .../>: a row without cells
            close = head_end + 1
        else:
            close = data.rfind(b"</row>", head_end, following) + 6
            if close < 6:
                return None
        if data[close:following].strip():
            return None  # something between this row and the next
        number = _ROW_NUMBER.match(data, opening + 4, head_end + 1)
        if number is None or int(number.group(1)) <= last or close - opening > _MAX_ROW_XML:
            return None  # rows without numbers, or out of order: not for us
        last = int(number.group(1))
        numbers.append(last)
        digests.append(sha256(view[opening:close]).digest())
        spans.append((opening, close))
    return numbers, digests, spans


def write_subset(raw: RawSheet, keep: list[int], target: Path) -> None:
    """Write to ``target`` a copy of the workbook whose sheet holds only the rows at the
    positions ``keep`` (in order), and whose other shared strings are blank (positions kept)."""
    parts = [raw.row_xml(index) for index in keep]
    refs = raw.shared_refs(keep)  # None: a shared-string cell not understood, keep every string
    used = None if refs is None else {ref for _a, _b, ref in refs}
    first, last = raw.spans[0][0] if raw.spans else 0, raw.spans[-1][1] if raw.spans else 0
    head = _DIMENSION.sub(b"", raw.data[:first], count=1)  # the old extent is not this one's
    sheet = b"".join([head, *parts, raw.data[last:]])
    with zipfile.ZipFile(target, "w") as copy:  # the parts as read, not the file as it is now
        copy.writestr(raw.part, sheet)
        if raw.strings_part:
            copy.writestr(raw.strings_part, raw.strings if used is None else _blanked(raw, used))
        for name, content in raw.others:
            copy.writestr(name, content)


def _blanked(raw: RawSheet, used: set[int]) -> bytes:
    items = raw.items() or []
    if not items:
        return raw.strings
    blank = b"<si><t></t></si>"
    out = [raw.strings[:items[0][0]]]
    out.extend(raw.strings[a:b] if i in used else blank for i, (a, b) in enumerate(items))
    out.append(raw.strings[items[-1][1]:])
    return b"".join(out)
