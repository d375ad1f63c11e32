"""A large ``.xlsx`` sheet read a slice of rows at a time, so that memory stays bounded.

python-calamine holds a sheet it reads as one dense grid of every cell, each with its own copy
of its text: a master of 10,000 agencies with real narratives takes over 200 MiB that way
before one row is parsed. Here the sheet's XML is read from the zip as a stream and cut at row
boundaries into slices of about :data:`SLICE_BYTES`; each slice goes, with the shared strings
it uses (renumbered) and every other part of the file but the other sheets, into a small
``.xlsx`` in memory that calamine reads as it reads any file, so every cell reads exactly as
in the whole sheet. The shared strings are first copied to a temporary file with each item's
place noted, so they are never all in memory either.

Whatever this module cannot take apart with certainty (no ``<sheetData>``, namespace prefixes,
a row without its number or out of order, comments or CDATA among the rows, a shared-string
cell written another way, several shared-string parts) is read whole by calamine instead, from
the first row or, found in a later slice, from the row reached on.
"""

from __future__ import annotations

import collections
import io
import operator
import os
import queue
import re
import tempfile
import threading
import zipfile
from array import array
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..zipwrite import PreparedZip
from . import zipread
from .rawrows import DIMENSION, NotTakenApart, item_runs, shared_strings_part

SLICE_BYTES = 1 << 20  # sheet XML a slice (~150 rows of a master with real narratives)
# Slices parsed at once, each by calamine in a thread of its own (it lets go of the GIL), where
# the sheet's XML is below PARALLEL_BELOW: two slices in flight held ~25 MiB more at 10,000
# agencies (their grids, their rows, a malloc arena per thread), which the 150 MiB such a
# master may take cannot spare; a smaller sheet (openpyxl writes its texts inline, 1,000
# agencies in 30 MB) reads about a third faster.
PARSERS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                     else os.cpu_count() or 1))
PARALLEL_BELOW = 40 << 20  # ~5,700 agencies written as Excel writes, ~1,300 by openpyxl
_READ = 1 << 20
_HEAD_LIMIT = 1 << 22  # <sheetData> further into the sheet than this: not a sheet for slices
# every t="s", split at its index where written as every writer writes it (t last); the
# other ways split with None
_SHARED_OPENING = b't="s"><v>'
_SHARED_CELL = re.compile(rb't="s"(?:><v>([0-9]+)(?=</v>))?')
_ROW_OPENING = re.compile(rb'<row(?: r="([0-9]+)")?')
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_COUNTS = re.compile(rb'\s(?:count|uniqueCount)="[0-9]*"')

Rows = Iterator[list[Any]]
Batches = Generator[list[list[Any]], None, None]


class _NotForSlices(Exception):
    """The sheet (from here on) is to be read whole."""


class _Strings:
    """The shared strings, copied to a temporary file: item ``i`` is the bytes from
    ``starts[i]`` to ``starts[i + 1]`` (the last to the end of its ``</si>``)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.file = tempfile.TemporaryFile()
        self.starts = array("q")
        self.opening = b"<sst>"
        self.end = 0
        offset, opened = 0, False
        try:
            for data, starts in item_runs(chunks):
                if not opened:
                    lead = data[:starts[0]] if starts else data
                    root = lead.find(b"<sst")
                    close = lead.find(b">", root) if root >= 0 else -1
                    if close < 0:
                        if not lead.strip() and not starts:
                            break  # no shared strings part
                        raise _NotForSlices
                    self.opening = _COUNTS.sub(b"", lead[root:close + 1])
                    opened = True
                self.starts.extend(offset + start for start in starts)
                self.file.write(data)
                offset += len(data)
                if starts:
                    self.end = offset  # a run of items ends where its last item does
        except NotTakenApart as exc:  # the last item has no end
            raise _NotForSlices from exc

    def __len__(self) -> int:
        return len(self.starts)

    def items(self, wanted: list[int]) -> list[bytes]:
        """The items at ``wanted`` (ascending, below ``len(self)``); consecutive ones are read in
        one go (Excel and WPS number the strings in the order rows use them)."""
        pieces: list[bytes] = []
        starts, count = self.starts, len(self.starts)
        run = 0
        while run < len(wanted):
            first = last = wanted[run]
            run += 1
            while run < len(wanted) and wanted[run] == last + 1:
                last = wanted[run]
                run += 1
            begin = starts[first]
            self.file.seek(begin)
            pieces.append(self.file.read(
                (starts[last + 1] if last + 1 < count else self.end) - begin))
        return pieces

    def close(self) -> None:
        self.file.close()


class _Book:
    """What every slice's small workbook holds besides its sheet and shared strings: written
    once, ready (:class:`~annual_report.zipwrite.PreparedZip`, stored, not deflated)."""

    def __init__(self, archive: zipfile.ZipFile, part: str, strings: str | None) -> None:
        sheets = _sheet_parts(archive)
        self.part, self.strings = part, strings or "xl/sharedStrings.xml"
        others = [(info.filename, archive.read(info)) for info in archive.infolist()
                  if info.filename not in (part, strings) and info.filename not in sheets
                  and not info.filename.endswith("/")]
        self.has_strings = strings is not None
        changing = [self.part, self.strings] if self.has_strings else [self.part]
        self._zip = PreparedZip(others, changing, compress=False)

    def archive(self, sheet: bytes, strings: bytes | None) -> io.BytesIO:
        """A small .xlsx of this sheet and these shared strings, stored (not deflated), its
        CRC-32s by ISA-L where installed (``zipfile`` would compute them with zlib)."""
        members = {self.part: sheet}
        if strings is not None:
            members[self.strings] = strings
        return io.BytesIO(self._zip.build(members))


def _sheet_parts(archive: zipfile.ZipFile) -> set[str]:
    """Every worksheet part the workbook's relationships name."""
    from .parts import related_parts

    return set(related_parts(archive, "/worksheet"))


