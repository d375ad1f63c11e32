"""A deterministic ZIP writer, prepared once and written many times: DOCX reports, and the small
workbooks a large sheet is read through a slice at a time (:mod:`.workbook.slices`).

A report differs from its template in a few members only (``word/document.xml``, the core
properties, perhaps a header). :class:`PreparedZip` therefore deflates every unchanged member once,
keeps its local header and data as one ready block, and per archive only deflates the changed
members and writes the central directory (see PKWARE's APPNOTE.TXT, sections 4.3 and 4.4).
A slice's workbook is written the same way with nothing deflated (``compress=False``): it is read
at once, from memory.

Output is deterministic: every member carries the DOS timestamp 1980-01-01 00:00, no extra fields,
no comments, and the member order is fixed (the unchanged members in the order given, then the
changed ones). The same inputs give the same bytes (with the same deflate module, see
:mod:`annual_report.fastzlib`), so builds can be compared by hash.

Only classic (non-ZIP64) archives are written; a DOCX never comes near the 4 GiB limits.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .fastzlib import crc32, fast_deflate

STORED = 0
DEFLATED = 8
# The members rendered per report are deflated at the fast level of the fastest module
# (fastzlib: ISA-L's level 1, else zlib's 3). Measured on a 95 KiB rendered word/document.xml
# (bench/bench_render.py): zlib level 3 0.29 ms for 7.3 KiB, ISA-L level 1 0.05 ms for 7.9 KiB,
# zlib's default level 6 more again. A report is a few KiB either way, so the fast level wins.
DYNAMIC_LEVEL = None  # None: fastzlib's fast level; a number: zlib at that level
# Unchanged members are compressed once per template, so the best level costs nothing per report.
STATIC_LEVEL = 9

_DOS_TIME = 0  # 00:00:00
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_VERSION = 20  # 2.0: deflate; "made by" host 0 (MS-DOS/FAT), so no Unix permission bits
_UTF8_FLAG = 0x0800  # general purpose bit 11: the name is UTF-8
_LIMIT = 0xFFFFFFFF

_LOCAL = struct.Struct("<IHHHHHIIIHH")  # local file header, without the name
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")  # central directory header, without the name
_END = struct.Struct("<IHHHHIIH")  # end of central directory record
_LOCAL_SIG = 0x04034B50
_CENTRAL_SIG = 0x02014B50
_END_SIG = 0x06054B50


def deflate(data: bytes, level: int | None) -> bytes:
    """Raw deflate (no zlib header), as a ZIP member stores it: zlib at ``level``, or the fast
    level of the fastest module (None)."""
    if level is None:
        return fast_deflate(data)
    return zlib.compress(data, level, wbits=-zlib.MAX_WBITS)


@dataclass(frozen=True)
class _Entry:
    """One member's header fields; ``offset`` is where its local header starts."""

    name: bytes
    flags: int
    method: int
    crc: int
    compressed_size: int
    size: int
    offset: int

    def local_header(self) -> bytes:
        return _LOCAL.pack(
            _LOCAL_SIG, _VERSION, self.flags, self.method, _DOS_TIME, _DOS_DATE, self.crc,
            self.compressed_size, self.size, len(self.name), 0,
        ) + self.name

    def central_header(self) -> bytes:
        return _CENTRAL.pack(
            _CENTRAL_SIG, _VERSION, _VERSION, self.flags, self.method, _DOS_TIME, _DOS_DATE,
            self.crc, self.compressed_size, self.size, len(self.name), 0, 0, 0, 0, 0, self.offset,
        ) + self.name


def _encode_name(name: str) -> tuple[bytes, int]:
    if not name or name.startswith("/") or "\\" in name:
        raise ValueError(f"invalid ZIP member name {name!r}")
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_FLAG


def _entry(name: str, data: bytes, payload: bytes, method: int, offset: int) -> _Entry:
    encoded, flags = _encode_name(name)
    if len(data) >= _LIMIT or len(payload) >= _LIMIT or offset >= _LIMIT:
        raise ValueError(f"ZIP member {name!r} is too large for a classic (non-ZIP64) archive")
    return _Entry(encoded, flags, method, crc32(data), len(payload), len(data), offset)


