"""The rows of an ``.xlsx`` sheet as XML, each with a digest of everything its cells read as.

A row's digest covers the bytes of its ``<row>`` element (its number, every cell, style and
formula) and, in place of each shared-string index, the digest of the string it names, so a row
reads the same as last time exactly when its digest is the same, wherever Excel or WPS moved
its strings in ``sharedStrings.xml``. The *frame* digest covers everything else that could change how a cell
reads: every other part of the file (styles, the workbook's date system, the other sheets) and
the sheet's XML outside its rows; only ``docProps/`` (who saved it, when) is left out.

The sheet and its shared strings (~70 MB each at 10,000 agencies) are never held inflated: they
are kept as stored (compressed) and inflated a block at a time (:meth:`.zipread.Member.blocks`),
once to take their digests and again, up to the last row wanted, by :func:`write_subset`. What
:class:`Known` says of the rows read last time spares hashing a known row with its strings.

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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from .parts import related_parts, sheet_part, used_range
from .zipread import Member, member_of, stored_digest

_DIGEST_SIZE = 20
_ITEM_DIGEST = 16  # bytes of a shared string's SHA-256 that stand for it in a row's digest
_ROW_NUMBER = re.compile(rb'[^>]*?\sr="([0-9]+)"')
_SHARED_CELL = re.compile(rb't="s"[^>]*>\s*<v>([0-9]+)</v>')  # t="s" first: searched fast
_ITEM = re.compile(rb"<si\b")
DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_SST_TYPE = "/sharedStrings"
_MAX_ROW_XML = 1 << 26  # a row of over 64 MiB is no master's: read it the usual way
_MAX_HEAD = 1 << 26  # nor is a sheet with that much XML before its rows
_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"


@dataclass(frozen=True)
class Known:
    """What the last read of this sheet found (see :mod:`.memo`): a row whose bytes it hashed
    (``plain``) and whose strings are the same has its digest (``digest``) and string indices
    (``refs``) from here; all strings are, when ``strings_digest`` is the same."""

    strings_digest: bytes
    items: list[bytes]
    digest: dict[bytes, bytes]  # a row's plain digest -> its digest
    refs: dict[bytes, tuple[int, ...]]  # a row's plain digest -> its string indices


@dataclass
class RawSheet:
    """One sheet's rows as XML, in file order: sheet row numbers, spans and digests.

    ``plain`` digests hash a row's bytes alone; ``digests`` hash the strings each row uses in
    place of their indices (``row_refs``), so rows read the same exactly when these are equal.
    """

    path: Path
    part: str  # the sheet's zip member
    strings_part: str | None
    frame: bytes
    strings_digest: bytes
    numbers: list[int]
    plain: list[bytes]
    digests: list[bytes]
    row_refs: list[tuple[int, ...]]  # each row's shared-string indices
    spans: list[tuple[int, int]]  # each row's bytes in the sheet's XML
    item_digests: list[bytes]  # each shared string's (16 bytes of its SHA-256)
    sheet: Member
    strings: Member | None
    lead: bytes  # the sheet's XML before its first row, and after its last
    trail: bytes
    others: list[tuple[str, bytes]]  # every other part of the file, as read with these
    hashed: int = 0  # rows hashed with their strings (not known from before)


def shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared-strings part (None: none; ``"?"``: several, not a file to take apart)."""
    parts = related_parts(archive, _SST_TYPE)
    if len(parts) != 1:
        return None if not parts else "?"
    return parts[0]