def sliced_rows(path: Path, sheet: str, whole: Callable[[], Rows]) -> Rows:
    """The rows of ``sheet`` from A1, each a list of its cells as calamine reads them (rows not
    in the file as empty lists), read slice by slice; ``whole()`` gives every row read whole
    (the way for what cannot be sliced)."""
    given = 0
    try:
        for batch in _ahead(lambda: _slices(path, sheet)):
            yield from batch
            given += len(batch)
        return
    except _NotForSlices:
        pass
    rows = whole()
    for _skipped in zip(range(given), rows, strict=False):
        pass
    yield from rows


_END = object()


def _ahead(batches: Callable[[], Batches]) -> Iterator[list[list[Any]]]:
    """The batches, made one ahead in a thread of their own: calamine parses the next slice
    (without the GIL) while the rows of this one are parsed. Whatever the thread raises is
    raised here; closing this iterator stops it."""
    handed: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                handed.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        made = batches()
        try:
            for batch in made:
                if not put(batch):
                    return
            put(_END)
        except BaseException as exc:  # raised in the reading thread
            put(exc)
        finally:
            made.close()

    thread = threading.Thread(target=produce, name="read-slices", daemon=True)
    thread.start()
    try:
        while (item := handed.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _slices(path: Path, sheet: str) -> Batches:
    """The sheet's rows, a slice at a time (the rows before each slice's first, not in the
    file, as empty lists)."""
    from .parts import sheet_part

    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise _NotForSlices from exc
    strings: _Strings | None = None
    try:
        try:
            part = sheet_part(archive, sheet)
            shared = shared_strings_part(archive)
            if part is None or shared == "?":
                raise _NotForSlices
            book = _Book(archive, part, shared)
            strings = _Strings(zipread.member_blocks(archive, archive.getinfo(shared), _READ) if shared
                               else iter(()))
            chunks = zipread.member_blocks(archive, archive.getinfo(part), _READ)
        except (KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
            raise _NotForSlices from exc
        except Exception as exc:  # lxml's syntax errors and the like
            raise _NotForSlices from exc
        parsers = PARSERS if archive.getinfo(part).file_size < PARALLEL_BELOW else 1
        if parsers == 1:  # parsed here, one after the other
            yield from _read_slices(book, strings, chunks, sheet, None, 1)
            return
        # closed early, the pool waits for the slices being parsed (two at most)
        with ThreadPoolExecutor(parsers, thread_name_prefix="parse-slice") as pool:
            yield from _read_slices(book, strings, chunks, sheet, pool, parsers)
    finally:
        if strings is not None:
            strings.close()
        archive.close()


def _read_slices(book: _Book, strings: _Strings, chunks: Iterator[bytes], sheet: str,
                 pool: Executor | None, parsers: int) -> Batches:
    data = b""
    while (at := data.find(b"<sheetData>")) < 0:
        chunk = next(chunks, b"")
        if not chunk or len(data) > _HEAD_LIMIT:
            raise _NotForSlices
        data += chunk
    head = DIMENSION.sub(b"", data[:at + len(b"<sheetData>")], count=1)
    root = next((m.group(1) for m in _ROOT.finditer(head)), None)
    if root is None or head.count(b"<sheetData") != 1:
        raise _NotForSlices
    tail = b"</sheetData></" + root + b">"
    data = data[at + len(b"<sheetData>"):]
    rows = _Placed()
    last_number = 0  # the last row number seen
    parsing: collections.deque[Future[list[tuple[int, list[Any]]]]] = collections.deque()
    done = False
    while not done:
        end = data.find(b"</sheetData>")
        while end < 0 and (len(data) < SLICE_BYTES or data.rfind(b"<row ", 1) <= 0):
            chunk = next(chunks, b"")
            if not chunk:
                raise _NotForSlices  # the sheet's XML ends before its rows do
            searched = max(len(data) - len(b"</sheetData>"), 0)
            data += chunk
            end = data.find(b"</sheetData>", searched)
        if end >= 0:  # the last slice
            body, data, done = data[:end], b"", True
        else:
            cut = data.rfind(b"<row ", 1)
            body, data = data[:cut], data[cut:]
        last_number = _check_rows(body, last_number)
        if not body.strip():
            continue
        made = _slice_file(book, strings, head, body, tail)
        if pool is None:
            yield rows.batch(_parse_slice(made, sheet))
            continue
        # calamine parses a slice without the GIL: up to ``parsers`` slices at once, in
        # threads, their rows taken in order (what one raises is raised when its turn comes)
        parsing.append(pool.submit(_parse_slice, made, sheet))
        while len(parsing) >= parsers:
            yield rows.batch(parsing.popleft().result())
    while parsing:
        yield rows.batch(parsing.popleft().result())


class _Placed:
    """The rows given so far: each slice's rows as a batch from the row after them, a row not
    in the file as an empty list."""

    def __init__(self) -> None:
        self.given = 0

    def batch(self, parsed: list[tuple[int, list[Any]]]) -> list[list[Any]]:
        batch: list[list[Any]] = []
        for row_number, row in parsed:
            if row_number < self.given:
                raise _NotForSlices  # calamine placed a row before what it already gave
            while self.given < row_number:
                self.given += 1
                batch.append([])
            self.given += 1
            batch.append(row)
        return batch


def _check_rows(body: bytes, last: int) -> int:
    """The number of the last row of ``body``; raises unless ``body`` is whole rows, each with
    its number first (as every writer puts it), in order, after row ``last``."""
    if (body.find(b"!") >= 0 and body.find(b"<!") >= 0) or (  # memchr first: fast
            body.find(b"?") >= 0 and body.find(b"<?") >= 0):
        raise _NotForSlices  # a comment, CDATA or instruction could hide or cut a row
    found = _ROW_OPENING.findall(body)  # every <row, its number where written first
    if b"" in found or (found and not body.lstrip().startswith(b"<row ")) or (
            not found and body.strip()):
        raise _NotForSlices
    numbers = list(map(int, found))
    if numbers and (numbers[0] <= last or not all(map(operator.lt, numbers, numbers[1:]))):
        raise _NotForSlices
    return numbers[-1] if numbers else last


def _slice_file(book: _Book, strings: _Strings, head: bytes, body: bytes, tail: bytes
                ) -> io.BytesIO:
    """The small .xlsx of the rows in ``body`` and the shared strings they use (renumbered)."""
    pieces = _SHARED_CELL.split(body)  # text, index, text, index, ..., text
    used = pieces[1::2]
    if None in used or (body.find(b"'") >= 0 and b"t='s'" in body):
        raise _NotForSlices  # a shared-string cell written another way
    spelled = sorted((int(index), index) for index in set(used))
    wanted = sorted({number for number, _index in spelled})
    if wanted and wanted[-1] >= len(strings):
        raise _NotForSlices
    position = {number: b"%d" % new for new, number in enumerate(wanted)}
    renumbered = {index: _SHARED_OPENING + position[number] for number, index in spelled}
    pieces[1::2] = [renumbered[index] for index in used]
    return book.archive(b"".join([head, *pieces, tail]), b"".join(  # strings numbered from 0
        [strings.opening, *strings.items(wanted), b"</sst>"]) if book.has_strings else None)


def _parse_slice(buffer: io.BytesIO, sheet: str) -> list[tuple[int, list[Any]]]:
    """(0-based sheet row, cells from column A) of the rows of a slice's .xlsx, read by
    calamine."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(buffer)
        read = workbook.get_sheet_by_name(sheet)
    except Exception as exc:  # not what the whole file reads as: let calamine read that
        raise _NotForSlices from exc
    start = read.start
    if read.height == 0 or start is None:
        return []
    first, pad = start
    padding = [""] * pad
    return [(first + offset, [*padding, *row] if pad else row)
            for offset, row in enumerate(read.to_python(skip_empty_area=True))]
