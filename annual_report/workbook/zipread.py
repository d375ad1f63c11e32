"""Big members of an ``.xlsx`` read fast: their stored bytes straight from the archive's own open
file, inflated with ISA-L where it is installed (:mod:`annual_report.fastzlib`), checked as
:mod:`zipfile` checks them.

At 10,000 agencies a master's sheet and shared strings inflate to ~70 MB each. ``zipfile`` inflates
them with zlib and computes their CRC-32 with zlib too; ISA-L does both several times faster, with
the same result (deflate is a format: any correct inflater gives the same bytes, and the length
and CRC-32 the archive records are checked). Without ``isal`` (a platform it has no wheel for),
zlib does it. A member stored in any other way, or laid out otherwise than expected, is read by
``zipfile`` itself.

:class:`Member` keeps a member as stored and gives its content a block at a time, so that a
part of 70 MB costs its compressed size while it is kept (see :mod:`.rawrows`).
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import zipfile
import zlib
from collections.abc import Iterator

from .. import fastzlib

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name's and the extra's lengths


def data_offset(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int | None:
    """Where a member's stored bytes start in the archive's own open file (the very file its
    other members were read from, even if another took its name since); None when it is not
    laid out as expected (closed, encrypted, no local header there)."""
    stream = archive.fp
    if stream is None or info.flag_bits & 0x1:
        return None
    stream.seek(info.header_offset)  # zipfile seeks before each read of its own
    head = stream.read(_LOCAL_HEADER.size)
    if len(head) != _LOCAL_HEADER.size:
        return None
    signature, name_size, extra_size = _LOCAL_HEADER.unpack(head)
    if signature != b"PK\x03\x04":
        return None
    offset: int = info.header_offset + _LOCAL_HEADER.size + name_size + extra_size
    return offset


def stored_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A member's bytes as stored (compressed), read from the archive's own open file; None
    when it is not laid out as expected."""
    offset = data_offset(archive, info)
    if offset is None or archive.fp is None:
        return None
    archive.fp.seek(offset)
    stored = archive.fp.read(info.compress_size)
    return stored if len(stored) == info.compress_size else None


def stored_pieces(archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                  size: int = 1 << 16) -> Iterator[bytes] | None:
    """A member's bytes as stored, read from the archive's own open file ``size`` bytes at a
    time (for :func:`content_blocks`); None when it is not stored as is or deflated, or not laid
    out as expected."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    position = data_offset(archive, info)
    stream = archive.fp
    if position is None or stream is None:
        return None

    def pieces(position: int) -> Iterator[bytes]:
        left = info.compress_size
        while left:
            stream.seek(position)  # nothing else reads the archive meanwhile, but be sure
            piece = stream.read(min(size, left))
            if not piece:
                raise zipfile.BadZipFile(f"{info.filename}: the archive ends too soon")
            position += len(piece)
            left -= len(piece)
            yield piece

    return pieces(position)


def stored_digest(info: zipfile.ZipInfo, stored: bytes) -> bytes:
    """A digest of a member as stored: equal digests, equal contents (the converse need not
    hold: the same content compressed otherwise has another)."""
    digest = hashlib.sha256(b"stored\0%d\0%d\0%d\0" % (info.compress_type, info.CRC,
                                                     info.file_size))
    digest.update(stored)
    return digest.digest()


BLOCK = 1 << 20  # bytes of content a block holds


class Member:
    """A member kept as stored (compressed), its content inflated a block at a time on demand:
    a 70 MB part costs its compressed size while kept. A member stored otherwise than deflated
    or as is (or laid out unexpectedly) is kept as read by ``zipfile``."""

    __slots__ = ("info", "stored", "as_stored")

    def __init__(self, info: zipfile.ZipInfo, stored: bytes, as_stored: bool) -> None:
        self.info, self.stored, self.as_stored = info, stored, as_stored

    def blocks(self, verify: bool = True) -> Iterator[bytes]:
        """The content, :data:`BLOCK` bytes at a time; ``verify``: its length and CRC-32 are
        checked once the last block is given (:class:`zipfile.BadZipFile`), as zipfile does."""
        if not self.as_stored:  # read by zipfile, which checked it
            yield from _cut(self.stored, BLOCK)
            return
        yield from content_blocks(self.info, iter((self.stored,)), verify)


def content_blocks(info: zipfile.ZipInfo, stored: Iterator[bytes], verify: bool = True,
                   block: int | None = None) -> Iterator[bytes]:
    """A member's content (stored as is, or deflated) from its stored bytes, given in pieces:
    at most ``block`` (:data:`BLOCK`) bytes at a time, so that neither whole is ever held.
    ``verify``: the length and CRC-32 are checked after the last block, as zipfile does."""
    size_limit = block or BLOCK
    crc = size = 0
    if info.compress_type == zipfile.ZIP_STORED:
        for piece in stored:
            for out in _cut(piece, size_limit):
                if verify:
                    crc, size = fastzlib.FAST.crc32(out, crc), size + len(out)
                yield out
        if verify:
            _check(info, size, crc)
        return
    inflater = fastzlib.FAST.decompressobj(-zlib.MAX_WBITS)
    for piece in itertools.chain(stored, (b"",)):  # the last, empty, drains the inflater
        pending = piece
        while True:
            try:  # at most size_limit bytes out: the rest waits in the inflater (or its input)
                out = inflater.decompress(pending, size_limit)
            except fastzlib.FAST.error as exc:
                raise zipfile.BadZipFile(f"{info.filename}: {exc}") from exc
            pending = inflater.unconsumed_tail
            if not out:
                break  # this piece is all taken in (or the data has ended)
            if verify:
                crc, size = fastzlib.FAST.crc32(out, crc), size + len(out)
            yield out
        if inflater.eof:
            break
    if verify:
        if not inflater.eof:
            raise zipfile.BadZipFile(f"{info.filename}: the compressed data ends too soon")
        _check(info, size, crc)


def member_blocks(archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                  block: int = 1 << 20) -> Iterator[bytes]:
    """A member's content in pieces of at most ``block`` bytes, inflated with ISA-L where it is
    installed from the archive's own open file, its length and CRC-32 checked as :mod:`zipfile`
    checks them; a member laid out otherwise is read by ``zipfile``."""
    pieces = stored_pieces(archive, info)
    if pieces is None:
        with archive.open(info) as member:
            while chunk := member.read(block):
                yield chunk
        return
    yield from content_blocks(info, pieces, block=block)


def _cut(data: bytes, size: int) -> Iterator[bytes]:
    """``data`` in pieces of at most ``size`` bytes."""
    view = memoryview(data)
    for start in range(0, len(view), size):
        yield bytes(view[start:start + size])


def _check(info: zipfile.ZipInfo, size: int, crc: int) -> None:
    if size != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"{info.filename}: bad CRC-32 or size")


def member_of(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Member:
    """The member as stored, to inflate later (see :class:`Member`)."""
    stored = stored_bytes(archive, info)
    if stored is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return Member(info, archive.read(info), False)
    return Member(info, stored, True)