def read_raw_sheet(path: Path, sheet: str, known: Known | None = None) -> RawSheet | None:
    """The rows of ``sheet`` with their digests, or None where the file cannot be taken apart
    with certainty (the caller then reads it whole)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            strings_part = shared_strings_part(archive)
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
            rows = member_of(archive, archive.getinfo(part))
            strings = member_of(archive, archive.getinfo(strings_part)) if strings_part else None
        if strings is None:
            strings_digest, items = hashlib.sha256(b"content\0").digest(), []
        else:
            strings_digest = (stored_digest(strings.info, strings.stored)
                              if strings.as_stored else b"")
            if known is not None and strings_digest == known.strings_digest:
                items = known.items  # the same strings: the same digests, not computed again
            else:
                text = hashlib.sha256(b"content\0")
                found = _item_digests(_counted(strings.blocks(), text))
                if found is None:
                    return None
                items, strings_digest = found, strings_digest or text.digest()
        same = known is not None and strings_digest == known.strings_digest
        scan = _Scan(items, known, same)
        lead, trail, head, tail = _scan_sheet(rows.blocks(), scan)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, etree.XMLSyntaxError, NotTakenApart):
        return None
    frame.update(b"\0sheet\0" + head + b"\0" + tail)
    return RawSheet(path, part, strings_part, frame.digest(), strings_digest, scan.numbers,
                    scan.plain, scan.digests, scan.refs, scan.spans, items, rows, strings,
                    lead, trail, others, scan.hashed)


class NotTakenApart(Exception):
    """The sheet is not laid out as this module can take apart with certainty."""


def _counted(blocks: Iterator[bytes], digest: Any) -> Iterator[bytes]:
    """The blocks, each also fed to ``digest``."""
    for block in blocks:
        digest.update(block)
        yield block


def _item_digests(blocks: Iterator[bytes]) -> list[bytes] | None:
    """Each ``<si>`` item's digest (see :func:`item_runs`); None when they cannot be told
    apart."""
    sha256, digests = hashlib.sha256, []
    try:
        for data, starts in item_runs(blocks):
            if not starts:
                continue  # the XML after the items (or a part without any)
            view = memoryview(data)
            digests.extend([sha256(view[a:b]).digest()[:_ITEM_DIGEST]
                            for a, b in zip(starts, [*starts[1:], len(data)], strict=True)])
    except NotTakenApart:
        return None
    return digests


def item_runs(blocks: Iterator[bytes]) -> Iterator[tuple[bytes, list[int]]]:
    """The shared strings' XML in runs of whole ``<si>`` items, ``(data, starts)``: item ``i``
    of a run is ``data[starts[i]:starts[i + 1]]`` (its last to the end of ``data``), so each
    item reaches to the next one's start, and the last item of all to the end of its
    ``</si>``. ``data[:starts[0]]`` of the first run is the XML before the items; a last run
    without items, the XML after them. :class:`NotTakenApart` when the last item has no end."""
    carry = b""
    for block in blocks:
        carry += block
        starts = [m.start() for m in _ITEM.finditer(carry) if m.end() < len(carry)]
        if len(starts) >= 2:  # the items before the last one begun are whole
            yield carry[:starts[-1]], starts[:-1]
            carry = carry[starts[-1]:]
    starts = [m.start() for m in _ITEM.finditer(carry)]
    if not starts:
        yield carry, []  # no items at all
        return
    end = carry.rfind(b"</si>") + len(b"</si>")
    if end < starts[-1] + len(b"</si>"):
        raise NotTakenApart
    yield carry[:end], starts
    yield carry[end:], []


class _Scan:
    """What the pass over the sheet's rows finds, row by row."""

    def __init__(self, items: list[bytes], known: Known | None, same: bool) -> None:
        self.items, self.known, self.same = items, known, same
        self.numbers: list[int] = []
        self.plain: list[bytes] = []
        self.digests: list[bytes] = []
        self.refs: list[tuple[int, ...]] = []
        self.spans: list[tuple[int, int]] = []
        self.hashed = 0
        self.lead = b""  # the whitespace before the first row
        self.after = b""  # after the last row so far

    def region(self, data: bytes, base: int) -> None:
        """Rows one after another, whitespace around them (``data`` at ``base`` in the XML)."""
        starts = [m.start() for m in _ROW_START.finditer(data)]
        if not starts:
            if data.strip():
                raise NotTakenApart  # something else than rows (or a prefixed tag)
            if self.numbers:
                self.after += data
            else:
                self.lead += data
            return
        if data[:starts[0]].strip():
            raise NotTakenApart
        if not self.numbers:
            self.lead += data[:starts[0]]
        sha256, view = hashlib.sha256, memoryview(data)
        last = self.numbers[-1] if self.numbers else 0
        for opening, following in zip(starts, [*starts[1:], len(data)], strict=True):
            head_end = data.find(b">", opening, following)
            if head_end < 0:
                raise NotTakenApart
            if data[head_end - 1] == 0x2F:  # <row r="5" .../>: a row without cells
                close = head_end + 1
            else:
                close = data.rfind(b"</row>", head_end, following) + 6
                if close < 6:
                    raise NotTakenApart
            if data[close:following].strip():
                raise NotTakenApart  # something between this row and the next
            number = _ROW_NUMBER.match(data, opening + 4, head_end + 1)
            if number is None or int(number.group(1)) <= last or close - opening > _MAX_ROW_XML:
                raise NotTakenApart  # rows without numbers, or out of order: not for us
            last = int(number.group(1))
            plain = sha256(view[opening:close]).digest()
            self.numbers.append(last)
            self.plain.append(plain)
            self.spans.append((base + opening, base + close))
            self._resolve(data, view, opening, close, plain)
            self.after = data[close:following]

    def _resolve(self, data: bytes, view: memoryview, opening: int, close: int,
                 plain: bytes) -> None:
        """The row's digest with its strings' digests in place of their indices: known from
        before when its bytes and every string it uses are the same as then, else hashed."""
        known = self.known
        if known is not None:
            before = known.digest.get(plain)
            used = known.refs.get(plain) if before is not None else None
            items, old = self.items, known.items
            if before is not None and used is not None and (
                    self.same or all(k < len(items) and items[k] == old[k] for k in used)):
                self.digests.append(before)
                self.refs.append(used)
                return
        found = [(m.start(1), m.end(1), int(m.group(1)))
                 for m in _SHARED_CELL.finditer(data, opening, close)]
        if (len(found) != data.count(b't="s"', opening, close)
                or data.find(b"t='s'", opening, close) >= 0
                or (found and max(ref for _a, _b, ref in found) >= len(self.items))):
            raise NotTakenApart  # a shared-string cell written another way
        digest = hashlib.sha256()  # as a plain digest: a row without strings has the same
        cursor = opening
        for a, b, ref in found:  # each index's digits give way to 16 bytes: unambiguous
            digest.update(view[cursor:a])
            digest.update(self.items[ref])
            cursor = b
        digest.update(view[cursor:close])
        self.digests.append(digest.digest())
        self.refs.append(tuple(ref for _a, _b, ref in found))
        self.hashed += 1