def _add(name: str, data: bytes, packed: bytes, method: int, offset: int, blocks: list[bytes],
         central: list[bytes]) -> int:
    """Append a member's local header and data to ``blocks``, its central header to ``central``;
    the offset after it."""
    entry = _entry(name, data, packed, method, offset)
    header = entry.local_header()
    blocks += (header, packed)
    central.append(entry.central_header())
    return offset + len(header) + len(packed)


class PreparedZip:
    """An archive whose unchanged members are ready; :meth:`build` adds the changed ones.

    ``static`` members are written first, in the given order (put ``[Content_Types].xml`` first);
    the members named in ``dynamic`` follow in that order, with the data given to :meth:`build`.
    The object is immutable after construction and safe to share between threads and forked
    processes.
    """

    def __init__(
        self,
        static: Iterable[tuple[str, bytes]],
        dynamic: Sequence[str],
        *,
        static_level: int | None = STATIC_LEVEL,
        dynamic_level: int | None = DYNAMIC_LEVEL,
        compress: bool = True,
    ) -> None:
        blocks: list[bytes] = []
        central: list[bytes] = []
        names: set[str] = set()
        offset = 0
        for name, data in static:
            if name in names:
                raise ValueError(f"duplicate ZIP member {name!r}")
            names.add(name)
            packed = deflate(data, static_level) if compress else data
            method = DEFLATED if compress else STORED
            if len(packed) >= len(data):  # already compressed (images): store as is
                packed, method = data, STORED
            offset = _add(name, data, packed, method, offset, blocks, central)
        for name in dynamic:
            if name in names:
                raise ValueError(f"duplicate ZIP member {name!r}")
            names.add(name)
            _encode_name(name)
        if len(names) > 0xFFFF:
            raise ValueError("too many ZIP members for a classic (non-ZIP64) archive")
        self._prefix = b"".join(blocks)
        self._static_central = b"".join(central)
        self._dynamic = tuple(dynamic)
        self._dynamic_set = frozenset(self._dynamic)
        self._dynamic_level = dynamic_level
        self._compress = compress
        self._count = len(names)

    @property
    def dynamic_names(self) -> tuple[str, ...]:
        return self._dynamic

    def build(self, members: Mapping[str, bytes]) -> bytes:
        """The archive's bytes, with ``members`` holding the data of every dynamic member."""
        if members.keys() != self._dynamic_set:
            extra = sorted(set(members) - self._dynamic_set)
            missing = sorted(self._dynamic_set - set(members))
            raise ValueError(f"dynamic members mismatch: missing {missing}, unexpected {extra}")
        chunks = [self._prefix]
        central = [self._static_central]
        offset = len(self._prefix)
        for name in self._dynamic:
            data = members[name]
            if self._compress:
                packed, method = deflate(data, self._dynamic_level), DEFLATED
            else:
                packed, method = data, STORED
            offset = _add(name, data, packed, method, offset, chunks, central)
        directory = b"".join(central)
        if offset >= _LIMIT or len(directory) >= _LIMIT:
            raise ValueError("archive too large for a classic (non-ZIP64) archive")
        chunks.append(directory)
        chunks.append(
            _END.pack(_END_SIG, 0, 0, self._count, self._count, len(directory), offset, 0)
        )
        return b"".join(chunks)


def read_members(data: bytes) -> list[tuple[str, bytes]]:
    """Every file member of an archive, in archive order (directories skipped).

    Raises :class:`zipfile.BadZipFile` (or ``zlib.error``/``EOFError`` for damaged data).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            (info.filename, archive.read(info))
            for info in archive.infolist()
            if not info.is_dir()
        ]


def write_zip(members: Iterable[tuple[str, bytes]], level: int | None = DYNAMIC_LEVEL) -> bytes:
    """A deterministic archive of ``members`` in the given order (all prepared at once)."""
    return PreparedZip(members, (), static_level=level).build({})