_ROW_START = re.compile(rb"<row ")


def _scan_sheet(blocks: Iterator[bytes], scan: _Scan) -> tuple[bytes, bytes, bytes, bytes]:
    """Pass over the sheet's XML, its rows to ``scan`` as whole rows come in; (the XML before
    the first row, after the last row, up to ``<sheetData>``'s content, from its end)."""
    data = b""
    for block in blocks:  # the head: up to <sheetData>
        data += block
        if (at := data.find(b"<sheetData")) >= 0 and len(data) >= at + len(_OPEN):
            break
        if len(data) > _MAX_HEAD:
            raise NotTakenApart
    at = data.find(b"<sheetData")
    if at < 0 or data[at:at + len(_OPEN)] != _OPEN:
        raise NotTakenApart  # no <sheetData>, or one written otherwise (<sheetData/>, attributes)
    head = data[:at + len(_OPEN)]
    data, base = data[len(head):], len(head)
    while (closed := data.find(_CLOSE)) < 0:
        cut = data.rfind(b"<row ")
        if cut > 0:  # the rows before the last one begun are whole
            scan.region(data[:cut], base)
            data, base = data[cut:], base + cut
        elif len(data) > _MAX_ROW_XML:
            raise NotTakenApart
        more = next(blocks, b"")
        if not more:
            raise NotTakenApart  # the sheet ends inside its rows
        data += more
    scan.region(data[:closed], base)
    tail = data[closed:] + b"".join(blocks)
    if b"sheetData" in tail[len(_CLOSE):]:
        raise NotTakenApart  # a second <sheetData> after the first
    return head + scan.lead, scan.after + tail, head, tail


def write_subset(raw: RawSheet, keep: list[int], target: Path) -> None:
    """Write to ``target`` a copy of the workbook whose sheet holds only the rows at the
    positions ``keep`` (in order), and whose other shared strings are blank (positions kept)."""
    spans = [raw.spans[index] for index in keep]
    used = {ref for index in keep for ref in raw.row_refs[index]}
    head = DIMENSION.sub(_extent(raw, keep), raw.lead, count=1)
    with zipfile.ZipFile(target, "w") as copy:  # the parts as read, not the file as it is now
        with copy.open(raw.part, "w", force_zip64=True) as sheet:
            sheet.write(head)
            for piece in _pieces(raw.sheet.blocks(verify=False), spans):
                sheet.write(piece)
            sheet.write(raw.trail)
        if raw.strings_part and raw.strings is not None:
            with copy.open(raw.strings_part, "w", force_zip64=True) as strings:
                for piece in _blanked(raw.strings.blocks(verify=False), used):
                    strings.write(piece)
        for name, content in raw.others:
            copy.writestr(name, content)


def _extent(raw: RawSheet, keep: list[int]) -> bytes:
    """The copy's ``<dimension>``: the sheet's columns down to the last row kept. The old one
    would have the reader lay out every row of the sheet; none at all, scan the copy's every
    cell to learn its extent (:func:`.parts.check_extent`)."""
    extent = used_range(raw.lead)
    if extent is None or not keep:
        return b""
    last = max(raw.numbers[index] for index in keep)
    return f'<dimension ref="{extent[0]}:{extent[2]}{last}"/>'.encode()


def _pieces(blocks: Iterator[bytes], spans: Iterable[tuple[int, int]]) -> Iterator[bytes]:
    """The bytes of ``spans`` (in order, not overlapping) of the blocks' concatenation; the
    blocks after the last span are not asked for."""
    wanted = iter(spans)
    span = next(wanted, None)
    base = 0
    if span is None:
        return
    for block in blocks:
        end = base + len(block)
        while span is not None and span[0] < end:
            a, b = span
            yield block[max(a - base, 0):min(b, end) - base]
            if b > end:
                break  # the rest of it is in the next block
            span = next(wanted, None)
        if span is None:
            return  # before the next block is inflated
        base = end


_BLANK = b"<si><t></t></si>"


def _blanked(blocks: Iterator[bytes], used: set[int]) -> Iterator[bytes]:
    """The shared strings' XML with every item not in ``used`` blank (the others' positions
    kept, so every index still names its string)."""
    wanted = sorted(used)
    index = 0  # of the run's first item
    for data, starts in item_runs(blocks):
        if not starts:
            yield data
            continue
        yield data[:starts[0]]
        ends = [*starts[1:], len(data)]
        count = len(starts)
        at = bisect.bisect_left(wanted, index)
        cursor = index  # items before it are written
        while at < len(wanted) and wanted[at] < index + count:
            item = wanted[at]
            if item > cursor:
                yield _BLANK * (item - cursor)
            yield data[starts[item - index]:ends[item - index]]
            cursor, at = item + 1, at + 1
        if cursor < index + count:
            yield _BLANK * (index + count - cursor)
        index += count
